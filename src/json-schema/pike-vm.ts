import { contains, WORD, type CharSet } from "./char-set.ts";
import type { CheckBudget } from "./check-budget.ts";
import { PatternSyntaxError, type AssertionKind, type PatternNode } from "./pattern-syntax.ts";

/**
 * A pattern compiled to a Thompson NFA and run as a Pike VM: every position of the input is visited once with at
 * most one thread per instruction, so a search costs O(input length × program size) whatever the pattern
 * (`(a+)+$`, `(a|a)*b`), with no backtracking and no recursion.
 */
export const MAX_PROGRAM = 5_000;

const CHAR = 0;
const SPLIT = 1;
const JMP = 2;
const ASSERT = 3;
const MATCH = 4;

const ASSERTIONS: AssertionKind[] = ["start", "end", "word-boundary", "not-word-boundary"];

export interface PatternProgram {
  readonly size: number;
  readonly ops: Int32Array;
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly sets: readonly (CharSet | undefined)[];
  /** Every match starts at the beginning of the input (each path begins with ^). */
  readonly anchored: boolean;
}

/** Throws PatternSyntaxError when the program would pass MAX_PROGRAM instructions. */
export function compileProgram(root: PatternNode): PatternProgram {
  const ops: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  const sets: (CharSet | undefined)[] = [];
  const emit = (op: number, x = 0, y = 0, set?: CharSet): number => {
    if (ops.length >= MAX_PROGRAM) {
      throw new PatternSyntaxError(`too large once compiled (over ${MAX_PROGRAM} instructions, counting each repetition)`);
    }
    ops.push(op);
    a.push(x);
    b.push(y);
    sets.push(set);
    return ops.length - 1;
  };
  const node = (n: PatternNode): void => {
    switch (n.type) {
      case "char":
        emit(CHAR, 0, 0, n.set);
        return;
      case "assertion":
        emit(ASSERT, ASSERTIONS.indexOf(n.kind));
        return;
      case "sequence":
        for (const item of n.items) node(item);
        return;
      case "alternation": {
        const jumps: number[] = [];
        n.options.forEach((option, i) => {
          const last = i === n.options.length - 1;
          const split = last ? -1 : emit(SPLIT);
          if (!last) a[split] = split + 1;
          node(option);
          if (!last) {
            jumps.push(emit(JMP));
            b[split] = ops.length;
          }
        });
        for (const jump of jumps) a[jump] = ops.length;
        return;
      }
      case "repeat": {
        for (let i = 0; i < n.min; i++) node(n.node);
        if (n.max === Infinity) {
          const split = emit(SPLIT);
          a[split] = split + 1;
          node(n.node);
          emit(JMP, split);
          b[split] = ops.length;
          return;
        }
        const splits: number[] = [];
        for (let i = n.min; i < n.max; i++) {
          const split = emit(SPLIT);
          a[split] = split + 1;
          splits.push(split);
          node(n.node);
        }
        for (const split of splits) b[split] = ops.length;
        return;
      }
    }
  };
  node(root);
  emit(MATCH);
  return { size: ops.length, ops: Int32Array.from(ops), a: Int32Array.from(a), b: Int32Array.from(b), sets, anchored: startsAnchored(root) };
}

function startsAnchored(node: PatternNode): boolean {
  switch (node.type) {
    case "assertion":
      return node.kind === "start";
    case "sequence":
      return node.items.length > 0 && startsAnchored(node.items[0]!);
    case "alternation":
      return node.options.every(startsAnchored);
    case "repeat":
      return node.min > 0 && startsAnchored(node.node);
    default:
      return false;
  }
}

/** The code point at UTF-16 index `i`, -1 past the end; a lone surrogate is itself, as with the `u` flag. */
function codePointAt(s: string, i: number): number {
  if (i >= s.length) return -1;
  const unit = s.charCodeAt(i);
  if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < s.length) {
    const low = s.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
  }
  return unit;
}

function isWord(codePoint: number): boolean {
  return codePoint >= 0 && contains(WORD, codePoint);
}

function holds(kind: number, previous: number, next: number): boolean {
  switch (ASSERTIONS[kind]) {
    case "start":
      return previous === -1;
    case "end":
      return next === -1;
    case "word-boundary":
      return isWord(previous) !== isWord(next);
    default:
      return isWord(previous) === isWord(next);
  }
}

/** The buffers of one program's searches, kept between them: a search never runs inside another. */
interface Machine {
  current: Int32Array;
  next: Int32Array;
  stack: Int32Array;
  /** marks[pc] === generation: pc already has a thread at the position being filled. */
  marks: Uint32Array;
  generation: number;
}

const machines = new WeakMap<PatternProgram, Machine>();

function machineFor(program: PatternProgram): Machine {
  let machine = machines.get(program);
  if (!machine) {
    const size = program.size;
    machine = { current: new Int32Array(size), next: new Int32Array(size), stack: new Int32Array(size), marks: new Uint32Array(size), generation: 0 };
    machines.set(program, machine);
  }
  if (machine.generation > 0xfff00000) {
    machine.marks.fill(0);
    machine.generation = 0;
  }
  return machine;
}

/** Adds pc and everything it reaches without reading a character to `list`; returns the list's new length. */
function addThread(program: PatternProgram, machine: Machine, list: Int32Array, length: number, start: number, previous: number, following: number): number {
  const { ops, a, b } = program;
  const { marks, stack, generation } = machine;
  if (marks[start] === generation) return length;
  marks[start] = generation;
  stack[0] = start;
  let top = 1;
  while (top > 0) {
    const pc = stack[--top]!;
    const op = ops[pc];
    let first = -1;
    let second = -1;
    if (op === JMP) first = a[pc]!;
    else if (op === SPLIT) {
      first = a[pc]!;
      second = b[pc]!;
    } else if (op === ASSERT) first = holds(a[pc]!, previous, following) ? pc + 1 : -1;
    else list[length++] = pc;
    if (second !== -1 && marks[second] !== generation) {
      marks[second] = generation;
      stack[top++] = second;
    }
    if (first !== -1 && marks[first] !== generation) {
      marks[first] = generation;
      stack[top++] = first;
    }
  }
  return length;
}

/** Whether the pattern matches anywhere in `input` (JSON Schema's `pattern` is not anchored). */
export function search(program: PatternProgram, input: string, budget: CheckBudget): boolean {
  const { ops, sets, anchored } = program;
  const machine = machineFor(program);
  let current = machine.current;
  let next = machine.next;
  let index = 0;
  let char = codePointAt(input, 0);
  machine.generation++;
  let count = addThread(program, machine, current, 0, 0, -1, char);
  for (;;) {
    budget.charge(count + 1);
    machine.generation++;
    const nextIndex = char === -1 ? index : index + (char > 0xffff ? 2 : 1);
    const following = codePointAt(input, nextIndex);
    let nextCount = 0;
    for (let t = 0; t < count; t++) {
      const pc = current[t]!;
      if (ops[pc] === MATCH) return true;
      if (char !== -1 && contains(sets[pc]!, char)) nextCount = addThread(program, machine, next, nextCount, pc + 1, char, following);
    }
    if (char === -1) return false;
    // A pattern that starts with ^ on every path can only match from the start: no new attempt later.
    if (!anchored) nextCount = addThread(program, machine, next, nextCount, 0, char, following);
    else if (nextCount === 0) return false;
    const swap = current;
    current = next;
    next = swap;
    count = nextCount;
    index = nextIndex;
    char = following;
  }
}
