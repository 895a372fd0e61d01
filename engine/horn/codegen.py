"""Compile one join plan of a clause into a specialised Python function.

A generic interpreter spends most of its time deciding, per tuple, what to do
next. Here that is decided once: each (clause, delta literal) pair becomes
Python source with nested `for` loops over sets and hash indexes, tuple
unpacking into local variables, and the head tuple built directly, as a person
would write the loop by hand. The source is exec'd once per evaluation; every
set, index and constant it touches is bound as a default argument, so the hot
loop reads only fast locals.

The semantics of values is engine/language/values.py's (exact numbers, `x / 0 = 0`, orders between
numbers only); here a comparison whose arithmetic is undefined (a constant in a sum) is false.
Undefined arithmetic yields the value UNDEFINED rather than raising, so that
a whole join fits in one comprehension.
"""
from __future__ import annotations

import functools

from .compile import Clause, Lit, anonymous, assignment
from ..language.values import add, compare, divide, multiply, subtract
from ..language.syntax import Op, Var


class _Undefined:
    """The value of undefined arithmetic: a constant in a sum."""

    def __repr__(self):
        return "UNDEFINED"


UNDEFINED = _Undefined()


def _num(v) -> bool:
    return type(v) is not str and v is not UNDEFINED


def _add(a, b):
    return add(a, b) if _num(a) and _num(b) else UNDEFINED


def _sub(a, b):
    return subtract(a, b) if _num(a) and _num(b) else UNDEFINED


def _mul(a, b):
    return multiply(a, b) if _num(a) and _num(b) else UNDEFINED


def _div(a, b):
    return divide(a, b) if _num(a) and _num(b) else UNDEFINED


def _neg(a):
    return -a if _num(a) else UNDEFINED


def holds(op: str, a, b) -> bool:
    """A comparison between two values; false when either is UNDEFINED."""
    if a is UNDEFINED or b is UNDEFINED:
        return False
    return compare(op, a, b)


_FN = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div"}
_HELPERS = {"_add": _add, "_sub": _sub, "_mul": _mul, "_div": _div, "_neg": _neg,
            "_U": UNDEFINED, "_holds": holds, "_ONCE": (None,)}
_ORDER = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}


# ---------------------------------------------------------------- code generation
class _Source:
    """The clauses of one compiled comprehension, and the objects it closes over."""

    def __init__(self):
        self.clauses = ["for _once in _ONCE"]
        self.names: dict = {}     # variable name -> local name
        self.slots: dict = {}     # key -> (local name, object)

    def add(self, text: str) -> None:
        self.clauses.append(text)

    def slot(self, key, obj, prefix: str) -> str:
        if key not in self.slots:
            self.slots[key] = (f"{prefix}{len(self.slots)}", obj)
        return self.slots[key][0]

    def var(self, name: str) -> str:
        return self.names.setdefault(name, f"v{len(self.names)}")

    def temp(self) -> str:
        return f"_t{len(self.clauses)}"


def compile_join(c: Clause, order: list, delta, full, index):
    """A function run(D) -> the set of head tuples, not yet in the head relation,
    of the clause joined in `order`; literal `delta`, if any, ranges over the set
    D. `full(pred)` gives a relation's set, `index(pred, cols)` its hash index
    on the columns `cols`. The join is one set comprehension: its loops run in C
    bytecode with no method calls, and `difference` reuses the stored hashes."""
    src, bound = _Source(), set()
    for i in order:
        _emit_literal(src, c.body[i], i == delta, bound, full, index)
    head = _tuple([_expr(src, a) for a in c.args])
    fh = src.slot(("full", c.pred), full(c.pred), "F")
    return _build(src, [f"        return {{{head} {' '.join(src.clauses)}}}.difference({fh})"])


def compile_derivation(c: Clause, order: list, relation):
    """A function run(H, S) -> (values of the clause's named variables, positive body facts,
    negated body atoms, None at each `_`) of one instance whose head is the tuple H and whose positive body
    facts all appeared before round S, or None. `relation(pred)` gives a Relation (full,
    index, before). Returns (run, the variable names)."""
    src, bound = _Source(), set()
    _emit_loop(src, c, [None] * len(c.args), "(H,)", bound)
    full = lambda p: relation(p).full
    index = lambda p, cols: relation(p).index(cols)
    for i in order:
        lit = c.body[i]
        _emit_literal(src, lit, False, bound, full, index)
        if lit.kind == "pos":
            before = src.slot(("before", lit.pred), relation(lit.pred).before, "B")
            src.add(f"if {before}({_tuple([_expr(src, a) for a in lit.args])}, S)")
    names = tuple(n for n in c.names if not n.startswith("_#"))
    values = _tuple([src.names[n] for n in names])
    # a negated atom's `_` is None in its ground pattern: "no tuple of p matches"
    arg = lambda a, kind: "None" if kind == "neg" and anonymous(a) else _expr(src, a)
    ground = lambda kind: _tuple([f"({lit.pred!r}, {_tuple([arg(a, kind) for a in lit.args])})"
                                  for lit in c.body if lit.kind == kind])
    found = f"({values}, {ground('pos')}, {ground('neg')})"
    # nested statements rather than next(generator): no generator object per call
    loops = [" " * (8 + 4 * k) + clause + ":" for k, clause in enumerate(src.clauses)]
    body = [*loops, " " * (8 + 4 * len(loops)) + f"return {found}", "        return None"]
    return _build(src, body, "H, S"), names


@functools.lru_cache(maxsize=4096)
def _compiled(text: str):
    """The code object of a join's source (a pure function of the text: the relations are
    bound as closure variables, so KBs with rules of the same shapes share the code)."""
    return compile(text, "<horn join>", "exec")


def _build(src: _Source, body: list, args: str = "D"):
    """The function _run(args) whose body is the lines `body` (indented 8); the objects in
    src.slots are bound as closure variables."""
    params = [name for name, _ in src.slots.values()]
    text = "\n".join([f"def _make({', '.join(params)}):",
                      f"    def _run({args}):",
                      *body,
                      "    return _run"])
    namespace = dict(_HELPERS)
    exec(_compiled(text), namespace)
    run = namespace["_make"](*(obj for _, obj in src.slots.values()))
    run.source = text
    return run


def _emit_literal(src, lit: Lit, is_delta: bool, bound: set, full, index) -> None:
    if is_delta:
        _emit_loop(src, lit, [None] * len(lit.args), "D", bound)
    elif lit.kind == "pos":
        _emit_positive(src, lit, bound, full, index)
    elif lit.kind == "neg":
        _emit_negated(src, lit, full, index)
    else:
        _emit_comparison(src, lit, bound)


def _emit_negated(src, lit: Lit, full, index) -> None:
    """`not p(args)`: no tuple of p agrees with args on the columns that are not `_` (a
    negated atom's `_` is any value; p lies in a lower stratum, so its relation is whole)."""
    cols = tuple(k for k, a in enumerate(lit.args) if not anonymous(a))
    f = src.slot(("full", lit.pred), full(lit.pred), "F")
    if len(cols) == len(lit.args):
        src.add(f"if {_tuple([_expr(src, a) for a in lit.args])} not in {f}")
    elif not cols:
        src.add(f"if not {f}")
    else:
        g = src.slot(("index", lit.pred, cols), index(lit.pred, cols).get, "G")
        keys = [_expr(src, lit.args[k]) for k in cols]
        src.add(f"if not {g}({keys[0] if len(keys) == 1 else _tuple(keys)}, ())")


def _is_bound(a, bound: set) -> bool:
    return not isinstance(a, Var) or a.name in bound


def _emit_positive(src, lit: Lit, bound: set, full, index) -> None:
    cols = tuple(k for k, a in enumerate(lit.args) if _is_bound(a, bound))
    f = src.slot(("full", lit.pred), full(lit.pred), "F")
    if len(cols) == len(lit.args):
        src.add(f"if {_tuple([_expr(src, a) for a in lit.args])} in {f}")
    elif not cols:
        _emit_loop(src, lit, [None] * len(lit.args), f, bound)
    else:
        g = src.slot(("index", lit.pred, cols), index(lit.pred, cols).get, "G")
        keys = [_expr(src, lit.args[k]) for k in cols]
        key = keys[0] if len(keys) == 1 else _tuple(keys)
        targets = ["_" if k in cols else None for k in range(len(lit.args))]
        _emit_loop(src, lit, targets, f"{g}({key}, ())", bound)


def _emit_loop(src, lit: Lit, targets: list, source: str, bound: set) -> None:
    """for (targets) in source: binding free variables, checking the others."""
    checks = []
    for k, a in enumerate(lit.args):
        if targets[k] is not None:
            continue
        if isinstance(a, Var) and a.name not in bound:
            targets[k] = src.var(a.name)
            bound.add(a.name)
        else:
            targets[k] = f"{src.temp()}_{k}"
            checks.append(f"{targets[k]} == {_expr(src, a)}")
    src.add(f"for {_tuple(targets) if targets else '_e'} in {source}")
    if checks:
        src.add(f"if {' and '.join(checks)}")


def _emit_comparison(src, lit: Lit, bound: set) -> None:
    assign = assignment(lit, bound)
    if assign is not None:
        name, expr = assign
        src.add(f"for {src.var(name)} in ({_expr(src, expr)},)")
        if _arith(expr):
            src.add(f"if {src.var(name)} is not _U")
        bound.add(name)
        return
    left, right = (_expr(src, t) for t in lit.args)
    if _arith(lit.args[0]) or _arith(lit.args[1]):
        src.add(f"if _holds({lit.pred!r}, {left}, {right})")
    else:
        src.add(f"if {_holds_plain(lit.pred, left, right)}")


def _holds_plain(op: str, a: str, b: str) -> str:
    if op == "=":
        return f"{a} == {b}"
    if op == "!=":
        return f"{a} != {b}"
    return f"type({a}) is not str and type({b}) is not str and {a} {_ORDER[op]} {b}"


def _arith(t) -> bool:
    return isinstance(t, Op)


def _expr(src: _Source, t) -> str:
    if isinstance(t, Var):
        return src.var(t.name)
    if isinstance(t, Op):
        parts = [_expr(src, a) for a in t.args]
        return f"_neg({parts[0]})" if len(parts) == 1 else f"{_FN[t.op]}({parts[0]}, {parts[1]})"
    return src.slot(("const", type(t), t), t, "C")


def _tuple(parts: list) -> str:
    return f"({', '.join(parts)},)" if parts else "()"
