import { complement, DIGIT, DOT, single, SPACE, union, WORD, type CharSet } from "./char-set.ts";

/**
 * The regular-expression subset `pattern` accepts, parsed as ECMA-262 with the `u` flag (what JSON Schema and ajv
 * use): characters, escapes, classes, `.`, `^`, `$`, `\b`, `\B`, groups, alternation and quantifiers. Everything
 * that needs backtracking (backreferences, lookaround) is refused, so a pattern always runs on the linear-time
 * matcher (pike-vm.ts).
 */
export type PatternNode =
  | { type: "char"; set: CharSet }
  | { type: "sequence"; items: PatternNode[] }
  | { type: "alternation"; options: PatternNode[] }
  | { type: "repeat"; node: PatternNode; min: number; max: number }
  | { type: "assertion"; kind: AssertionKind };

export type AssertionKind = "start" | "end" | "word-boundary" | "not-word-boundary";

export const MAX_PATTERN_LENGTH = 1_000;
/** The largest count in `{m,n}`: counted repetition is compiled by copying, so it is bounded. */
export const MAX_REPEAT = 1_000;
const MAX_GROUP_DEPTH = 32;

export class PatternSyntaxError extends Error {}

const SYNTAX_CHARACTERS = new Set("^$\\.*+?()[]{}|/");
const CONTROL_ESCAPES: Record<string, number> = { f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b };
const CLASS_ESCAPES: Record<string, CharSet> = {
  d: DIGIT,
  D: complement(DIGIT),
  s: SPACE,
  S: complement(SPACE),
  w: WORD,
  W: complement(WORD),
};

/** Throws PatternSyntaxError naming what is wrong or unsupported, and where. */
export function parsePattern(source: string): PatternNode {
  if (source.length > MAX_PATTERN_LENGTH) throw new PatternSyntaxError(`longer than ${MAX_PATTERN_LENGTH} characters`);
  const parser = new Parser(source);
  const node = parser.disjunction(0);
  if (!parser.atEnd()) parser.fail("unmatched )");
  return node;
}

class Parser {
  private readonly chars: string[];
  private pos = 0;

  constructor(source: string) {
    this.chars = Array.from(source);
  }

  atEnd(): boolean {
    return this.pos >= this.chars.length;
  }

  fail(message: string): never {
    throw new PatternSyntaxError(`${message} (at character ${this.pos + 1})`);
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  private next(): string {
    const c = this.chars[this.pos++];
    if (c === undefined) this.fail("unexpected end of pattern");
    return c;
  }

  private eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }

  disjunction(depth: number): PatternNode {
    const options = [this.alternative(depth)];
    while (this.eat("|")) options.push(this.alternative(depth));
    return options.length === 1 ? options[0]! : { type: "alternation", options };
  }

  private alternative(depth: number): PatternNode {
    const items: PatternNode[] = [];
    while (!this.atEnd() && this.peek() !== "|" && this.peek() !== ")") items.push(this.term(depth));
    return items.length === 1 ? items[0]! : { type: "sequence", items };
  }

  private term(depth: number): PatternNode {
    const assertion = this.assertion();
    if (assertion) {
      if (this.startsQuantifier()) this.fail("nothing to repeat");
      return assertion;
    }
    const atom = this.atom(depth);
    return this.quantified(atom);
  }

  private assertion(): PatternNode | undefined {
    const c = this.peek();
    if (c === "^" || c === "$") {
      this.pos++;
      return { type: "assertion", kind: c === "^" ? "start" : "end" };
    }
    if (c === "\\" && (this.peek(1) === "b" || this.peek(1) === "B")) {
      this.pos += 2;
      return { type: "assertion", kind: this.chars[this.pos - 1] === "b" ? "word-boundary" : "not-word-boundary" };
    }
    return undefined;
  }

  private startsQuantifier(): boolean {
    const c = this.peek();
    return c === "*" || c === "+" || c === "?" || c === "{";
  }

  private atom(depth: number): PatternNode {
    const c = this.next();
    switch (c) {
      case "(":
        return this.group(depth + 1);
      case "[":
        return { type: "char", set: this.characterClass() };
      case ".":
        return { type: "char", set: DOT };
      case "\\":
        return { type: "char", set: this.atomEscape() };
      case ")":
        return this.fail("unmatched )");
      case "*":
      case "+":
      case "?":
        return this.fail("nothing to repeat");
      case "{":
      case "}":
      case "]":
        return this.fail(`a lone ${c} (write \\${c} for the character)`);
      default:
        return { type: "char", set: single(c.codePointAt(0)!) };
    }
  }

  private group(depth: number): PatternNode {
    if (depth > MAX_GROUP_DEPTH) this.fail(`groups nested deeper than ${MAX_GROUP_DEPTH}`);
    if (this.eat("?")) {
      const kind = this.next();
      if (kind === "=" || kind === "!") this.fail("lookahead (?= and (?! is not supported");
      if (kind === "<" && (this.peek() === "=" || this.peek() === "!")) this.fail("lookbehind (?<= and (?<! is not supported");
      if (kind === "<") this.groupName();
      else if (kind !== ":") this.fail(`(?${kind} is not supported: use (?: or (`);
    }
    const inner = this.disjunction(depth);
    if (!this.eat(")")) this.fail("missing )");
    return inner;
  }

  private groupName(): void {
    const start = this.pos;
    while (!this.atEnd() && this.peek() !== ">") this.pos++;
    if (this.atEnd() || this.pos === start) this.fail("a group name must be written (?<name>…)");
    this.pos++;
  }

  private quantified(atom: PatternNode): PatternNode {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === "*" || c === "+" || c === "?") {
      this.pos++;
      [min, max] = c === "*" ? [0, Infinity] : c === "+" ? [1, Infinity] : [0, 1];
    } else if (c === "{") {
      this.pos++;
      min = this.count();
      max = min;
      if (this.eat(",")) max = this.peek() === "}" ? Infinity : this.count();
      if (!this.eat("}")) this.fail("a { must close a quantifier {m}, {m,} or {m,n} (write \\{ for the character)");
      if (max < min) this.fail("numbers out of order in {m,n}");
    } else {
      return atom;
    }
    // A lazy quantifier finds a match exactly when the greedy one does: `pattern` only asks whether there is one.
    this.eat("?");
    return { type: "repeat", node: atom, min, max };
  }

  private count(): number {
    const start = this.pos;
    while (/[0-9]/.test(this.peek() ?? "")) this.pos++;
    if (this.pos === start) this.fail("a quantifier {m,n} needs numbers");
    const digits = this.chars.slice(start, this.pos).join("");
    if (digits.length > 4 || Number(digits) > MAX_REPEAT) this.fail(`counted repetition above ${MAX_REPEAT}`);
    return Number(digits);
  }

  private atomEscape(): CharSet {
    const c = this.next();
    if (Object.hasOwn(CLASS_ESCAPES, c)) return CLASS_ESCAPES[c]!;
    return single(this.characterEscape(c, false));
  }

  /** The code point a `\` escape stands for (after the backslash), the class escapes aside. */
  private characterEscape(c: string, inClass: boolean): number {
    if (Object.hasOwn(CONTROL_ESCAPES, c)) return CONTROL_ESCAPES[c]!;
    if (SYNTAX_CHARACTERS.has(c)) return c.codePointAt(0)!;
    if (inClass && c === "-") return 0x2d;
    if (inClass && c === "b") return 0x08;
    switch (c) {
      case "0":
        if (/[0-9]/.test(this.peek() ?? "")) this.fail("\\0 followed by a digit is not allowed");
        return 0;
      case "c": {
        const letter = this.next();
        if (!/[A-Za-z]/.test(letter)) this.fail("\\c must be followed by a letter");
        return letter.codePointAt(0)! % 32;
      }
      case "x":
        return this.hex(2);
      case "u":
        return this.unicodeEscape();
      case "k":
        return this.fail("named backreferences (\\k<name>) are not supported");
      case "p":
      case "P":
        return this.fail("Unicode property escapes (\\p{…}) are not supported");
    }
    if (/[1-9]/.test(c)) this.fail("backreferences (\\1 …) are not supported");
    return this.fail(`invalid escape \\${c}`);
  }

  private hex(digits: number): number {
    let value = 0;
    for (let i = 0; i < digits; i++) {
      const d = this.next();
      if (!/[0-9A-Fa-f]/.test(d)) this.fail(`\\x and \\u need ${digits} hexadecimal digits`);
      value = value * 16 + parseInt(d, 16);
    }
    return value;
  }

  private unicodeEscape(): number {
    if (this.eat("{")) {
      let value = 0;
      let digits = 0;
      while (/[0-9A-Fa-f]/.test(this.peek() ?? "")) {
        value = value * 16 + parseInt(this.next(), 16);
        if (++digits > 8 || value > 0x10ffff) this.fail("\\u{…} above U+10FFFF");
      }
      if (digits === 0 || !this.eat("}")) this.fail("\\u{…} needs hexadecimal digits and a }");
      return value;
    }
    const unit = this.hex(4);
    // With the u flag, an escaped surrogate pair is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && this.peek() === "\\" && this.peek(1) === "u" && /[0-9A-Fa-f]{4}/.test(this.chars.slice(this.pos + 2, this.pos + 6).join(""))) {
      const low = parseInt(this.chars.slice(this.pos + 2, this.pos + 6).join(""), 16);
      if (low >= 0xdc00 && low <= 0xdfff) {
        this.pos += 6;
        return 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
      }
    }
    return unit;
  }

  private characterClass(): CharSet {
    const negate = this.eat("^");
    const parts: CharSet[] = [];
    while (!this.eat("]")) {
      if (this.atEnd()) this.fail("missing ] of a character class");
      const from = this.classAtom();
      if (this.peek() === "-" && this.peek(1) !== "]" && this.peek(1) !== undefined) {
        this.pos++;
        const to = this.classAtom();
        if (from.codePoint === undefined || to.codePoint === undefined) this.fail("a class escape such as \\d cannot bound a range");
        if (to.codePoint < from.codePoint) this.fail("range out of order in a character class");
        parts.push([from.codePoint, to.codePoint]);
      } else {
        parts.push(from.set);
      }
    }
    const set = union(...parts);
    return negate ? complement(set) : set;
  }

  private classAtom(): { set: CharSet; codePoint?: number } {
    const c = this.next();
    if (c !== "\\") return { set: single(c.codePointAt(0)!), codePoint: c.codePointAt(0)! };
    const e = this.next();
    if (Object.hasOwn(CLASS_ESCAPES, e)) return { set: CLASS_ESCAPES[e]! };
    const codePoint = this.characterEscape(e, true);
    return { set: single(codePoint), codePoint };
  }
}
