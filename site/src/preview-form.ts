// Reads the render preview's form into the variables and tags format() takes. An empty field is a variable not
// given (so a required one gets the SDK's MissingVariableError); the rest are read as their field's kind says.

export interface PreviewInput {
  values: Record<string, unknown>;
  tags: Record<string, string>;
  /** Fields whose text could not be read as their kind, for the page to say so instead of rendering. */
  problems: string[];
}

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

function valueOf(control: Control, name: string, problems: string[]): unknown {
  const text = control.value;
  switch (control.dataset.kind) {
    case "number": {
      const number = Number(text);
      if (Number.isFinite(number)) return number;
      problems.push(`variable "${name}": ${JSON.stringify(text)} is not a number`);
      return undefined;
    }
    case "boolean":
      return text === "true";
    case "choice":
    case "json":
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        problems.push(`variable "${name}": not JSON (${(error as Error).message})`);
        return undefined;
      }
    default:
      return text;
  }
}

export function readPreviewForm(form: HTMLElement): PreviewInput {
  const problems: string[] = [];
  const values: [string, unknown][] = [];
  for (const control of form.querySelectorAll<Control>("[data-variable]")) {
    if (control.value === "") continue;
    const name = control.dataset.variable!;
    const value = valueOf(control, name, problems);
    if (value !== undefined) values.push([name, value]);
  }
  const tags: [string, string][] = [];
  for (const select of form.querySelectorAll<HTMLSelectElement>("select[data-tag]")) {
    if (select.value !== "") tags.push([select.dataset.tag!, select.value]);
  }
  // fromEntries defines own properties: a variable named __proto__ stays a variable.
  return { values: Object.fromEntries(values), tags: Object.fromEntries(tags), problems };
}
