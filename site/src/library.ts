// The library's full-text search index: per prompt, its name, description, latest text (every variant's) and
// variables. Written as a file of its own (pages/library-index.json.ts) that the library loads after first paint,
// so the page itself stays small however much text the prompts hold.
import type { SitePrompt } from "virtual:promptsync/view";

export interface LibraryEntry {
  name: string;
  description: string;
  text: string;
  variables: string[];
}

/** The index file, relative to the site's base. */
export const LIBRARY_INDEX = "library-index.json";

type Body = { content?: string; messages?: ({ content: unknown } | { placeholder: string })[] };
const text = (b: Body) =>
  b.content ?? (b.messages ?? []).map((m) => ("content" in m ? (typeof m.content === "string" ? m.content : JSON.stringify(m.content)) : `{{ ${m.placeholder} }}`)).join("\n");

export function libraryEntry(p: SitePrompt): LibraryEntry {
  const latest = p.contents[p.versions.at(-1)!.hash]!;
  return {
    name: p.name,
    description: p.description ?? p.title ?? "",
    text: [text(latest), ...latest.variants.map(text)].join("\n"),
    variables: [...new Set([...latest.variables, ...latest.variants.flatMap((v) => v.variables)].map((v) => v.name))],
  };
}
