"""The causal model as the kernel reads it from the KB's statements (its own reading of the
syntax, not engine/causal's), and its own evaluator of formulas and terms in a world."""
from __future__ import annotations

import itertools
from fractions import Fraction

from ..language import syntax as S
from . import actual
from .terms import Rejected

_TRUTH = {"true": True, "false": False}
MAX_WORLDS = 1 << 16


class Model:
    """The causal statements, read by the kernel."""

    def __init__(self, view):
        self.domains, self.equations, self.exogenous = {}, {}, set()
        self.directed, self.bidirected, self.facts = set(), set(), []
        self.by_source = {}
        statements = view.causal_statements()
        for src, st in statements:
            self.by_source[src] = st
            if isinstance(st, S.VarDecl):
                dom = _domain(st.sort, view.signature)
                for n in st.names:
                    self.domains[n] = dom
                    if st.exogenous:
                        self.exogenous.add(n)
        for src, st in statements:
            if isinstance(st, S.Equation):
                parents = tuple(sorted({n for n in _names(st.rhs) if n in self.domains}))
                self.equations[st.var] = (st.rhs, parents)
            elif isinstance(st, S.GraphDecl):
                for a, k, b in st.edges:
                    (self.directed.add((a, b)) if k == "->" else self.bidirected.add(frozenset((a, b))))
            elif isinstance(st, S.Axiom):
                self.facts.append((src, st))
        self.background = tuple(sorted(v for v in self.domains if v not in self.equations))

    def plain(self):
        """(domains, equations as (parents, function)) for engine/kernel/actual.py."""
        eqs = {}
        for v, (rhs, parents) in self.equations.items():
            eqs[v] = (parents, _function(rhs, self.domains[v]))
        return self.domains, eqs

    def solve(self, background: dict, do: dict) -> dict:
        domains, eqs = self.plain()
        eqs = {v: e for v, e in eqs.items() if v not in do}
        context = {**{v: x for v, x in background.items() if v not in do}, **do}
        return actual.solve(domains, eqs, context)

    def settings(self):
        total = 1
        for v in self.background:
            total *= len(self.domains[v])
        if total > MAX_WORLDS:
            raise Rejected("too many background settings to check")
        for values in itertools.product(*(self.domains[v] for v in self.background)):
            yield dict(zip(self.background, values))

    def assignment(self, f) -> tuple:
        match f:
            case S.Atom(name, ()) if name in self.domains:
                return name, True
            case S.Not(S.Atom(name, ())) if name in self.domains:
                return name, False
            case S.Cmp("=", S.Const(name), value) if name in self.domains:
                v = _term(value, {})
                if self.domains[name] == (False, True) and not isinstance(v, bool) and v in (0, 1):
                    v = bool(v)         # x = 1 is x
                return name, _normal(self.domains[name], v)
        raise Rejected(f"not an assignment: {f!r}")

    def do(self, items) -> dict:
        out = {}
        for d in items:
            for f in d.items:
                var, value = self.assignment(f)
                if value is None or out.get(var, value) != value:
                    raise Rejected(f"a bad intervention on {var!r}")
                out[var] = value
        return out


def _domain(sort, signature):
    if sort == "bool":
        return (False, True)
    info = signature.sorts.get(sort)
    if info is None or info.kind not in ("enum", "range"):
        raise Rejected(f"the sort {sort!r} of a causal variable is not finite")
    return tuple(info.elements)


def _names(node):
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, S.Atom) and not n.args:
            yield n.pred
        elif isinstance(n, S.Const):
            yield n.name
        stack.extend(S.children(n))


def _normal(domain, value):
    if isinstance(value, Fraction) and value.denominator == 1:
        value = int(value)
    for d in domain:
        if d == value and type(d) is type(value):
            return d
    return None


def _function(rhs, domain):
    boolean = domain == (False, True)

    def f(values):
        v = _normal(domain, _value(rhs, values) if boolean else _term(rhs, values))
        if v is None:
            raise Rejected("an equation's value is outside its variable's domain")
        return v
    return f


def _term(t, world):
    match t:
        case S.Const(name):
            return world[name] if name in world else _TRUTH.get(name, name)
        case S.Num(value):
            return Fraction(value)
        case S.Atom(name, ()):
            return world[name] if name in world else _TRUTH[name]
        case S.Op("-", (a,)):
            return -_num(_term(a, world))
        case S.Op(op, (a, b)):
            x, y = _num(_term(a, world)), _num(_term(b, world))
            if op == "/":
                return Fraction(0) if y == 0 else x / y
            return x + y if op == "+" else x - y if op == "-" else x * y
    return _value(t, world)


def _num(x):
    if isinstance(x, bool) or not isinstance(x, (int, Fraction)):
        raise Rejected("arithmetic on a non-number")
    return Fraction(x)


def _value(f, world):
    """A formula's truth (or a term's value) in a world: the kernel's own evaluator."""
    match f:
        case S.Atom(name, ()):
            v = world[name] if name in world else _TRUTH.get(name)
            if not isinstance(v, bool):
                raise Rejected(f"{name!r} is not a truth value here")
            return v
        case S.Not(b):
            return not _value(b, world)
        case S.And(items):
            return all(_value(x, world) for x in items)
        case S.Or(items):
            return any(_value(x, world) for x in items)
        case S.Implies(a, b):
            return (not _value(a, world)) or _value(b, world)
        case S.Iff(a, b):
            return _value(a, world) == _value(b, world)
        case S.Cmp(op, a, b):
            x, y = _term(a, world), _term(b, world)
            if op in ("=", "!="):
                same = x == y and (type(x) is type(y) or not isinstance(x, (bool, str)) and not isinstance(y, (bool, str)))
                return same == (op == "=")
            x, y = _num(x), _num(y)
            return x < y if op == "<" else x <= y if op == "<=" else x > y if op == ">" else x >= y
        case S.Const() | S.Num() | S.Op():
            return _term(f, world)
    raise Rejected(f"cannot evaluate {f!r}")


def _plain(v):
    return tuple(_plain(x) for x in v) if isinstance(v, list) else v


def _pairs(d) -> dict:
    if not isinstance(d, list) or not all(isinstance(p, list) and len(p) == 2 for p in d):
        raise Rejected("malformed assignment list")
    return {k: v for k, v in d}
