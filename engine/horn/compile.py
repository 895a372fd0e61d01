"""Horn rules in, checked and ordered rules out: the front half of the Horn core.

`normalize` turns a `HornRule` over syntax terms into a `Clause` over ground
values (str constants, int or Fraction numbers) and `Var`s. `check_safe` rejects
rules whose variables are not bound by a positive literal or an `=` assignment.
An anonymous `_` becomes a fresh variable `_#n`; under `not` it is bound by nothing and
means "any value" (`not p(X, _)`: no tuple of p has X first), see `anonymous`.
`strata` splits the predicates into strongly connected components in the order
they must be evaluated, and rejects a cycle through negation. `plan` orders the
body of a clause into a join: which literal first, which are filters, which bind.
"""
from __future__ import annotations

import functools

from dataclasses import dataclass, field
from fractions import Fraction

from ..language.graph import components, path
from ..language.safety import unbound
from ..language.values import number
from ..language.syntax import Const, Num, Op, Var

CMP_OPS = frozenset({"=", "!=", "<", "<=", ">", ">="})
ARITH_OPS = frozenset({"+", "-", "*", "/"})


class HornError(Exception):
    """A Horn program that cannot be evaluated: an unsafe rule, or a cycle
    through negation (the message names the cycle). Fix the rule it names:
    bind every variable in a positive body literal, or break the cycle."""


@dataclass(frozen=True)
class HornRule:
    """head = (pred, args); body literals ("pos"|"neg", pred, args) or ("cmp", op, l, r)."""

    head: tuple
    body: tuple
    index: int


@dataclass(frozen=True)
class Lit:
    """A normalized body literal. For "cmp", `pred` is the operator and args is (left, right)."""

    kind: str
    pred: str
    args: tuple

    @property
    def is_atom(self) -> bool:
        return self.kind != "cmp"


@dataclass(frozen=True)
class Clause:
    """A normalized rule: atom arguments are `Var`s or ground values."""

    pred: str
    args: tuple
    body: tuple
    index: int
    names: tuple = field(default=(), compare=False)  # every variable, first-occurrence order


# ---------------------------------------------------------------- normalization
@functools.lru_cache(maxsize=8192)
def normalize(rule: HornRule) -> Clause:
    """The clause of a HornRule; each anonymous `_` becomes a fresh variable. (A pure function
    of the frozen rule: the rules of a library are normalized once for all the KBs using it.)"""
    fresh = iter(range(1 << 30))
    pred, args = rule.head
    head = tuple(_atom_arg(a, fresh, rule) for a in args)
    body = tuple(_literal(lit, fresh, rule) for lit in rule.body)
    names = _names((head,) + tuple(lit.args for lit in body))
    return Clause(pred, head, body, rule.index, names)


def _literal(lit: tuple, fresh, rule) -> Lit:
    kind = lit[0]
    if kind in ("pos", "neg"):
        return Lit(kind, lit[1], tuple(_atom_arg(a, fresh, rule) for a in lit[2]))
    if kind == "cmp" and lit[1] in CMP_OPS:
        return Lit("cmp", lit[1], (_term(lit[2], fresh, rule), _term(lit[3], fresh, rule)))
    raise HornError(f"rule {rule.index}: unknown body literal {lit!r}")


def _atom_arg(t, fresh, rule):
    value = _term(t, fresh, rule)
    if isinstance(value, Op):
        raise HornError(f"rule {rule.index}: arithmetic {t!r} inside an atom; "
                        "bind it with `V = ...` and use V")
    return value


def _term(t, fresh, rule):
    match t:
        case Var("_"):
            return Var(f"_#{next(fresh)}")
        case Var():
            return Var(t.name)
        case Const(name):
            return name
        case Num(value):
            return number(value)
        case Op(op, args) if (op in ARITH_OPS and len(args) == 2) or (op == "-" and len(args) == 1):
            return Op(op, tuple(_term(a, fresh, rule) for a in args))
        case str() | int() | Fraction():
            return number(t) if not isinstance(t, str) else t
    raise HornError(f"rule {rule.index}: unsupported term {t!r} (variables, constants, "
                    "numbers and + - * / only)")


def _names(parts) -> tuple:
    seen: dict = {}
    for part in parts:
        for v in term_vars(part):
            seen.setdefault(v, None)
    return tuple(seen)


def term_vars(t) -> list:
    """Variable names of a term, atom argument tuple or expression, in order."""
    if isinstance(t, Var):
        return [t.name]
    if isinstance(t, Op):
        t = t.args
    if isinstance(t, tuple):
        return [n for a in t for n in term_vars(a)]
    return []


def anonymous(a) -> bool:
    """An anonymous `_` of the rule, as `normalize` names it (`_#n`)."""
    return isinstance(a, Var) and a.name.startswith("_#")


def lit_vars(lit: Lit) -> set:
    """The variables a literal needs bound (a negated atom's `_` needs nothing: it reads
    "for no value") or, for a positive atom, binds."""
    if lit.kind == "neg":
        return {n for a in lit.args if not anonymous(a) for n in term_vars(a)}
    return set(term_vars(lit.args))


# ---------------------------------------------------------------- safety
def check_safe(c: Clause) -> None:
    """Every variable of the head, a negation or a comparison must be bound."""
    binders = [lit_vars(l) for l in c.body if l.kind == "pos"]
    assignments = [(var.name if isinstance(var, Var) else None, term_vars(expr))
                   for l in c.body if l.kind == "cmp" and l.pred == "="
                   for var, expr in (l.args, l.args[::-1])]
    for where, names in [("the head", term_vars(c.args))] + [
            (_show_lit(l), lit_vars(l)) for l in c.body if l.kind != "pos"]:
        loose = sorted(unbound(binders, names, assignments))
        if loose:
            raise HornError(f"rule {c.index}: unsafe variable {', '.join(loose)} in {where}: "
                            "it must occur in a positive body literal or be assigned with `=`")


def assignment(lit: Lit, bound: set):
    """(var name, expression) when `lit` is `V = e` (or `e = V`) with V unbound, e bound."""
    if lit.kind != "cmp" or lit.pred != "=":
        return None
    for var, expr in (lit.args, lit.args[::-1]):
        if isinstance(var, Var) and var.name not in bound and set(term_vars(expr)) <= bound:
            return var.name, expr
    return None


def _show_lit(lit: Lit) -> str:
    if lit.kind == "cmp":
        return f"a comparison {lit.pred}"
    return f"not {lit.pred}(...)" if lit.kind == "neg" else f"{lit.pred}(...)"


# ---------------------------------------------------------------- stratification
def strata(clauses, preds) -> list:
    """Strongly connected components of the predicate graph, dependencies first.
    Raises HornError naming a cycle through negation."""
    deps: dict = {p: set() for p in preds}
    for c in clauses:
        deps.setdefault(c.pred, set())
        for lit in c.body:
            if lit.is_atom:
                deps[c.pred].add(lit.pred)
                deps.setdefault(lit.pred, set())
    comps = components(deps)
    where = {p: i for i, comp in enumerate(comps) for p in comp}
    for c in clauses:
        for lit in c.body:
            if lit.kind == "neg" and where[lit.pred] == where[c.pred]:
                cycle = path(deps, lit.pred, c.pred, comps[where[c.pred]])
                raise HornError(f"rule {c.index}: cycle through negation: "
                                f"{c.pred} -> not " + " -> ".join(cycle))
    return comps


# ---------------------------------------------------------------- join planning
def plan(c: Clause, first=None, bound=(), size=None) -> list:
    """Body literal positions in join order. `first` (a delta literal) goes first;
    filters run as soon as their variables are bound; then the positive atom
    with the most bound arguments (ties: the smaller relation, then body order)."""
    size = size or (lambda pred: 0)
    bound, todo, order = set(bound), list(range(len(c.body))), []
    if first is not None:
        todo.remove(first)
        order.append(first)
        bound |= lit_vars(c.body[first])
    while todo:
        i = _ready(c.body, todo, bound)
        if i is None:
            i = max((j for j in todo if c.body[j].kind == "pos"),
                    key=lambda j: _score(c.body[j], bound, size, j), default=None)
        if i is None:
            raise HornError(f"rule {c.index}: body literals can never be evaluated (unsafe)")
        todo.remove(i)
        order.append(i)
        bound |= lit_vars(c.body[i])
    return order


def _ready(body, todo, bound):
    for i in todo:
        lit = body[i]
        if lit_vars(lit) <= bound or assignment(lit, bound) is not None:
            return i
    return None


def _score(lit: Lit, bound: set, size, j: int):
    nb = sum(1 for a in lit.args if not isinstance(a, Var) or a.name in bound)
    return (nb > 0, nb, -size(lit.pred), -j)
