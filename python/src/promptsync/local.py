"""Local mode: the prompts folder compiled in-process (src/source/parse.ts, src/compiler/compile-prompts.ts), sources
validated against schemas/prompt-source.schema.json, with the same error codes."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from jinja2 import nodes

from .canonical import canonical_json, content_hash
from .codec import schema_problem, validator
from .errors import CompileError, Diagnostic
from .names import prompt_name_problem
from .render import TemplateProblem, parse_template
from .yaml12 import load_yaml12

EXTENSIONS = {".txt": "text", ".md": "markdown", ".yaml": "yaml", ".yml": "yaml"}
FRONT_MATTER = re.compile(r"^---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|$)")
RAW_HINT = "If the braces are literal text, wrap that part in {% raw %}…{% endraw %}, or mark the whole file as plain with `template: false` (front matter in .md files)."
NOT_VARIABLES = frozenset(
    {"loop", "caller", "super", "self", "range", "cycler", "joiner", "True", "False", "None", "true", "false", "none", "varargs", "kwargs"}
)
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_FILES = 100_000


# --- variables ---------------------------------------------------------------------------------------------------


def _root(node: nodes.Node) -> str | None:
    current: nodes.Node = node
    while isinstance(current, nodes.Getattr | nodes.Getitem):
        current = current.node
    return current.name if isinstance(current, nodes.Name) else None


def _cond_names(test: nodes.Node) -> frozenset[str]:
    found = [test, *test.find_all(nodes.Name)]
    return frozenset(n.name for n in found if isinstance(n, nodes.Name) and n.ctx == "load")


def _targets(node: nodes.Node) -> Iterable[str]:
    for n in node.find_all(nodes.Name):
        if n.ctx in ("store", "param"):
            yield n.name
    if isinstance(node, nodes.Name) and node.ctx in ("store", "param"):
        yield node.name


class Partials:
    """The prompts folder's partials (files with a `_` segment), parsed once; what a template reaches through them."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self.trees: dict[str, nodes.Template | None] = {}

    def tree(self, name: str) -> nodes.Template | None:
        if name not in self.trees:
            text = self.texts.get(name)
            self.trees[name] = None if text is None else parse_template(text, partials=self.texts)[0]
        return self.trees[name]


MAX_PARTIAL_DEPTH = 32
_COMPOSING = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


def _partial_target(node: nodes.Node) -> str | None:
    target = getattr(node, "template", None)
    return target.value if isinstance(target, nodes.Const) and isinstance(target.value, str) else None


def template_variables(tree: nodes.Template, partials: Partials | None = None, reached: set[str] | None = None) -> list[dict[str, Any]]:
    """Free names the template reads (through the partials it includes, imports with context or extends), each
    required unless every read is guarded (default, is defined, if)."""
    bound: set[str] = set(NOT_VARIABLES)
    trees = [tree]
    reached = reached if reached is not None else set()

    def collect(node: nodes.Node, depth: int) -> None:
        # Every partial the template reaches, for binding names and for freezing.
        for ref in node.find_all(_COMPOSING):
            name = _partial_target(ref)
            if name is None or partials is None or name in reached or depth > MAX_PARTIAL_DEPTH:
                continue
            reached.add(name)
            sub = partials.tree(name)
            if sub is not None:
                trees.append(sub)
                collect(sub, depth + 1)

    collect(tree, 0)
    for t in trees:
        for node in t.find_all((nodes.Assign, nodes.AssignBlock, nodes.For, nodes.Macro, nodes.CallBlock, nodes.Import, nodes.FromImport)):
            if isinstance(node, nodes.Macro):
                bound.add(node.name)
                for arg in node.args:
                    bound.add(arg.name)
            elif isinstance(node, nodes.CallBlock):
                for arg in node.args:
                    bound.add(arg.name)
            elif isinstance(node, nodes.Import):
                bound.add(node.target)
            elif isinstance(node, nodes.FromImport):
                for name in node.names:
                    bound.add(name[1] if isinstance(name, tuple) else name)
            elif isinstance(node, nodes.Assign | nodes.AssignBlock | nodes.For):
                bound.update(_targets(node.target))
    reads: dict[str, bool] = {}
    visiting: list[str] = []

    def blocks_of(t: nodes.Template) -> dict[str, nodes.Block]:
        return {b.name: b for b in t.find_all(nodes.Block)}

    def visit_template(t: nodes.Template, guarded: frozenset[str], overrides: dict[str, nodes.Block]) -> None:
        extends = next(iter(t.find_all(nodes.Extends)), None)
        base_name = _partial_target(extends) if extends is not None else None
        if base_name is not None and partials is not None and base_name not in visiting and len(visiting) < MAX_PARTIAL_DEPTH:
            base = partials.tree(base_name)
            if base is not None:
                # The child's blocks replace the base's; what else the child holds outside blocks is not output.
                merged = {**blocks_of(t), **overrides}
                for node in t.body:
                    if not isinstance(node, nodes.Block | nodes.Output):
                        visit(node, guarded, merged)
                visiting.append(base_name)
                visit_template(base, guarded, merged)
                visiting.pop()
                return
        visit(t, guarded, overrides)

    def visit(node: Any, guarded: frozenset[str], overrides: dict[str, nodes.Block]) -> None:
        if isinstance(node, nodes.Block) and node.name in overrides and overrides[node.name] is not node:
            child = overrides[node.name]
            for body_node in child.body:
                visit(body_node, guarded, overrides)
            if any(isinstance(c.node, nodes.Name) and c.node.name == "super" for c in child.find_all(nodes.Call)):
                for body_node in node.body:
                    visit(body_node, guarded, overrides)
            return
        if isinstance(node, nodes.Include | nodes.Import | nodes.FromImport):
            name = _partial_target(node)
            with_context = isinstance(node, nodes.Include) or bool(getattr(node, "with_context", False))
            if name is not None and partials is not None and with_context and name not in visiting and len(visiting) < MAX_PARTIAL_DEPTH:
                sub = partials.tree(name)
                if sub is not None:
                    visiting.append(name)
                    visit_template(sub, guarded, {})
                    visiting.pop()
            return
        if isinstance(node, nodes.Name):
            if node.ctx == "load" and node.name not in bound:
                required = node.name not in guarded
                reads[node.name] = reads.get(node.name, False) or required
            return
        if isinstance(node, nodes.Filter) and node.name in ("default", "d") and node.node is not None:
            root = _root(node.node)
            visit(node.node, guarded | {root} if root else guarded, overrides)
            for argument in [*node.args, *(kw.value for kw in node.kwargs)]:
                visit(argument, guarded, overrides)
            return
        if isinstance(node, nodes.Test) and node.name in ("defined", "undefined", "none", "null"):
            root = _root(node.node)
            visit(node.node, guarded | {root} if root else guarded, overrides)
            return
        if isinstance(node, nodes.If):
            names = _cond_names(node.test)
            visit(node.test, guarded | names, overrides)
            for body_node in node.body:
                visit(body_node, guarded | names, overrides)
            for elif_node in node.elif_:
                visit(elif_node, guarded, overrides)
            for else_node in node.else_:
                visit(else_node, guarded, overrides)
            return
        if isinstance(node, nodes.CondExpr):
            names = _cond_names(node.test)
            visit(node.test, guarded | names, overrides)
            visit(node.expr1, guarded | names, overrides)
            if node.expr2 is not None:
                visit(node.expr2, guarded, overrides)
            return
        for child in node.iter_child_nodes():
            visit(child, guarded, overrides)

    visit_template(tree, frozenset(), {})
    return [{"name": name, "required": reads[name]} for name in sorted(reads, key=lambda n: n.encode("utf-16-be"))]


def merge_variables(lists: Iterable[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    merged: dict[str, bool] = {}
    for variables in lists:
        for v in variables:
            merged[v["name"]] = merged.get(v["name"], False) or bool(v["required"])
    return [{"name": n, "required": merged[n]} for n in sorted(merged, key=lambda n: n.encode("utf-16-be"))]


# --- sources -----------------------------------------------------------------------------------------------------


def _yaml_problem_line(error: BaseException) -> int:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return int(mark.line) + 1 if mark is not None else 1


def _schema_diagnostics(file: str, value: Any) -> list[Diagnostic]:
    if not isinstance(value, dict):
        return [
            Diagnostic(
                file,
                1,
                1,
                "SCHEMA_VIOLATION",
                "a prompt file must be a YAML mapping (key: value pairs)",
                "Start with `content: |` followed by the indented template.",
            )
        ]
    out: list[Diagnostic] = []
    for error in validator("prompt-source.schema.json").iter_errors(value):
        where = ".".join(str(p) for p in error.absolute_path) or "the document"
        if error.validator == "additionalProperties":
            extra = re.findall(r"'([^']*)' was unexpected", error.message) or [error.message]
            for key in extra:
                out.append(Diagnostic(file, 1, 1, "SCHEMA_VIOLATION", f'unknown key "{key}" in {where}'))
        else:
            out.append(Diagnostic(file, 1, 1, "SCHEMA_VIOLATION", f"{where} {error.message[:300]}"))
    return out


def _parse_template_safely(text: str, partials: Mapping[str, str] | None) -> tuple[nodes.Template | None, list[TemplateProblem]]:
    try:
        return parse_template(text, partials=partials)
    except RecursionError:
        return None, [TemplateProblem("TEMPLATE_SYNTAX", "the template is nested too deeply", 1)]


def parse_source(path: str, text: str) -> tuple[dict[str, Any] | None, int, list[Diagnostic]]:
    """The source document, the line its body starts on (for .txt and .md), or the problems found."""
    fmt = EXTENSIONS.get(os.path.splitext(path)[1].lower())
    text = text.removeprefix("\ufeff")
    if fmt == "text":
        return {"content": text}, 1, []
    if fmt == "markdown":
        m = FRONT_MATTER.match(text)
        if not m:
            return {"content": text}, 1, []
        try:
            value = load_yaml12(m.group(1) or "") or {}
        except Exception as e:  # noqa: BLE001
            return (
                None,
                1,
                [
                    Diagnostic(
                        path, _yaml_problem_line(e) + 1, 1, "INVALID_YAML", str(e).splitlines()[0][:300] if str(e) else "invalid YAML"
                    )
                ],
            )
        problems = _schema_diagnostics(path, value)
        if isinstance(value, dict):
            for key in ("content", "messages"):
                if key in value:
                    problems.append(
                        Diagnostic(path, 1, 1, "SCHEMA_VIOLATION", f'front matter cannot set "{key}": the Markdown body is the content')
                    )
        if problems:
            return None, 1, problems
        return {**value, "content": text[m.end() :]}, m.group(0).count("\n") + 1, []
    if fmt == "yaml":
        try:
            value = load_yaml12(text)
        except Exception as e:  # noqa: BLE001
            return (
                None,
                1,
                [Diagnostic(path, _yaml_problem_line(e), 1, "INVALID_YAML", str(e).splitlines()[0][:300] if str(e) else "invalid YAML")],
            )
        problems = _schema_diagnostics(path, value)
        if problems:
            return None, 1, problems
        if ("content" in value) == ("messages" in value):
            which = "neither `content` nor `messages`" if "content" not in value else "both `content` and `messages`"
            return None, 1, [Diagnostic(path, 1, 1, "SCHEMA_VIOLATION", f"the prompt has {which}")]
        return value, 1, []
    return None, 1, [Diagnostic(path, 1, 1, "READ_FAILED", "not a .txt, .md, .yaml or .yml file")]


def _variant_id(tags: dict[str, str]) -> str:
    return re.sub(r"^[-_]+", "", "_".join(re.sub(r"[^A-Za-z0-9_-]+", "-", v) for v in tags.values())) or "variant"


def _message_texts(messages: list[dict[str, Any]]) -> list[str]:
    texts: list[str] = []
    for m in messages:
        if "placeholder" in m:
            continue
        content = m.get("content", "")
        if isinstance(content, list):
            texts.extend(str(part.get("text" if part.get("type") == "text" else "url", "")) for part in content)
        else:
            texts.append(str(content))
    return texts


def _compiled_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"placeholder": m["placeholder"], "required": m.get("required", True)} if "placeholder" in m else m for m in messages]


def _structured(bodies: list[dict[str, Any]]) -> bool:
    return any(
        b.get("tools") is not None
        or b.get("output") is not None
        or any("placeholder" in m or not isinstance(m.get("content"), str) for m in b.get("messages") or [])
        for b in bodies
    )


def compile_source(
    name: str, path: str, fmt: str, doc: dict[str, Any], body_line: int, partials: Partials | None = None
) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    is_template = doc.get("template", True) is not False
    diagnostics: list[Diagnostic] = []
    used: set[str] = set()

    def check_body(body: dict[str, Any]) -> list[dict[str, Any]]:
        messages = body.get("messages")
        texts = _message_texts(messages) if messages is not None else [str(body.get("content") or "")]
        lists = [[{"name": m["placeholder"], "required": m.get("required", True)} for m in messages or [] if "placeholder" in m]]
        for text in texts:
            if not is_template:
                continue
            tree, problems = _parse_template_safely(text, partials.texts if partials is not None else {})
            for p in problems:
                message = f"template syntax error: {p.message}" if p.code == "TEMPLATE_SYNTAX" else p.message
                diagnostics.append(
                    Diagnostic(path, body_line + p.line - 1, p.column, p.code, message, RAW_HINT if p.code == "TEMPLATE_SYNTAX" else None)
                )
            if tree is not None:
                lists.append(template_variables(tree, partials, used))
        return merge_variables(lists)

    kind = "chat" if doc.get("messages") is not None else "text"
    default_variables = check_body(doc)
    variants: list[dict[str, Any]] = []
    seen_ids: dict[str, int] = {}
    seen_tags: dict[str, int] = {}
    for index, variant in enumerate(doc.get("variants") or []):
        if variant.get("messages") is not None and variant.get("content") is not None:
            diagnostics.append(Diagnostic(path, 1, 1, "SCHEMA_VIOLATION", f"variant {index + 1} has both `content` and `messages`"))
            continue
        variant_kind = "chat" if variant.get("messages") is not None else "text" if variant.get("content") is not None else None
        if variant_kind != kind:
            diagnostics.append(
                Diagnostic(
                    path,
                    1,
                    1,
                    "SCHEMA_VIOLATION",
                    f"variant {index + 1} must have {'`messages`' if kind == 'chat' else '`content`'} (the prompt is a {kind} prompt)",
                )
            )
            continue
        vid = variant.get("id") or _variant_id(variant["tags"])
        tag_key = canonical_json(variant["tags"])
        if vid.lower() in seen_ids or tag_key in seen_tags:
            other = (seen_ids.get(vid.lower()) if vid.lower() in seen_ids else seen_tags[tag_key]) or 0
            diagnostics.append(Diagnostic(path, 1, 1, "DUPLICATE_VARIANT", f"variant {index + 1} duplicates variant {other + 1}"))
        seen_ids[vid.lower()] = index
        seen_tags[tag_key] = index
        body: dict[str, Any] = {"id": vid, "tags": variant["tags"]}
        if variant.get("messages") is not None:
            body["messages"] = _compiled_messages(variant["messages"])
        else:
            body["content"] = variant.get("content") or ""
        body["variables"] = check_body(variant)
        for key in ("tools", "output"):
            if variant.get(key) is not None:
                body[key] = variant[key]
        body["hash"] = content_hash(body)
        variants.append(body)
    if diagnostics:
        return None, diagnostics
    v2 = _structured([doc, *(doc.get("variants") or [])]) or bool(used)
    prompt: dict[str, Any] = {"format": "promptsync.prompt/v2" if v2 else "promptsync.prompt/v1", "name": name}
    if doc.get("name") is not None:
        prompt["title"] = doc["name"]
    if doc.get("description") is not None:
        prompt["description"] = doc["description"]
    prompt["kind"] = kind
    prompt["template"] = is_template
    if kind == "chat":
        prompt["messages"] = _compiled_messages(doc["messages"])
    else:
        prompt["content"] = doc.get("content") or ""
    prompt["variables"] = merge_variables([default_variables, *(v["variables"] for v in variants)])
    for key in ("model", "config", "inputs", "tools", "output"):
        if doc.get(key) is not None:
            prompt[key] = doc[key]
    if doc.get("version") is not None:
        version = doc["version"]
        prompt["sourceVersion"] = str(int(version)) if isinstance(version, float) and version.is_integer() else str(version)
    if doc.get("git_commit") is not None:
        prompt["sourceGitCommit"] = doc["git_commit"]
    prompt["source"] = {"path": path, "format": fmt}
    prompt["variants"] = variants
    if used and partials is not None:
        prompt["partials"] = {
            n: {"content": partials.texts[n], "hash": content_hash({"content": partials.texts[n]})}
            for n in sorted(used)
            if n in partials.texts
        }
    prompt["hash"] = content_hash(prompt)
    return prompt, []


def compile_folder(folder: str) -> dict[str, dict[str, Any]]:
    """Every prompt of the folder, or CompileError with every problem of every file."""
    root = os.path.abspath(folder)
    real_root = os.path.realpath(root)
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in sorted(filenames):
            if f.startswith(".") or os.path.splitext(f)[1].lower() not in EXTENSIONS:
                continue
            full = os.path.join(dirpath, f)
            if not os.path.realpath(full).startswith(real_root + os.sep):
                continue
            files.append(os.path.relpath(full, root).replace(os.sep, "/"))
            if len(files) > MAX_FILES:
                break
    diagnostics: list[Diagnostic] = []
    if not files:
        raise CompileError([Diagnostic(".", 1, 1, "EMPTY_FOLDER", f"no prompt file (.txt, .md, .yaml, .yml) in {folder}")])
    partial_files = [p for p in files if any(seg.startswith("_") for seg in p.split("/"))]
    files = [p for p in files if p not in partial_files]
    partial_texts: dict[str, str] = {}
    for path in partial_files:
        if os.path.splitext(path)[1].lower() not in (".txt", ".md"):
            continue
        try:
            with open(os.path.join(root, *path.split("/")), "rb") as stream:
                partial_texts[path[: path.rfind(".")]] = stream.read(MAX_FILE_BYTES).decode("utf-8").removeprefix("\ufeff")
        except (OSError, ValueError) as e:
            diagnostics.append(Diagnostic(path, 1, 1, "READ_FAILED", f"cannot read the file: {e}"))
    partials = Partials(partial_texts)
    for name, text in partial_texts.items():
        _, partial_problems = parse_template(text, partials=partial_texts)
        for p in partial_problems:
            diagnostics.append(
                Diagnostic(f"{name}{'.md' if f'{name}.md' in partial_files else '.txt'}", p.line, p.column, p.code, p.message)
            )
    folded: dict[str, list[str]] = {}
    for path in files:
        name = path[: path.rfind(".")]
        problem = prompt_name_problem(name)
        if problem:
            diagnostics.append(Diagnostic(path, 1, 1, "INVALID_NAME", f"invalid prompt name: {problem}"))
        folded.setdefault(name.lower(), []).append(path)
    for group in folded.values():
        if len(group) > 1:
            for path in group:
                others = ", ".join(p for p in group if p != path)
                diagnostics.append(
                    Diagnostic(path, 1, 1, "DUPLICATE_NAME", f'prompt "{path[: path.rfind(".")]}" is also defined by {others}')
                )
    prompts: dict[str, dict[str, Any]] = {}
    for path in files:
        full = os.path.join(root, *path.split("/"))
        try:
            with open(full, "rb") as stream:
                raw = stream.read(MAX_FILE_BYTES + 1)
            if len(raw) > MAX_FILE_BYTES:
                raise ValueError("larger than 16 MiB")
            text = raw.decode("utf-8")
        except (OSError, ValueError) as e:
            diagnostics.append(Diagnostic(path, 1, 1, "READ_FAILED", f"cannot read the file: {e}"))
            continue
        doc, body_line, problems = parse_source(path, text)
        if doc is None:
            diagnostics.extend(problems)
            continue
        fmt = EXTENSIONS[os.path.splitext(path)[1].lower()]
        prompt, problems = compile_source(path[: path.rfind(".")], path, fmt, doc, body_line, partials)
        diagnostics.extend(problems)
        if prompt is not None:
            prompts[prompt["name"]] = prompt
    if diagnostics:
        raise CompileError(sorted(diagnostics, key=lambda d: (d.file, d.line, d.column)))
    for prompt in prompts.values():
        problem = schema_problem(prompt, "compiled-prompt.schema.json")
        if problem:
            raise CompileError([Diagnostic(prompt["source"]["path"], 1, 1, "SCHEMA_VIOLATION", problem)])
    return prompts
