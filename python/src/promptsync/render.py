"""Rendering with Jinja2 itself, in an ImmutableSandboxedEnvironment narrowed to what the TypeScript guard allows
(src/template/guard.ts, methods.ts, builtins.ts), under the same render budget (src/template/budget.ts,
render-limits.ts) with the same limits and error codes.

How the budget reaches into Jinja2:

- Code-generator hooks (`_BudgetCodeGenerator`): every `{% for %}` iterates through `environment.ps_iter`, which
  charges one operation per item, and every `~` concatenation goes through `environment.ps_concat`, which checks
  the length before the string is made.
- `environment.concat`, which Jinja2's generated code uses for every buffer (the output, macro bodies, `{% set %}`
  blocks, `{% call %}`), checks the length before joining.
- `environment.call` (every call a template makes): only functions the template defined (macros, `caller`, `loop`),
  `range`/`cycler`/`joiner` and allowlisted methods of strings, lists and dicts are called; macros count 2 and
  nest at most `max_depth`; methods that could make a large string are checked before.
- `call_binop` for `+ - * / // % **` and `call_unop` for `-` and `+`: sizes checked before the value is made,
  integers past MAX_INT_BITS refused.
- Every filter is wrapped: one operation plus one per item or 64 characters of its input, its result checked,
  and the filters that can make large values (`indent`, `center`, `replace`, `join`, `tojson`, `urlencode`,
  `urlize`, `batch`, `slice`, `round`) checked before.
- The text str() would make of a list or dict (output through `finalize`, `~`, `%`, filters and tests that read
  text) is measured first by `printed_size`, which stops counting once past `max_output_length`.
- `range()` refuses more than `max_range` items; the clock is read every 256 operations.
- Block tags nest at most MAX_BLOCK_NESTING deep, which Python's compiler accepts.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import html
import itertools
import math
import re
import reprlib
import sys
import time
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, cast

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.environment import TemplateModule
from jinja2.exceptions import SecurityError, TemplateAssertionError, TemplateSyntaxError, UndefinedError
from jinja2.filters import make_attrgetter
from jinja2.runtime import BlockReference, ChainableUndefined, LoopContext, Macro, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Cycler, Joiner
from markupsafe import Markup

from .errors import (
    ConfigError,
    InvalidBundleError,
    MissingVariableError,
    PromptSyncError,
    RenderError,
    RenderLimitError,
    UnsafeTemplateError,
)

# --- limits ------------------------------------------------------------------------------------------------------

LIMIT_NAMES = ("maxOperations", "maxOutputLength", "maxRange", "maxDepth", "timeoutMs")
_SNAKE = {
    "max_operations": "maxOperations",
    "max_output_length": "maxOutputLength",
    "max_range": "maxRange",
    "max_depth": "maxDepth",
    "timeout_ms": "timeoutMs",
}


@dataclasses.dataclass(frozen=True)
class RenderLimits:
    max_operations: int = 1_000_000
    max_output_length: int = 4 * 1024 * 1024
    max_range: int = 100_000
    max_depth: int = 100
    timeout_ms: int = 1_000


DEFAULT_LIMITS = RenderLimits()


def resolve_limits(limits: Mapping[str, int] | RenderLimits | None) -> RenderLimits:
    """Fills in the defaults. Keys in Python's spelling (`max_operations`) or the TypeScript one (`maxOperations`)."""
    if limits is None:
        return DEFAULT_LIMITS
    if isinstance(limits, RenderLimits):
        return limits
    if not isinstance(limits, Mapping):
        raise ConfigError("PromptManager option `render_limits` must be a dict")
    values: dict[str, int] = {}
    camel_to_snake = {v: k for k, v in _SNAKE.items()}
    for key, value in limits.items():
        snake = key if key in _SNAKE else camel_to_snake.get(key)
        if snake is None:
            raise ConfigError(f"PromptManager option `render_limits`: unknown field {key!r} (known: {', '.join(_SNAKE)})")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1 or value > 2**53 - 1:
            raise ConfigError(f"PromptManager option `render_limits`: {key} must be a positive integer")
        values[snake] = value
    return dataclasses.replace(DEFAULT_LIMITS, **values)


# --- the budget --------------------------------------------------------------------------------------------------

CLOCK_INTERVAL = 256


class RenderFault(Exception):
    """Raised inside a render; turned into the PromptSync error of its kind with the template line."""

    def __init__(self, kind: str, message: str, limit: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.limit = limit
        self.line = line


class Budget:
    __slots__ = ("limits", "operations", "outputs", "next_check", "depth", "deadline")

    def __init__(self, limits: RenderLimits) -> None:
        self.limits = limits
        self.operations = 0
        self.outputs = 0
        self.next_check = min(CLOCK_INTERVAL, limits.max_operations)
        self.depth = 0
        self.deadline = time.perf_counter() + limits.timeout_ms / 1000

    def charge(self, cost: int) -> None:
        self.operations += cost
        if self.operations >= self.next_check:
            self._checkpoint()

    def output(self) -> None:
        """One `{{ }}` output, counted apart from the operations against the same limit (as the TypeScript SDK counts
        its steps), and reading the clock: outputs of empty values cost no operation, and 100,000 of them in a
        1,000-item loop rendered for seconds past the timeout."""
        self.outputs += 1
        if self.outputs % CLOCK_INTERVAL == 0:
            if self.outputs > self.limits.max_operations:
                raise RenderFault("limit", f"the render went over {self.limits.max_operations} steps (outputs it made)", "maxOperations")
            if time.perf_counter() > self.deadline:
                raise RenderFault("limit", f"the render took longer than {self.limits.timeout_ms} ms", "timeoutMs")

    def charge_size(self, value: object) -> None:
        self.charge(1 + size_units(value))

    def _checkpoint(self) -> None:
        if self.operations > self.limits.max_operations:
            raise RenderFault(
                "limit",
                f"the render went over {self.limits.max_operations} operations (loop iterations, calls, filtered items)",
                "maxOperations",
            )
        if time.perf_counter() > self.deadline:
            raise RenderFault("limit", f"the render took longer than {self.limits.timeout_ms} ms", "timeoutMs")
        self.next_check = min(self.operations + CLOCK_INTERVAL, self.limits.max_operations + 1)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            self.depth -= 1
            raise RenderFault("limit", f"macro calls nested deeper than {self.limits.max_depth}", "maxDepth")

    def leave(self) -> None:
        self.depth -= 1

    def check_length(self, length: int, what: str = "a string") -> None:
        if length > self.limits.max_output_length:
            raise RenderFault("limit", f"{what} would be {length} characters long, over {self.limits.max_output_length}", "maxOutputLength")

    def check_range(self, count: int, what: str) -> None:
        if count > self.limits.max_range:
            raise RenderFault("limit", f"{what} would have {count} items, over {self.limits.max_range}", "maxRange")

    def check_at_least(self, length: int, what: str) -> None:
        """check_length for a lower bound, counted only until past the limit."""
        if length > self.limits.max_output_length:
            raise RenderFault("limit", f"{what} would be over {self.limits.max_output_length} characters long", "maxOutputLength")

    def check_printed(self, values: Iterable[Any], what: str) -> None:
        """Refuses the texts of `values` before str() makes them, if together they would be over max_output_length;
        one operation per 64 characters."""
        limit = self.limits.max_output_length
        total = 0
        for value in values:
            total += printed_size(value, limit - total)
            self.check_at_least(total, what)
        self.charge(total >> 6)

    def charge_int(self, bits: int) -> None:
        """An operation on integers of this many bits: refused past MAX_INT_BITS, charged as long multiplication
        costs (quadratic), so that the clock is read often enough."""
        if bits > MAX_INT_BITS:
            raise RenderFault("limit", f"a number would be over {MAX_INT_BITS} bits long", "maxOutputLength")
        cost = bits * bits >> 21
        if cost:
            self.charge(cost)


def size_units(value: object) -> int:
    if isinstance(value, str):
        return len(value) >> 6
    if isinstance(value, list | tuple | dict | range):
        return len(value)
    return 0


MAX_INT_BITS = 100_000
# What str() prints item by item: a tuple, as isinstance with `list | dict` builds the union at every call.
_HOLDS_ITEMS: tuple[type, ...] = (list, tuple, dict, type({}.keys()), type({}.values()), type({}.items()))
_SEQUENCES = (list, tuple)
_SCALARS = frozenset({str, Markup, int, float, bool, type(None)})


def printed_size(value: Any, limit: int) -> int:
    """At least len(str(value)), the items of lists, tuples, dicts and dict views counted as their repr, counted only
    until past `limit`. `[x] * n` holds one large x n times, so its text can be huge while the list is small: each
    list or dict is measured once however often it repeats, and strings are counted at C speed."""
    if isinstance(value, str):
        return len(value)
    return _items_size(value, limit, {}) if isinstance(value, _HOLDS_ITEMS) else 0


def _items_size(value: Any, limit: int, known: dict[int, tuple[Any, int]]) -> int:
    """printed_size of a list, tuple, dict or view; `known` holds the sizes measured so far by id, with the values, so
    that no id is reused while it is in use (a view makes new tuples each time it is read)."""
    if isinstance(value, dict):
        items: Sequence[Any] = list(itertools.chain.from_iterable(value.items()))
    else:
        items = value if isinstance(value, _SEQUENCES) else list(value)
    # At least two characters an item for brackets and separators (", ", and ": " in a dict).
    total = 2 * len(items) + sum(map(len, filter(str.__instancecheck__, items)))
    if _SCALARS.issuperset(map(type, items)):
        return total
    for item in items:
        if total > limit:
            return total
        if isinstance(item, _HOLDS_ITEMS):
            if id(item) not in known:
                known[id(item)] = (item, _items_size(item, limit - total, known))
            total += known[id(item)][1]
    return total


_active: ContextVar[Budget | None] = ContextVar("promptsync_budget", default=None)


def active_budget() -> Budget:
    budget = _active.get()
    if budget is None:
        raise RenderFault("render", "a template function was called outside a render")
    return budget


# --- what a template may reach -----------------------------------------------------------------------------------

STR_METHODS = frozenset(
    [
        "upper",
        "lower",
        "strip",
        "lstrip",
        "rstrip",
        "capitalize",
        "title",
        "startswith",
        "endswith",
        "split",
        "splitlines",
        "replace",
        "join",
        "count",
        "find",
        "isdigit",
        "isalpha",
        "isalnum",
        "isspace",
        "islower",
        "isupper",
    ]
)
LIST_METHODS = frozenset({"count", "index"})
DICT_METHODS = frozenset({"items", "keys", "values", "get"})
LOOP_ATTRS = frozenset(
    ["index", "index0", "revindex", "revindex0", "first", "last", "length", "cycle", "depth", "depth0", "previtem", "nextitem", "changed"]
)
CYCLER_ATTRS = frozenset({"next", "reset", "current"})

ALLOWED_FILTERS = [
    "abs",
    "batch",
    "capitalize",
    "center",
    "count",
    "d",
    "default",
    "dictsort",
    "e",
    "escape",
    "first",
    "float",
    "forceescape",
    "groupby",
    "indent",
    "int",
    "items",
    "join",
    "last",
    "length",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "random",
    "reject",
    "rejectattr",
    "replace",
    "reverse",
    "round",
    "safe",
    "select",
    "selectattr",
    "slice",
    "sort",
    "string",
    "striptags",
    "sum",
    "title",
    "tojson",
    "trim",
    "truncate",
    "unique",
    "upper",
    "urlencode",
    "urlize",
    "wordcount",
]
# The filters that make text of their value and arguments with str(), which is measured before.
TEXT_FILTERS = frozenset(
    [
        "capitalize",
        "center",
        "e",
        "escape",
        "forceescape",
        "indent",
        "lower",
        "replace",
        "string",
        "striptags",
        "title",
        "trim",
        "truncate",
        "upper",
        "urlize",
        "wordcount",
    ]
)
ALLOWED_TESTS = [
    "callable",
    "defined",
    "divisibleby",
    "eq",
    "equalto",
    "escaped",
    "even",
    "ge",
    "greaterthan",
    "gt",
    "iterable",
    "le",
    "lessthan",
    "lower",
    "lt",
    "mapping",
    "ne",
    "none",
    "number",
    "odd",
    "sameas",
    "string",
    "undefined",
    "upper",
]
TEXT_TESTS = frozenset({"lower", "upper"})
UNSUPPORTED_NODES: dict[type[nodes.Node], str] = {
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from … import",
    nodes.Block: "block",
}


def _bounded_range(*args: Any) -> range:
    budget = active_budget()
    for a in args:
        if not isinstance(a, int) or isinstance(a, bool):
            raise RenderFault("render", "range() takes integers")
    r = range(*args)
    try:
        count = len(r)
    except OverflowError:
        count = sys.maxsize
    budget.check_range(count, "range()")
    budget.charge(1 + count)
    return r


class BudgetIterator:
    """What a `{% for %}` iterates: one operation per item."""

    __slots__ = ("_it", "_len", "_budget")

    def __init__(self, iterable: Any, budget: Budget) -> None:
        self._budget = budget
        try:
            self._len: int | None = len(iterable)
        except TypeError:
            self._len = None
        self._it = iter(iterable)

    def __iter__(self) -> BudgetIterator:
        return self

    def __next__(self) -> Any:
        item = next(self._it)
        self._budget.charge(1)
        return item

    def __len__(self) -> int:
        if self._len is None:
            raise TypeError("no length")
        return self._len


def _checked_join(parts: Any) -> str:
    budget = _active.get()
    if budget is None:
        return "".join(parts)
    items = list(parts)
    budget.check_length(sum(map(len, items)), "the text")
    return "".join(items)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _printable(value: Any) -> Any:
    """A value about to be output, counted, its text measured before str() makes it."""
    budget = active_budget()
    budget.output()
    if isinstance(value, _HOLDS_ITEMS):
        budget.check_printed((value,), "a value's text")
    return value


class _StrictUndefined(Undefined):
    """Undefined as the TypeScript SDK's strict mode treats it: falsy, iterable as empty, testable with `is defined`
    and `default`, but an error when output."""

    __slots__ = ()

    def __str__(self) -> str:
        name = self._undefined_name
        what = f"{{{{ {name} }}}} is undefined" if name is not None else "the value is undefined"
        raise UndefinedError(f"attempted to output null or undefined value: {what}")


ITER_FILTER = "\x00budget_iter"


class _BudgetCodeGenerator(CodeGenerator):
    """The code-generator hook for `~` (its length is checked first); loops are wrapped before code generation
    (SandboxEnvironment._generate), since the generator collects the filters it needs ahead of the code."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.ps_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


def _is_allowed_method(obj: Any) -> bool:
    if isinstance(obj, types.BuiltinMethodType):
        owner = obj.__self__
        name = obj.__name__
        if isinstance(owner, str):
            return name in STR_METHODS
        if isinstance(owner, list | tuple):
            return name in LIST_METHODS
        if isinstance(owner, dict):
            return name in DICT_METHODS
        return False
    if isinstance(obj, types.MethodType):
        owner = obj.__self__
        name = obj.__func__.__name__
        if isinstance(owner, LoopContext):
            return name in ("cycle", "changed")
        if isinstance(owner, Cycler):
            return name in ("next", "reset")
    return False


_FORMAT_SPEC = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d+))?(?P<conversion>[diouxXeEfFgGcrsa%])"
)


class SandboxEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    intercepted_unops = frozenset({"-", "+"})
    code_generator_class = _BudgetCodeGenerator
    concat = staticmethod(_checked_join)

    def __init__(self, strict: bool, loader: Any = None) -> None:
        super().__init__(
            loader=loader,
            autoescape=False,
            keep_trailing_newline=False,
            undefined=_StrictUndefined if strict else ChainableUndefined,
            finalize=self._finalize_strict if strict else self._finalize_lenient,
        )
        base_filters = {**self.filters, "striptags": _striptags}
        self.filters = {name: _wrap_filter(name, base_filters[name]) for name in ALLOWED_FILTERS}
        self.filters[ITER_FILTER] = self.ps_iter
        base_tests: dict[str, Any] = dict(self.tests)
        self.tests = {name: _text_test(base_tests[name]) if name in TEXT_TESTS else base_tests[name] for name in ALLOWED_TESTS}
        self.globals = {"range": _bounded_range, "cycler": Cycler, "joiner": Joiner}

    def _generate(self, source: nodes.Template, name: str | None, filename: str | None, defer_init: bool = False) -> str:
        for loop in source.find_all(nodes.For):
            if not (isinstance(loop.iter, nodes.Filter) and loop.iter.name == ITER_FILTER):
                loop.iter = nodes.Filter(loop.iter, ITER_FILTER, [], [], None, None, lineno=loop.lineno)
        return super()._generate(source, name, filename, defer_init)

    @staticmethod
    def _finalize_strict(value: Any) -> Any:
        if value is None:
            raise UndefinedError("attempted to output null or undefined value: the value is none")
        return _printable(value)

    @staticmethod
    def _finalize_lenient(value: Any) -> Any:
        return "" if value is None else _printable(value)

    # loops and concatenation (the code generator's hooks)
    def ps_iter(self, iterable: Any) -> BudgetIterator:
        budget = active_budget()
        if isinstance(iterable, Undefined):
            iterable = ()
        return BudgetIterator(iterable, budget)

    def ps_concat(self, parts: Sequence[Any]) -> str:
        budget = active_budget()
        texts = []
        total = 0
        room = budget.limits.max_output_length
        for part in parts:
            if isinstance(part, _HOLDS_ITEMS):
                budget.check_at_least(total + printed_size(part, room - total), "a string made with ~")
            text = _text(part)
            total += len(text)
            budget.check_length(total, "a string made with ~")
            texts.append(text)
        budget.charge(1 + (total >> 6))
        return "".join(texts)

    # member reads
    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if attr.startswith("_"):
            return False
        if isinstance(obj, str):
            return attr in STR_METHODS
        if isinstance(obj, list | tuple):
            return attr in LIST_METHODS
        if isinstance(obj, dict):
            return attr in DICT_METHODS
        if isinstance(obj, LoopContext):
            return attr in LOOP_ATTRS
        if isinstance(obj, Cycler):
            return attr in CYCLER_ATTRS
        if isinstance(obj, TemplateModule):
            # An imported partial: its macros and exported names, which the prompt's own partials define.
            return isinstance(value, Macro | str | int | float | bool | list | dict) or value is None
        return False

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(f"reading {attribute!r} of a {type(obj).__name__} is refused")

    def wrap_str_format(self, value: Any) -> None:
        return None

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Undefined) and not attribute.startswith("_"):
            return getattr(obj, attribute)
        if isinstance(obj, Macro | Joiner | types.FunctionType | types.BuiltinFunctionType | type):
            raise SecurityError(f"reading {attribute!r} of a {type(obj).__name__} is refused")
        value = super().getattr(obj, attribute)
        if attribute.startswith("__") and isinstance(value, Undefined):
            raise SecurityError(f"reading {attribute[:64]!r} is refused: names starting with __ are Python internals")
        return value

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, Macro | Joiner | types.FunctionType | types.BuiltinFunctionType | type):
            raise SecurityError(f"reading {str(argument)[:64]!r} of a {type(obj).__name__} is refused")
        if isinstance(obj, str | list | tuple) and isinstance(argument, slice):
            active_budget().charge_size(obj)
        value = super().getitem(obj, argument)
        if isinstance(argument, str) and argument.startswith("__") and isinstance(value, Undefined):
            # Not an own key: a name such as __class__ or __proto__ reached through a computed key.
            raise SecurityError(f"reading {argument[:64]!r} is refused: names starting with __ are Python internals")
        if isinstance(value, Undefined) and printed_size(argument, 256) > 256:
            # Undefined's error messages print the key it was read with.
            return self.undefined(obj=obj, name=reprlib.repr(argument))
        return value

    # calls
    def is_safe_callable(self, obj: Any) -> bool:
        if isinstance(obj, Macro | LoopContext | Joiner | BlockReference):
            return True
        if obj is _bounded_range or obj is Cycler or obj is Joiner:
            return True
        return _is_allowed_method(obj)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        if not __self.is_safe_callable(__obj):
            raise SecurityError(
                f"calling {getattr(__obj, '__name__', type(__obj).__name__)!r} is refused: a template calls only its own macros, range, cycler, joiner and the listed methods"
            )
        budget = active_budget()
        if isinstance(__obj, Macro | LoopContext | BlockReference):
            budget.charge(2)
            if isinstance(__obj, LoopContext) and args:
                args = (__self.ps_iter(args[0]), *args[1:])
            budget.enter()
            try:
                result = __context.call(__obj, *args, **kwargs)
            finally:
                budget.leave()
            if isinstance(result, str):
                budget.check_length(len(result), "a macro's output")
            return result
        budget.charge(1)
        if isinstance(__obj, types.BuiltinMethodType) and isinstance(__obj.__self__, str):
            _precheck_str_method(budget, __obj.__self__, __obj.__name__, args)
        if isinstance(__obj, types.BuiltinMethodType) and isinstance(__obj.__self__, list) and __obj.__name__ == "index":
            # list.index's error message prints the value it did not find.
            budget.check_printed(args[:1], "the value index() looks for")
        for arg in args:
            if isinstance(arg, str | list | tuple | dict):
                budget.charge(size_units(arg))
        result = __context.call(__obj, *args, **kwargs)
        if isinstance(result, str):
            budget.check_length(len(result))
        return result

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        budget = active_budget()
        if isinstance(left, int) and isinstance(right, int):
            budget.charge_int(_int_operation_bits(operator, left, right))
        if operator == "+":
            if isinstance(left, str) and isinstance(right, str):
                budget.check_length(len(left) + len(right))
            elif isinstance(left, list | tuple | range) and isinstance(right, list | tuple | range):
                budget.check_range(len(left) + len(right), "a list made with +")
            budget.charge(1 + size_units(left) + size_units(right))
        elif operator == "*":
            seq, count = (left, right) if isinstance(left, str | list | tuple) else (right, left)
            if isinstance(seq, str | list | tuple) and isinstance(count, int):
                n = len(seq) * max(count, 0)
                if isinstance(seq, str):
                    budget.check_length(n, "a repeated string")
                else:
                    budget.check_range(n, "a repeated list")
                budget.charge(1 + (n >> 6))
        elif operator == "%" and isinstance(left, str):
            budget.check_at_least(_formatted_size(budget, left, right), "a %-formatted string")
            result = self.binop_table[operator](left, right)
            budget.check_length(len(result))
            return result
        result = self.binop_table[operator](left, right)
        if isinstance(result, str):
            budget.check_length(len(result))
        return result

    def call_unop(self, context: Any, operator: str, arg: Any) -> Any:
        if isinstance(arg, int):
            active_budget().charge_int(abs(arg).bit_length())
        return self.unop_table[operator](arg)


def _int_operation_bits(operator: str, left: int, right: int) -> int:
    """The bits of the larger operand or of the result, whichever is more, the result's estimated before it is made."""
    left_bits, right_bits = abs(left).bit_length(), abs(right).bit_length()
    bits = max(left_bits, right_bits)
    if operator == "*":
        return left_bits + right_bits
    if operator == "**" and right > 0 and abs(left) > 1:
        # The result has right * log2|left| >= right bits: a larger right is refused before a float could overflow.
        return max(bits, math.ceil(right * math.log2(abs(left)))) if right <= MAX_INT_BITS else right
    if operator in ("+", "-"):
        return bits + 1
    return bits


def _formatted_size(budget: Budget, template: str, args: Any) -> int:
    """At least the length `template % args` will have: the template, the widths and precisions, and the text of
    each argument a conversion takes (`%(a)s` * 250 prints a 250 times), counted until past max_output_length."""
    limit = budget.limits.max_output_length
    positional = args if isinstance(args, tuple) else (args,)
    taken = 0
    size = len(template)
    for m in _FORMAT_SPEC.finditer(template):
        for part in (m.group("width"), m.group("precision")):
            if part == "*":
                raise RenderFault("render", "a * width in % formatting is not supported")
            if part:
                size += int(part) if len(part) < 12 else limit + 1
        if m.group("key") is not None and isinstance(args, Mapping):
            size += printed_size(args.get(m.group("key")), limit - size)
        elif m.group("conversion") != "%" and taken < len(positional):
            size += printed_size(positional[taken], limit - size)
            taken += 1
        if size > limit:
            break
    return size


def _precheck_str_method(budget: Budget, text: str, name: str, args: tuple[Any, ...]) -> None:
    budget.charge_size(text)
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        old, new = args[0], args[1]
        count = len(text) + 1 if old == "" else text.count(old)
        if len(args) >= 3 and isinstance(args[2], int) and args[2] >= 0:
            count = min(count, args[2])
        budget.check_length(len(text) + count * (len(new) - len(old)), "the result of replace()")
    elif name == "join" and args:
        items = args[0]
        if isinstance(items, list | tuple):
            budget.charge(len(items))
            total = len(text) * max(len(items) - 1, 0) + sum(len(i) for i in items if isinstance(i, str))
            budget.check_length(total, "the result of join()")


def _wrap_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    pass_arg = getattr(func, "jinja_pass_arg", None)
    precheck = _FILTER_PRECHECKS.get(name)

    def run(*args: Any, **kwargs: Any) -> Any:
        budget = active_budget()
        value_index = 1 if pass_arg is not None else 0
        value = args[value_index] if len(args) > value_index else None
        if isinstance(value, range | BudgetIterator) or (hasattr(value, "__next__") and not isinstance(value, str | Markup)):
            value = _bounded_list(value, budget)
            args = (*args[:value_index], value, *args[value_index + 1 :])
        budget.charge(1 + size_units(value))
        for extra in args[value_index + 1 :]:
            if callable(extra) and not isinstance(extra, Markup | str):
                raise SecurityError(f"the {name} filter takes no function")
        if name in TEXT_FILTERS:
            for read in (value, *args[value_index + 1 :], *kwargs.values()):
                budget.check_printed((read,), f"the text the {name} filter reads")
        if precheck is not None:
            precheck(budget, value, args[value_index + 1 :], kwargs)
        result = func(*args, **kwargs)
        if isinstance(result, str):
            budget.check_length(len(result), f"the result of {name}")
        return result

    if pass_arg is not None:
        run.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    run.__name__ = f"filter_{name}"
    return run


def _text_test(test: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """A test that reads its value's text (`lower`, `upper`), the text measured before str() makes it."""

    def run(value: Any) -> bool:
        active_budget().check_printed((value,), "the text a test reads")
        return test(value)

    return run


def _striptags(value: Any) -> str:
    """MarkupSafe's striptags (comments, then tags, removed, whitespace collapsed, entities unescaped), each removal
    in one pass: MarkupSafe searches again from the start after every tag, which is quadratic in their number."""
    if hasattr(value, "__html__"):
        value = value.__html__()
    text = _remove_spans(_remove_spans(str(value), "<!--", "-->"), "<", ">")
    return html.unescape(" ".join(text.split()))


def _remove_spans(text: str, start_mark: str, end_mark: str) -> str:
    """Every span from start_mark to the next end_mark removed, as the TypeScript SDK's striptags does. MarkupSafe
    differs only where removing a comment joins the text around it into a new "<!--"."""
    kept = []
    at = 0
    while (start := text.find(start_mark, at)) != -1 and (end := text.find(end_mark, start)) != -1:
        kept.append(text[at:start])
        at = end + len(end_mark)
    kept.append(text[at:])
    return "".join(kept)


def _bounded_list(iterable: Any, budget: Budget) -> list[Any]:
    """An iterator or range a filter goes through, as a list of at most max_range items."""
    if isinstance(iterable, range):
        budget.check_range(len(iterable), "a range")
        return list(iterable)
    items: list[Any] = []
    for item in iterable:
        items.append(item)
        if len(items) > budget.limits.max_range:
            budget.check_range(len(items), "a sequence a filter goes through")
    return items


def _arg(args: Sequence[Any], kwargs: Mapping[str, Any], index: int, name: str, default: Any) -> Any:
    if len(args) > index:
        return args[index]
    return kwargs.get(name, default)


def _pre_indent(budget: Budget, value: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    width = _arg(args, kwargs, 0, "width", 4)
    text = _text(value) if not isinstance(value, Undefined) else ""
    pad = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    budget.check_length(len(text) + (text.count("\n") + 1) * max(pad, 0), "the result of indent")


def _pre_center(budget: Budget, value: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    width = _arg(args, kwargs, 0, "width", 80)
    if isinstance(width, int):
        budget.check_length(width, "the result of center")


def _pre_replace(budget: Budget, value: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    old, new = _arg(args, kwargs, 0, "old", None), _arg(args, kwargs, 1, "new", None)
    text = _text(value) if not isinstance(value, Undefined) else ""
    if isinstance(old, str) and isinstance(new, str):
        count = len(text) + 1 if old == "" else text.count(old)
        budget.check_length(len(text) + count * (len(new) - len(old)), "the result of replace")


def _pre_join(budget: Budget, value: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    if not isinstance(value, str | list | tuple | dict):
        return
    limit = budget.limits.max_output_length
    total = printed_size(_arg(args, kwargs, 0, "d", ""), limit) * max(len(value) - 1, 0)
    budget.check_at_least(total, "the result of join")
    attribute = _arg(args, kwargs, 1, "attribute", None)
    if isinstance(value, str):
        total += len(value) if attribute is None else 0
        budget.check_at_least(total, "the result of join")
        return
    items = value if attribute is None else map(make_attrgetter(environment(True), attribute), value)
    for item in items:
        total += printed_size(item, limit - total)
        budget.check_at_least(total, "the result of join")


def _pre_tojson(budget: Budget, value: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    compact = printed_size(value, budget.limits.max_output_length)
    budget.check_at_least(compact, "the result of tojson")
    indent = _arg(args, kwargs, 0, "indent", None)
    if isinstance(indent, int) and indent > 0:
        budget.check_length(indent, "the indentation of tojson")
        budget.check_at_least(compact + compact * indent // 2, "the result of tojson")


def _pre_urlencode(budget: Budget, value: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    if isinstance(value, dict):
        parts: Iterable[Any] = itertools.chain.from_iterable(value.items())
    elif isinstance(value, list | tuple):
        parts = itertools.chain.from_iterable(pair for pair in value if isinstance(pair, list | tuple))
    else:
        parts = (value,)
    budget.check_printed(parts, "the result of urlencode")


def _pre_urlize(budget: Budget, value: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    # Every link repeats target and rel, and every link has a ".", "@" or ":".
    text = _text(value)
    links = text.count(".") + text.count("@") + text.count(":")
    limit = budget.limits.max_output_length
    target, rel = _arg(args, kwargs, 2, "target", None), _arg(args, kwargs, 3, "rel", None)
    per_link = printed_size(target or "", limit) + printed_size(rel or "", limit)
    budget.check_length(len(text) + links * per_link, "the result of urlize")


def _pre_striptags(budget: Budget, value: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    # Removing a tag takes about two operations' time: a text of a million tags is over the budget before it starts.
    budget.charge(2 * _text(value).count("<"))


def _pre_sum(budget: Budget, value: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    # sum() with a list as its start copies the growing list at every item: time quadratic in the items.
    if not isinstance(_arg(args, kwargs, 1, "start", 0), int | float):
        raise RenderFault("render", "sum takes a number as its start")


def _pre_round(budget: Budget, value: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    precision = _arg(args, kwargs, 0, "precision", 0)
    if isinstance(precision, int):
        # Rounding computes 10 ** precision: under 10/3 bits per digit.
        budget.charge_int(abs(precision) * 10 // 3)


def _pre_batch(budget: Budget, value: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    size = _arg(args, kwargs, 0, "linecount", 1)
    if isinstance(size, int) and size <= 0:
        raise RenderFault("render", "batch needs a positive size")
    if isinstance(size, int):
        budget.check_range(size, "a batch's row")
    if isinstance(size, int) and isinstance(value, list | tuple | str):
        budget.check_range(-(-len(value) // size), "batch")


def _pre_slice(budget: Budget, value: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    slices = _arg(args, kwargs, 0, "slices", 1)
    if isinstance(slices, int):
        budget.check_range(slices, "slice")


def _pre_list(budget: Budget, value: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    if isinstance(value, str):
        budget.check_range(len(value), "a list of a string's characters")


_FILTER_PRECHECKS: dict[str, Callable[[Budget, Any, Sequence[Any], Mapping[str, Any]], None]] = {
    "list": _pre_list,
    "indent": _pre_indent,
    "center": _pre_center,
    "replace": _pre_replace,
    "join": _pre_join,
    "tojson": _pre_tojson,
    "urlencode": _pre_urlencode,
    "urlize": _pre_urlize,
    "striptags": _pre_striptags,
    "sum": _pre_sum,
    "round": _pre_round,
    "batch": _pre_batch,
    "slice": _pre_slice,
}


_ENVIRONMENTS: dict[bool, SandboxEnvironment] = {}


def environment(strict: bool) -> SandboxEnvironment:
    env = _ENVIRONMENTS.get(strict)
    if env is None:
        env = _ENVIRONMENTS[strict] = SandboxEnvironment(strict)
    return env


# --- checking and compiling --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TemplateProblem:
    code: str  # TEMPLATE_SYNTAX, UNSAFE_TEMPLATE, UNSUPPORTED_TAG
    message: str
    line: int
    column: int = 1


def parse_template(
    text: str, strict: bool = True, partials: Mapping[str, Any] | None = None
) -> tuple[nodes.Template | None, list[TemplateProblem]]:
    """Parses a template and checks what can be named without running it. With `partials` (a prompt's frozen
    partials), include, import, from … import, extends and blocks may name them, and only them, by constant name."""
    env = environment(strict)
    try:
        tree = env.parse(text)
    except TemplateSyntaxError as e:
        message = e.message or "syntax error"
        code = (
            "UNSUPPORTED_TAG"
            if re.search(r"Encountered unknown tag '(\w+)'", message) and _unknown_tag_is_unsupported(message)
            else "TEMPLATE_SYNTAX"
        )
        return None, [TemplateProblem(code, message, e.lineno or 1)]
    problems: list[TemplateProblem] = []
    too_deep = _block_nested_too_deeply(tree)
    if too_deep is not None:
        message = f"block tags are nested more than {MAX_BLOCK_NESTING} deep"
        problems.append(TemplateProblem("TEMPLATE_SYNTAX", message, too_deep.lineno or 1))
    for node in tree.find_all(nodes.Node):
        line = getattr(node, "lineno", 1) or 1
        kind = UNSUPPORTED_NODES.get(type(node))
        if kind is not None and partials is not None:
            target = getattr(node, "template", None)
            if isinstance(node, nodes.Block):
                continue
            if not isinstance(target, nodes.Const) or not isinstance(target.value, str):
                problems.append(TemplateProblem("TEMPLATE_SYNTAX", f"{{% {kind} %}} takes a partial's name as a string", line))
            elif not _is_partial_name(target.value):
                problems.append(
                    TemplateProblem(
                        "INVALID_PARTIAL",
                        f"{target.value[:128]!r} is not a partial name: a partial's name has a segment starting with _",
                        line,
                    )
                )
            elif target.value not in partials:
                problems.append(
                    TemplateProblem(
                        "MISSING_PARTIAL", f"{{% {kind} %}} names the partial {target.value[:128]!r}, which the prompt does not have", line
                    )
                )
        elif kind is not None:
            problems.append(
                TemplateProblem("UNSUPPORTED_TAG", f"{{% {kind} %}} is not supported: a prompt is one self-contained template", line)
            )
        elif isinstance(node, nodes.With | nodes.ScopedEvalContextModifier | nodes.EvalContextModifier):
            problems.append(TemplateProblem("TEMPLATE_SYNTAX", f"the {type(node).__name__.lower()} tag is not supported", line))
        elif isinstance(node, nodes.Filter | nodes.Test) and node.name not in (
            env.filters if isinstance(node, nodes.Filter) else env.tests
        ):
            what = "filter" if isinstance(node, nodes.Filter) else "test"
            problems.append(TemplateProblem("UNSAFE_TEMPLATE", f"unknown {what} {node.name[:64]!r}", line))
        elif isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            problems.append(
                TemplateProblem("UNSAFE_TEMPLATE", f"{node.attr[:64]!r} cannot be read: names starting with _ are Python internals", line)
            )
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
            and node.arg.value.startswith("_")
        ):
            problems.append(
                TemplateProblem(
                    "UNSAFE_TEMPLATE", f"{node.arg.value[:64]!r} cannot be read: names starting with _ are Python internals", line
                )
            )
        elif isinstance(node, nodes.Name) and node.name.startswith("__"):
            problems.append(
                TemplateProblem("UNSAFE_TEMPLATE", f"{node.name[:64]!r} cannot be read: names starting with __ are Python internals", line)
            )
    return tree, problems


# Python's compiler refuses more than 20 loops nested in one function and 100 levels of indentation, each block tag
# nesting a loop or an indented block in the code Jinja2 generates.
MAX_BLOCK_NESTING = 20
_BLOCK_TAGS = (nodes.For, nodes.If, nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.AssignBlock)


def _block_nested_too_deeply(tree: nodes.Template) -> nodes.Node | None:
    """The first block tag found nested deeper than MAX_BLOCK_NESTING (an `elif` is at the depth of its `if`)."""
    pending: list[tuple[nodes.Node, int]] = [(tree, 0)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, _BLOCK_TAGS):
            depth += 1
            if depth > MAX_BLOCK_NESTING:
                return node
        elifs = {id(branch) for branch in node.elif_} if isinstance(node, nodes.If) else set()
        pending.extend((child, depth - 1 if id(child) in elifs else depth) for child in node.iter_child_nodes())
    return None


_PARTIAL_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")


def _is_partial_name(name: str) -> bool:
    segments = name.split("/")
    return 0 < len(name) <= 512 and all(_PARTIAL_SEGMENT.fullmatch(s) for s in segments) and any(s.startswith("_") for s in segments)


def _unknown_tag_is_unsupported(message: str) -> bool:
    m = re.search(r"Encountered unknown tag '(\w+)'", message)
    return m is not None and m.group(1) in ("include", "extends", "import", "from", "block")


class CompiledTemplate:
    """A template compiled once; render() runs it under a fresh budget."""

    __slots__ = ("template", "literal", "env")

    def __init__(self, text: str, *, template: bool, strict: bool, env: SandboxEnvironment | None = None) -> None:
        self.env = env or environment(strict)
        self.literal: str | None = None if template else text
        self.template: Any = None
        if template:
            self.template = self.env.from_string(text)

    def render(self, data: dict[str, Any], limits: RenderLimits) -> str:
        if self.literal is not None:
            return self.literal
        token = _active.set(Budget(limits))
        try:
            template = self.template
            # The data (with the three globals already in it) is the context's parent, as Template.render would
            # build it, without copying Jinja2's ChainMap of globals on every call.
            stream = template.root_render_func(self.env.context_class(self.env, data, template.name, template.blocks, globals=None))
            # Collected first, measured before joining: the pieces are references (their number is bounded by the
            # operations budget, each loop iteration being charged), so nothing large is made before the check.
            parts = list(stream)
            if sum(map(len, parts)) <= limits.max_output_length:
                return "".join(parts)
        finally:
            _active.reset(token)
        raise self._output_fault(data, limits)

    def _output_fault(self, data: dict[str, Any], limits: RenderLimits) -> RenderFault:
        """The output went over max_output_length: render again, piece by piece, to name the template line."""
        token = _active.set(Budget(limits))
        try:
            template = self.template
            stream = template.root_render_func(self.env.context_class(self.env, data, template.name, template.blocks, globals=None))
            total = 0
            for chunk in stream:
                total += len(chunk)
                if total > limits.max_output_length:
                    frame = getattr(stream, "gi_frame", None)
                    line = template.get_corresponding_lineno(frame.f_lineno) if frame is not None else None
                    return RenderFault("limit", f"the output would be over {limits.max_output_length} characters", "maxOutputLength", line)
        except RenderFault as fault:
            return fault
        finally:
            _active.reset(token)
        return RenderFault("limit", f"the output would be over {limits.max_output_length} characters", "maxOutputLength")


def template_line(tb: types.TracebackType | None) -> int | None:
    """The template line of the innermost frame of generated template code."""
    line: int | None = None
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            try:
                line = template.get_corresponding_lineno(tb.tb_lineno)
            except Exception:  # noqa: BLE001
                line = None
        tb = tb.tb_next
    return line


def error_of(prompt: str, error: BaseException, origin: str | None = None) -> PromptSyncError:
    """A failure raised while rendering, as the PromptSync error of its kind, naming the prompt and the line."""
    line = template_line(error.__traceback__)
    if isinstance(error, RenderFault) and error.line is not None:
        line = error.line
    where = f" line {line}" if line is not None else ""
    if isinstance(error, RenderFault):
        if error.kind == "limit":
            return RenderLimitError(error.limit or "maxOperations", f'prompt "{prompt}"{where}: {error}', line)
        if error.kind == "unsafe":
            return UnsafeTemplateError(f'prompt "{prompt}"{where}: {error}')
        return RenderError(prompt, f"{'line ' + str(line) + ': ' if line else ''}{error}")
    if isinstance(error, SecurityError):
        return UnsafeTemplateError(f'{origin + ": " if origin else ""}prompt "{prompt}"{where}: {error}')
    if isinstance(error, RecursionError):
        return RenderLimitError("maxDepth", f'prompt "{prompt}"{where}: nested too deeply', line)
    if isinstance(error, MemoryError):
        return RenderLimitError("maxOutputLength", f'prompt "{prompt}"{where}: out of memory', line)
    message = str(error).splitlines()[0][:500] if str(error) else type(error).__name__
    return RenderError(prompt, f"{'line ' + str(line) + ': ' if line else ''}{message}")


# --- the app's values --------------------------------------------------------------------------------------------


def to_template_data(value: Any, max_depth: int, depth: int = 0) -> Any:
    """A copy of an app value as plain data (what JSON would see): dicts, lists, strings, numbers, booleans, None.
    Functions are left out, objects give their public data and none of their methods, so a template can neither
    call the app's code nor change its objects. Nesting deeper than max_depth (a cycle) is a RENDER_LIMIT."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if depth >= max_depth:
        raise RenderLimitError("maxDepth", f"the variables passed in are nested deeper than {max_depth} (a cycle?)")
    d = depth + 1
    if isinstance(value, Markup):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_template_data(v, max_depth, d) for k, v in value.items() if not callable(v) or isinstance(v, Mapping)}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [to_template_data(v, max_depth, d) for v in items if not _is_function(v)]
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return to_template_data(value.value, max_depth, d)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_template_data(getattr(value, f.name), max_depth, d) for f in dataclasses.fields(value)}
    if _is_function(value) or isinstance(value, type):
        return None
    attrs = getattr(value, "__dict__", None)
    if isinstance(attrs, dict):
        return {str(k): to_template_data(v, max_depth, d) for k, v in attrs.items() if not str(k).startswith("_") and not _is_function(v)}
    return str(value)


_PLAIN = frozenset({str, int, float, bool, type(None)})
_GLOBALS = {"range": _bounded_range, "cycler": Cycler, "joiner": Joiner}


def _is_function(value: Any) -> bool:
    return callable(value) and not isinstance(value, type | Mapping)


# --- prompt bodies -----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RenderSettings:
    strict: bool = True
    limits: RenderLimits = DEFAULT_LIMITS


class RenderableBody:
    """One body of a prompt (the default or a variant), its templates compiled once: a text template, or chat
    messages (a template or content parts each) and placeholders."""

    def __init__(
        self,
        prompt: Mapping[str, Any],
        body: Mapping[str, Any],
        variant: Mapping[str, Any] | None,
        settings: RenderSettings,
        origin: str,
        check_inputs: Callable[[Mapping[str, Any]], None] | None = None,
        env: SandboxEnvironment | None = None,
    ) -> None:
        self.prompt_name = str(prompt.get("name"))
        self.variant = variant
        self.variables: list[dict[str, Any]] = list(body.get("variables", []))
        self.required = [v["name"] for v in self.variables if v.get("required")]
        self.settings = settings
        self.check_inputs = check_inputs
        self.partials: Mapping[str, Any] | None = prompt.get("partials")
        self.env = env
        self.origin = origin
        self.is_template = prompt.get("template", True) is not False
        self.messages: list[tuple[str, Any]] | None = None
        self.text: CompiledTemplate | None = None
        if body.get("messages") is not None:
            # push refuses this (DUPLICATE_PLACEHOLDER); from a registry it would insert one history once per slot.
            seen: set[str] = set()
            for name in (str(m["placeholder"]) for m in body["messages"] if "placeholder" in m):
                if name in seen:
                    raise InvalidBundleError(origin, f'prompt "{self.prompt_name}": placeholder "{name}" appears twice: its messages would be inserted twice')
                seen.add(name)
            self.messages = [self._compile_message(m) for m in body["messages"]]
        else:
            self.text = self._compile(str(body.get("content") or ""))

    def _compile_message(self, message: Mapping[str, Any]) -> tuple[str, Any]:
        if "placeholder" in message:
            return ("\x00placeholder", (str(message["placeholder"]), bool(message.get("required"))))
        content = message.get("content", "")
        if isinstance(content, list):
            parts = []
            for part in content:
                kind = part.get("type")
                compiled = dict(part)
                compiled["_template"] = self._compile(str(part.get("text" if kind == "text" else "url", "")))
                parts.append(compiled)
            return (str(message.get("role")), parts)
        return (str(message.get("role")), self._compile(str(content)))

    def _compile(self, text: str) -> CompiledTemplate:
        try:
            return self._compile_checked(text)
        except (RecursionError, SyntaxError):
            # SyntaxError: Python's own limits on the code Jinja2 generates (e.g. ~150 nested parentheses).
            raise InvalidBundleError(self.origin, f'prompt "{self.prompt_name}": a template is nested too deeply to compile') from None

    def _compile_checked(self, text: str) -> CompiledTemplate:
        origin = self.origin
        if not self.is_template:
            return CompiledTemplate(text, template=False, strict=self.settings.strict)
        _, problems = parse_template(text, self.settings.strict, self.partials)
        for problem in problems:
            if problem.code == "UNSAFE_TEMPLATE":
                raise UnsafeTemplateError(f'{origin}: prompt "{self.prompt_name}" line {problem.line}: {problem.message}')
        if problems:
            raise InvalidBundleError(origin, f'prompt "{self.prompt_name}": {problems[0].message}')
        try:
            return CompiledTemplate(text, template=True, strict=self.settings.strict, env=self.env)
        except TemplateAssertionError as e:
            raise UnsafeTemplateError(f'{origin}: prompt "{self.prompt_name}" line {e.lineno}: {e.message}') from None
        except TemplateSyntaxError as e:
            raise InvalidBundleError(origin, f'prompt "{self.prompt_name}": {e.message}') from None

    def render(self, values: Mapping[str, Any]) -> str | list[dict[str, Any]]:
        limits = self.settings.limits
        data: dict[str, Any] = dict(_GLOBALS)
        for key, value in values.items():
            if type(value) in _PLAIN:
                data[key] = value
            elif not _is_function(value):
                data[key] = to_template_data(value, limits.max_depth)
        if self.settings.strict:
            if self.check_inputs is not None:
                # The values as the template reads them: functions absent, objects as their data.
                self.check_inputs({k: v for k, v in data.items() if k in values})
            missing = [name for name in self.required if name not in values]
            if missing:
                raise MissingVariableError(self.prompt_name, missing)
        try:
            if self.messages is not None:
                return self._render_messages(values, data, limits)
            assert self.text is not None
            return self.text.render(data, limits)
        except PromptSyncError:
            raise
        except Exception as error:  # noqa: BLE001 - every failure of a render becomes a PromptSync error
            raise error_of(self.prompt_name, error) from None

    def _render_messages(self, values: Mapping[str, Any], data: dict[str, Any], limits: RenderLimits) -> list[dict[str, Any]]:
        from .structured import placeholder_messages, url_problem

        out: list[dict[str, Any]] = []
        for index, (role, content) in enumerate(self.messages or []):
            if role == "\x00placeholder":
                name, required = content
                value = values.get(name)
                if name not in values:
                    if required and self.settings.strict:
                        raise MissingVariableError(self.prompt_name, [name])
                    continue
                out.extend(
                    placeholder_messages(self.prompt_name, name, to_template_data(value, limits.max_depth), limits.max_output_length)
                )
                continue
            if isinstance(content, list):
                parts = []
                for p, part in enumerate(content):
                    rendered = part["_template"].render(data, limits)
                    kind = part.get("type")
                    if kind == "text":
                        parts.append({"type": "text", "text": rendered})
                        continue
                    url = rendered.strip()
                    problem = url_problem(str(kind), url)
                    if problem:
                        from .structured import short_value

                        raise RenderError(self.prompt_name, f"message {index + 1} part {p + 1} ({kind}): {problem}, got {short_value(url)}")
                    rendered_part = {k: v for k, v in part.items() if k != "_template"}
                    rendered_part["url"] = url
                    parts.append(rendered_part)
                out.append({"role": role, "content": parts})
            else:
                out.append({"role": role, "content": content.render(data, limits)})
        return out


def materialize(prompt: Mapping[str, Any], settings: RenderSettings, origin: str) -> dict[str | None, RenderableBody]:
    """Checks every template of a compiled prompt (a registry may have been tampered with) and compiles it once."""
    from jinja2 import DictLoader

    from .structured import inputs_check

    check = inputs_check(prompt, origin)
    partials = prompt.get("partials")
    env = None
    if partials:
        from .canonical import content_hash

        for name, partial in partials.items():
            if content_hash({"content": partial.get("content")}) != partial.get("hash"):
                raise InvalidBundleError(origin, f'prompt "{prompt.get("name")}": partial {str(name)[:128]!r} does not match its hash')
            _, problems = parse_template(str(partial.get("content", "")), settings.strict, partials)
            for problem in problems:
                error = UnsafeTemplateError if problem.code == "UNSAFE_TEMPLATE" else None
                message = f'prompt "{prompt.get("name")}" partial {str(name)[:128]!r} line {problem.line}: {problem.message}'
                raise error(f"{origin}: {message}") if error else InvalidBundleError(origin, message)
        env = SandboxEnvironment(settings.strict, loader=DictLoader({name: str(p.get("content", "")) for name, p in partials.items()}))
    bodies: dict[str | None, RenderableBody] = {None: RenderableBody(prompt, prompt, None, settings, origin, check, env)}
    for variant in prompt.get("variants", []):
        bodies[str(variant["id"])] = RenderableBody(prompt, variant, variant, settings, origin, check, env)
    return bodies


def render_template_text(text: str, values: Mapping[str, Any], *, strict: bool = True, limits: RenderLimits = DEFAULT_LIMITS) -> str:
    """Renders one template (for tests and tools): the same checks, guard and budget as a prompt."""
    body = RenderableBody(
        {"name": "template", "template": True}, {"content": text, "variables": []}, None, RenderSettings(strict, limits), "template"
    )
    return cast(str, body.render(values))
