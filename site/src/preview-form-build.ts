// Builds the render preview's form for a compiled prompt (preview-fields.ts decides each field): a choice per
// variant tag, then a labelled field per variable. Rebuilt when the page shows another version, keeping what was
// typed into a field of the same name and kind. Names and values are set as text and attributes, never markup.
import type { SitePrompt } from "virtual:promptsync/view";
import { previewFields, tagChoices, type PreviewField } from "./preview-fields.ts";

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className = "", text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function select(id: string, choices: string[]): HTMLSelectElement {
  const control = element("select");
  control.id = id;
  control.append(new Option("(not given)", ""), ...choices.map((c) => new Option(c, c)));
  return control;
}

function control(field: PreviewField, id: string): Control {
  if (field.kind === "boolean") return select(id, ["true", "false"]);
  if (field.kind === "choice") return select(id, field.choices);
  if (field.kind === "number") {
    const input = element("input");
    Object.assign(input, { id, type: "number", step: "any" });
    return input;
  }
  const area = element("textarea");
  Object.assign(area, { id, rows: field.kind === "json" ? 3 : 2, spellcheck: false });
  return area;
}

/** What each control holds now, by its variable's or tag's name and kind, to restore after a rebuild. */
function typed(form: HTMLElement): Map<string, string> {
  const kept = new Map<string, string>();
  for (const c of form.querySelectorAll<Control>("[data-variable], [data-tag]")) {
    const key = c.dataset.tag === undefined ? `variable\u0000${c.dataset.variable}\u0000${c.dataset.kind}` : `tag\u0000${c.dataset.tag}`;
    kept.set(key, c.value);
  }
  return kept;
}

function restore(c: Control, kept: Map<string, string>, key: string): void {
  const value = kept.get(key);
  if (value === undefined) return;
  c.value = value;
  // A select keeps its value only when it has that option.
  if (c.value !== value) c.value = "";
}

export function buildPreviewForm(form: HTMLElement, prompt: SitePrompt["contents"][string]): void {
  const kept = typed(form);
  const parts: HTMLElement[] = [];
  const tags = tagChoices(prompt);
  if (tags.length > 0) {
    const set = element("fieldset", "preview-tags");
    set.append(element("legend", "", "Variant tags"));
    tags.forEach((t, i) => {
      const choice = element("span", "tag-choice");
      const label = element("label", "", t.tag);
      label.htmlFor = `preview-tag-${i}`;
      const c = select(`preview-tag-${i}`, t.values);
      c.dataset.tag = t.tag;
      restore(c, kept, `tag\u0000${t.tag}`);
      choice.append(label, c);
      set.append(choice);
    });
    parts.push(set);
  }
  const fields = previewFields(prompt);
  if (fields.length === 0) parts.push(element("p", "muted", "This prompt reads no variables."));
  fields.forEach((f, i) => {
    const box = element("div", "preview-field");
    const label = element("label");
    label.htmlFor = `preview-var-${i}`;
    label.append(element("code", "", f.name), " ", element("span", "muted", f.required ? "required" : "optional"));
    const c = control(f, `preview-var-${i}`);
    c.dataset.variable = f.name;
    c.dataset.kind = f.kind;
    restore(c, kept, `variable\u0000${f.name}\u0000${f.kind}`);
    box.append(label, c);
    if (f.hint) {
      const hint = element("span", "muted hint", f.hint);
      hint.id = `preview-hint-${i}`;
      c.setAttribute("aria-describedby", hint.id);
      box.append(hint);
    }
    parts.push(box);
  });
  form.replaceChildren(...parts);
}
