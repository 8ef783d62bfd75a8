"""YAML 1.2 core schema on top of PyYAML (docs/registry-format.md#encoding: a YAML 1.1 reader turns `yes`, `on` or
`2024-01-01` into booleans and dates). Anchors and aliases are refused (the CLI never writes them, and a shared node
expanded by a later walk is a memory bomb); duplicate keys are an error, as in the JavaScript `yaml` package."""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

try:
    from yaml.cyaml import CParser as _FastParser

    _HAVE_LIBYAML = True
except ImportError:  # pragma: no cover - PyYAML without libyaml
    _HAVE_LIBYAML = False


class _PurePyParser(Reader, Scanner, Parser, Composer):
    def __init__(self, stream: Any) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)


class _Resolver12(BaseResolver):
    pass


_Resolver12.yaml_implicit_resolvers = {}
_Resolver12.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Resolver12.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789"))
_Resolver12.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)
_Resolver12.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


class _Constructor12(SafeConstructor):
    def construct_object(self, node: Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise ConstructorError(None, None, "anchors and aliases are not allowed", node.start_mark)
        return super().construct_object(node, deep)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, MappingNode):
            raise ConstructorError(None, None, "expected a mapping", node.start_mark)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise ConstructorError(None, None, "a mapping key must be a scalar", key_node.start_mark)
            if key in mapping:
                raise ConstructorError(None, None, f"duplicate key {str(key)[:64]!r}", key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_map(self, node: MappingNode) -> Any:
        data: dict[Any, Any] = {}
        yield data
        data.update(self.construct_mapping(node))

    def construct_yaml_bool(self, node: ScalarNode) -> bool:
        return str(self.construct_scalar(node)).lower() == "true"

    def construct_yaml_int(self, node: ScalarNode) -> int:
        text = str(self.construct_scalar(node))
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)

    def construct_yaml_float(self, node: ScalarNode) -> float:
        text = str(self.construct_scalar(node)).lower()
        if text.endswith(".inf"):
            return float("-inf") if text.startswith("-") else float("inf")
        if text.endswith(".nan"):
            return float("nan")
        return float(text)


for _tag in ("bool", "int", "float", "map"):
    _Constructor12.add_constructor(f"tag:yaml.org,2002:{_tag}", getattr(_Constructor12, f"construct_yaml_{_tag}"))
_Constructor12.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)


def _refuse(loader: SafeConstructor, node: Node) -> Any:
    raise ConstructorError(None, None, f"the tag {node.tag} is not part of the YAML 1.2 core schema", node.start_mark)


for _tag in ("binary", "set", "omap", "pairs"):
    _Constructor12.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse)


if _HAVE_LIBYAML:

    class Loader12(_FastParser, _Constructor12, _Resolver12):
        def __init__(self, stream: Any) -> None:
            _FastParser.__init__(self, stream)
            _Constructor12.__init__(self)
            _Resolver12.__init__(self)

else:  # pragma: no cover

    class Loader12(_PurePyParser, _Constructor12, _Resolver12):  # type: ignore[no-redef]
        def __init__(self, stream: Any) -> None:
            _PurePyParser.__init__(self, stream)
            _Constructor12.__init__(self)
            _Resolver12.__init__(self)


# Levels of sequences and mappings a document may nest. libyaml's composer nests in C, out of reach of Python's
# recursion check: 30,000 levels of "[" overflowed the C stack and killed the process, and a thread's stack is smaller
# still. Compiled prompts nest a few levels, and the JSON Schemas in them at most 128 (codec.schema_problem).
MAX_NESTING = 512


def load_yaml12(text: str) -> Any:
    """Parses one YAML 1.2 document (core schema). Raises yaml.YAMLError (or RecursionError) on bad input, and on a
    document nested deeper than MAX_NESTING levels."""
    _refuse_deep_nesting(text)
    loader = Loader12(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


YAMLError = yaml.YAMLError


def _refuse_deep_nesting(text: str) -> None:
    """Counts the nesting from the parser's events, which libyaml makes without recursion, before anything composes."""
    parser = _FastParser(text) if _HAVE_LIBYAML else _PurePyParser(text)
    depth = 0
    try:
        while (event := parser.get_event()) is not None:
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_NESTING:
                    raise yaml.MarkedYAMLError(None, None, f"nested deeper than {MAX_NESTING} levels", event.start_mark)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    finally:
        parser.dispose()
