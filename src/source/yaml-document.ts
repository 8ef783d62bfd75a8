import { isMap, isScalar, LineCounter, parseDocument, Scalar, type Document, type Node } from "yaml";
import type { Diagnostic } from "../diagnostics.ts";
import type { TemplateOrigin } from "./types.ts";

/** A YAML text parsed with source positions, offset by `lineOffset` lines within its file. */
interface LocatedYaml {
  value: unknown;
  positionOf(path: readonly (string | number)[], key?: string): { line: number; column: number };
  originOf(path: readonly (string | number)[]): TemplateOrigin;
}

export function parseLocatedYaml(
  file: string,
  text: string,
  lineOffset: number,
): { ok: true; yaml: LocatedYaml } | { ok: false; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // One error per line: the YAML parser often reports a follow-on error at the same place.
    const errors = doc.errors.filter((e, i) => doc.errors.findIndex((f) => f.linePos?.[0].line === e.linePos?.[0].line) === i);
    return {
      ok: false,
      diagnostics: errors.map((e) => ({
        file,
        line: (e.linePos?.[0].line ?? 1) + lineOffset,
        column: e.linePos?.[0].col ?? 1,
        code: "INVALID_YAML",
        message: (e.message.split("\n")[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, ""),
        suggestion: "Fix the YAML syntax; quote strings that contain ': ' or start with '{'.",
      })),
    };
  }
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line + lineOffset, column: p.col };
  };
  const nodeAt = (path: readonly (string | number)[]): Node | undefined => {
    for (let i = path.length; i >= 0; i--) {
      const node = i === 0 ? doc.contents : doc.getIn(path.slice(0, i), true);
      if (node && typeof node === "object" && "range" in node) return node as Node;
    }
    return undefined;
  };
  return {
    ok: true,
    yaml: {
      value: doc.toJS(),
      positionOf(path, key) {
        const node = nodeAt(path);
        if (key !== undefined && isMap(node)) {
          const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
          const keyRange = (pair?.key as Node | undefined)?.range;
          if (keyRange) return pos(keyRange[0]);
        }
        return node?.range ? pos(node.range[0]) : { line: 1 + lineOffset, column: 1 };
      },
      originOf(path) {
        const node = nodeAt(path);
        if (!isScalar(node) || !node.range) return { line: 1 + lineOffset, indent: 0, firstColumn: 1 };
        const start = pos(node.range[0]);
        if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
          // The header (`|`, `|-`…) is on its own line; the text starts on the next, indented.
          const afterHeader = text.indexOf("\n", node.range[0]) + 1;
          const indent = /^ */.exec(text.slice(afterHeader))?.[0].length ?? 0;
          return { line: start.line + 1, indent, firstColumn: indent + 1 };
        }
        const quote = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE ? 1 : 0;
        return { line: start.line, indent: 0, firstColumn: start.column + quote };
      },
    },
  };
}
