"""A linear-time matcher for the `pattern` keyword of `inputs` (src/json-schema/pattern-syntax.ts, pike-vm.ts):
ECMA-262 regular expressions with the `u` flag, compiled to a Thompson NFA and run as a Pike VM over code points,
which keeps at most one thread per instruction. A search costs O(length × pattern size) and never backtracks, so a
hostile registry's `(a+)+$` cannot hang format(). Python's `re` backtracks, which is why it is not used here.

Supported: characters and escaped syntax characters, \\d \\D \\w \\W \\s \\S \\b \\B \\t \\n \\r \\v \\f \\0 \\cX
\\xHH \\uHHHH \\u{…}, classes [...] and [^...] with ranges and class escapes, ., ^, $, groups (...), (?:...),
(?<name>...), |, and ? * + {m} {m,} {m,n} (m, n ≤ 1,000), lazy forms included. Refused: backreferences,
lookaround, \\p{…}, inline modifiers, groups nested deeper than 32, patterns longer than 1,000 characters or over
5,000 instructions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MAX_PATTERN = 1000
MAX_INSTRUCTIONS = 5000
MAX_REPEAT = 1000
# As src/json-schema/pattern-syntax.ts. The parser and the compiler recurse into groups: deeper nesting would reach
# Python's recursion limit.
MAX_GROUP_DEPTH = 32
LINE_TERMINATORS = frozenset("\n\r\u2028\u2029")
WHITESPACE = frozenset(
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


class PatternError(ValueError):
    pass


def _is_digit(c: str) -> bool:
    return "0" <= c <= "9"


def _is_word(c: str) -> bool:
    return c == "_" or "0" <= c <= "9" or "a" <= c <= "z" or "A" <= c <= "Z"


CLASS_ESCAPES: dict[str, Callable[[str], bool]] = {
    "d": _is_digit,
    "D": lambda c: not _is_digit(c),
    "w": _is_word,
    "W": lambda c: not _is_word(c),
    "s": lambda c: c in WHITESPACE,
    "S": lambda c: c not in WHITESPACE,
}
CONTROL_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "v": "\v", "f": "\f", "0": "\0"}
SYNTAX = set("^$\\.*+?()[]{}|/-")


# AST: ("char", predicate) | ("cat", [nodes]) | ("alt", [nodes]) | ("rep", node, min, max|None) | ("assert", kind)
Node = tuple[Any, ...]
Op = tuple[Any, ...]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.depth = 0

    def fail(self, message: str) -> PatternError:
        return PatternError(f"{message} at {self.i}")

    def peek(self) -> str | None:
        return self.text[self.i] if self.i < len(self.text) else None

    def take(self) -> str:
        if self.i >= len(self.text):
            raise self.fail("unexpected end")
        c = self.text[self.i]
        self.i += 1
        return c

    def parse(self) -> Node:
        node = self.alternation()
        if self.i != len(self.text):
            raise self.fail("unbalanced )")
        return node

    def alternation(self) -> Node:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def sequence(self) -> Node:
        items: list[Node] = []
        while (c := self.peek()) is not None and c not in "|)":
            items.append(self.quantified())
        return ("cat", items)

    def quantified(self) -> Node:
        atom = self.atom()
        c = self.peek()
        bounds: tuple[int, int | None] | None = None
        if c == "*":
            self.i += 1
            bounds = (0, None)
        elif c == "+":
            self.i += 1
            bounds = (1, None)
        elif c == "?":
            self.i += 1
            bounds = (0, 1)
        elif c == "{" and self._is_braces():
            bounds = self.braces()
        if bounds is None:
            return atom
        if atom[0] == "assert":
            raise self.fail("nothing to repeat")
        if self.peek() == "?":
            self.i += 1  # lazy: finds a match exactly when the greedy form does
        return ("rep", atom, bounds[0], bounds[1])

    def _is_braces(self) -> bool:
        j = self.i + 1
        digits = 0
        while j < len(self.text) and self.text[j].isdigit() and self.text[j].isascii():
            j += 1
            digits += 1
        return digits > 0 and j < len(self.text) and self.text[j] in ",}"

    def braces(self) -> tuple[int, int | None]:
        self.i += 1
        low = self.number()
        high: int | None = low
        if self.peek() == ",":
            self.i += 1
            high = None if self.peek() == "}" else self.number()
        if self.take() != "}":
            raise self.fail("expected }")
        if low > MAX_REPEAT or (high is not None and (high > MAX_REPEAT or high < low)):
            raise self.fail(f"a repetition is at most {{{MAX_REPEAT}}} with min <= max")
        return low, high

    def number(self) -> int:
        start = self.i
        while self.peek() is not None and "0" <= str(self.peek()) <= "9":
            self.i += 1
        if start == self.i:
            raise self.fail("expected a number")
        return int(self.text[start : self.i])

    def atom(self) -> Node:
        c = self.take()
        if c == "(":
            return self.group()
        if c == "[":
            return self.char_class()
        if c == ".":
            return ("char", lambda ch: ch not in LINE_TERMINATORS)
        if c == "^":
            return ("assert", "start")
        if c == "$":
            return ("assert", "end")
        if c == "\\":
            return self.escape(in_class=False)
        if c in ")]}*+?|" and c != "]" and c != "}":
            raise self.fail(f"unexpected {c}")
        return ("char", _literal(c))

    def group(self) -> Node:
        self.depth += 1
        if self.depth > MAX_GROUP_DEPTH:
            raise self.fail(f"groups nested deeper than {MAX_GROUP_DEPTH}")
        if self.text.startswith("?:", self.i):
            self.i += 2
        elif self.text.startswith("?<", self.i) and not self.text.startswith("?<=", self.i) and not self.text.startswith("?<!", self.i):
            end = self.text.find(">", self.i)
            if end < 0:
                raise self.fail("unterminated group name")
            self.i = end + 1
        elif self.peek() == "?":
            raise self.fail("lookaround and inline modifiers are not supported")
        node = self.alternation()
        if self.take() != ")":
            raise self.fail("expected )")
        self.depth -= 1
        return node

    def escape(self, in_class: bool) -> Node:
        value = self.escape_value(in_class)
        if isinstance(value, str):
            return ("char", _literal(value))
        return value

    def escape_value(self, in_class: bool) -> str | Node:
        """One escape: a single character (so it can bound a class range), or a node."""
        c = self.take()
        if c in CLASS_ESCAPES:
            return ("char", CLASS_ESCAPES[c])
        if not in_class and c in "bB":
            return ("assert", "word" if c == "b" else "nonword")
        if in_class and c == "b":
            return "\b"
        if c in CONTROL_ESCAPES:
            if c == "0" and self.peek() is not None and "0" <= str(self.peek()) <= "9":
                raise self.fail("octal escapes are not supported")
            return CONTROL_ESCAPES[c]
        if c == "c":
            letter = self.take()
            if not letter.isascii() or not letter.isalpha():
                raise self.fail("\\c needs a letter")
            return chr(ord(letter) % 32)
        if c == "x":
            return chr(self.hex_digits(2))
        if c == "u":
            if self.peek() == "{":
                self.i += 1
                end = self.text.find("}", self.i)
                if end < 0:
                    raise self.fail("unterminated \\u{")
                digits = self.text[self.i : end]
                if not digits or any(ch not in "0123456789abcdefABCDEF" for ch in digits) or int(digits, 16) > 0x10FFFF:
                    raise self.fail("bad code point")
                self.i = end + 1
                return chr(int(digits, 16))
            return chr(self.hex_digits(4))
        if c.isdigit() or c == "k":
            raise self.fail("backreferences are not supported")
        if c in "pP":
            raise self.fail("\\p{…} is not supported")
        if c in SYNTAX or (in_class and c == "-"):
            return c
        raise self.fail(f"unknown escape \\{c}")

    def hex_digits(self, count: int) -> int:
        text = self.text[self.i : self.i + count]
        if len(text) != count or any(ch not in "0123456789abcdefABCDEF" for ch in text):
            raise self.fail("bad hexadecimal escape")
        self.i += count
        return int(text, 16)

    def char_class(self) -> Node:
        negate = self.peek() == "^"
        if negate:
            self.i += 1
        items: list[Callable[[str], bool]] = []
        first = True
        while True:
            c = self.peek()
            if c is None:
                raise self.fail("unterminated [")
            if c == "]" and not first:
                self.i += 1
                break
            if c == "]":
                self.i += 1
                break
            first = False
            low = self.class_atom()
            if self.peek() == "-" and self.i + 1 < len(self.text) and self.text[self.i + 1] != "]":
                self.i += 1
                high = self.class_atom()
                if isinstance(low, str) and isinstance(high, str):
                    if low > high:
                        raise self.fail("range out of order")
                    items.append(_between(low, high))
                    continue
                raise self.fail("a class escape cannot bound a range")
            items.append(_literal(low) if isinstance(low, str) else low)
        members = tuple(items)

        def predicate(ch: str) -> bool:
            return any(test(ch) for test in members) != negate

        return ("char", predicate)

    def class_atom(self) -> str | Callable[[str], bool]:
        c = self.take()
        if c != "\\":
            return c
        value = self.escape_value(in_class=True)
        if isinstance(value, str):
            return value
        predicate: Callable[[str], bool] = value[1]
        return predicate


def _between(low: str, high: str) -> Callable[[str], bool]:
    return lambda ch: low <= ch <= high


def _literal(c: str) -> Callable[[str], bool]:
    return lambda ch: ch == c


@dataclass
class _Program:
    ops: list[Op]  # ("char", pred) | ("split", a, b) | ("jmp", a) | ("assert", kind) | ("match",)


def _emit(node: Node, ops: list[Op]) -> None:
    if len(ops) > MAX_INSTRUCTIONS:
        raise PatternError(f"the pattern compiles to over {MAX_INSTRUCTIONS} instructions")
    kind = node[0]
    if kind == "char":
        ops.append(("char", node[1]))
    elif kind == "assert":
        ops.append(("assert", node[1]))
    elif kind == "cat":
        for item in node[1]:
            _emit(item, ops)
    elif kind == "alt":
        jumps = []
        branches = node[1]
        for index, branch in enumerate(branches):
            if index < len(branches) - 1:
                split = len(ops)
                ops.append(("split", split + 1, -1))
                _emit(branch, ops)
                jumps.append(len(ops))
                ops.append(("jmp", -1))
                ops[split] = ("split", split + 1, len(ops))
            else:
                _emit(branch, ops)
        for j in jumps:
            ops[j] = ("jmp", len(ops))
    elif kind == "rep":
        _, atom, low, high = node
        for _ in range(low):
            _emit(atom, ops)
        if high is None:
            loop = len(ops)
            ops.append(("split", loop + 1, -1))
            _emit(atom, ops)
            ops.append(("jmp", loop))
            ops[loop] = ("split", loop + 1, len(ops))
        else:
            splits = []
            for _ in range(high - low):
                splits.append(len(ops))
                ops.append(("split", len(ops) + 1, -1))
                _emit(atom, ops)
            for s in splits:
                ops[s] = ("split", s + 1, len(ops))
    if len(ops) > MAX_INSTRUCTIONS:
        raise PatternError(f"the pattern compiles to over {MAX_INSTRUCTIONS} instructions")


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> _Program:
    if len(pattern) > MAX_PATTERN:
        raise PatternError(f"a pattern has at most {MAX_PATTERN} characters")
    ops: list[Op] = []
    _emit(_Parser(pattern).parse(), ops)
    ops.append(("match",))
    return _Program(ops)


class Budget:
    """Steps one schema check may spend: the matcher's (one per live thread per character) and the validator's."""

    __slots__ = ("steps",)

    def __init__(self, steps: int) -> None:
        self.steps = steps

    def charge(self, steps: int) -> None:
        self.steps -= steps
        if self.steps < 0:
            raise BudgetExceeded


class BudgetExceeded(Exception):
    pass


def search(program: _Program, text: str, budget: Budget) -> bool:
    """Whether the pattern matches anywhere in text (ECMA `test` semantics), in O(len(text) × len(program))."""
    ops = program.ops
    n = len(text)
    marks = [-1] * len(ops)

    def add(threads: list[int], pc: int, at: int, gen: int) -> bool:
        stack = [pc]
        while stack:
            pc = stack.pop()
            if marks[pc] == gen:
                continue
            marks[pc] = gen
            budget.steps -= 1
            op = ops[pc]
            kind = op[0]
            if kind == "jmp":
                stack.append(op[1])
            elif kind == "split":
                stack.append(op[2])
                stack.append(op[1])
            elif kind == "assert":
                if _assertion(op[1], text, at, n):
                    stack.append(pc + 1)
            elif kind == "match":
                return True
            else:
                threads.append(pc)
        return False

    current: list[int] = []
    # Threads are marked with the position they were added for, so each instruction runs once per position.
    for at in range(n + 1):
        if budget.steps <= 0:
            raise BudgetExceeded
        # Unanchored search: a new thread starts at every position.
        if add(current, 0, at, at):
            return True
        if at == n:
            break
        ch = text[at]
        nxt: list[int] = []
        for pc in current:
            if ops[pc][1](ch) and add(nxt, pc + 1, at + 1, at + 1):
                return True
        current = nxt
    return False


def _assertion(kind: str, text: str, at: int, n: int) -> bool:
    if kind == "start":
        return at == 0
    if kind == "end":
        return at == n
    before = at > 0 and _is_word(text[at - 1])
    after = at < n and _is_word(text[at])
    return (before != after) if kind == "word" else (before == after)
