"""Positive formulas decided in the least model.

A formula built from atoms, `=`/`!=` between constants or numbers, `&`, `|`, `exists` and
`forall` (over finite sorts) is *positive*: true in a model stays true in every larger one.
When the relevant part of the KB is definite rules (with denials, see engine/reason/denials.py),
every model contains the least model LM, and LM is itself a model; so a positive formula is
entailed exactly when it holds in LM. `support` evaluates it there and returns the atoms
of LM that make it true (they become Horn-proved premises of one `smt` step), or None
when it fails in LM (then the formula is not entailed; whether its negation is, z3 says).
"""
from __future__ import annotations

from ..language import syntax as S
from .denials import violation
from ..language.terms import substitute, value_term
from ..language.values import compare

MAX_INSTANCES = 100_000
MAX_HYPOTHESES = 256      # least models of KB + hypotheses computed per query, at most


class NotPositive(Exception):
    """The formula is outside the positive fragment (or too large to enumerate)."""


def is_positive(f) -> bool:
    match f:
        case S.Atom(_, args):
            return all(isinstance(a, (S.Var, S.Const, S.Num)) for a in args)
        case S.Cmp(op, l, r):
            return op in ("=", "!=") and all(isinstance(t, (S.Var, S.Const, S.Num)) for t in (l, r))
        case S.And(items) | S.Or(items):
            return all(map(is_positive, items))
        case S.Quant(_, _, body):
            return is_positive(body)
    return False


def support(f, model, sig) -> list | None:
    """Ground atoms (pred, values) of `model` that make the closed positive formula f true,
    or None when f is false in `model`. Raises NotPositive when f cannot be evaluated."""
    budget = [MAX_INSTANCES]
    return _support(f, model, sig, budget)


def _support(f, model, sig, budget):
    budget[0] -= 1
    if budget[0] < 0:
        raise NotPositive("too many instances")
    match f:
        case S.Atom(pred, args):
            values = tuple(_value(a) for a in args)
            return [(pred, values)] if model.contains(pred, values) else None
        case S.Cmp(op, l, r):
            return [] if _compare(op, l, r, sig) else None
        case S.And(items):
            return _all_cores(_support(x, model, sig, budget) for x in items)
        case S.Or(items):
            return _first(_support(x, model, sig, budget) for x in items)
        case S.Quant(kind, _, _):
            name, sort, rest = _split(f)
            parts = (substitute(rest, {name: value_term(v)}) for v in _candidates(kind, name, sort, rest, model, sig))
            found = (_support(x, model, sig, budget) for x in parts)
            return _all_cores(found) if kind == "forall" else _first(found)
    raise NotPositive(f"not a positive formula: {S.show_formula(f)}")


def _candidates(kind: str, name: str, sort: str, body, model, sig):
    """The values a quantified variable ranges over: its finite sort, or, for `exists` over an
    atom that mentions it, the values that atom has in the model."""
    domain = sig.domain(sort)
    if domain is not None:
        return domain
    if kind == "exists" and isinstance(body, S.Atom):
        cols = [k for k, a in enumerate(body.args) if isinstance(a, S.Var) and a.name == name]
        if cols:
            return sorted({t[cols[0]] for t in model.tuples(body.pred)}, key=repr)
    raise NotPositive(f"variable {name} ranges over the infinite or open sort {sort}")


def _compare(op: str, left, right, sig) -> bool:
    """`=` or `!=` between two values, by name: only where unique names hold (numbers, and
    constants of named sorts); two constants of an open sort may denote one individual."""
    a, b = _value(left), _value(right)
    for v in (a, b):
        if isinstance(v, str) and sig.domain(sig.consts.get(v, "")) is None:
            raise NotPositive(f"{v} belongs to an open sort: no unique names")
    return compare(op, a, b)


def _value(t):
    if isinstance(t, S.Const):
        return t.name
    if isinstance(t, S.Num):
        return t.value
    raise NotPositive("a free variable")


# ---------------------------------------------------------------- false or unknown, with denials
def refutation(f, theory, indices, sig) -> list | None:
    """For a positive formula in a definite-with-denials part of the KB (engine/reason/denials.py):
    a core showing that the KB entails `not f` (each atom that f would need leads to a
    violation), or None when no such core is found."""
    memo: dict = {}
    spent: dict = {}

    def refuted(atom):
        if atom not in memo:
            _spend(spent)
            memo[atom] = violation(theory, indices, [atom])
        return memo[atom]

    def walk(g):
        match g:
            case S.Atom(pred, args):
                return refuted((pred, tuple(_value(a) for a in args)))
            case S.Cmp(op, l, r):
                return None if _compare(op, l, r, sig) else []
            case S.And(items):
                return _first(map(walk, items))
            case S.Or(items):
                return _all_cores(map(walk, items))
            case S.Quant(kind, _, _):
                parts = _instances(g, sig)
                if parts is None:
                    return None
                cores = map(walk, parts)
                return _all_cores(cores) if kind == "exists" else _first(cores)
        return None
    return walk(f)


def _split(q: S.Quant) -> tuple:
    """(first variable, its sort, the formula quantified over the others)."""
    (name, sort), rest = q.vars[0], (S.Quant(q.kind, q.vars[1:], q.body) if len(q.vars) > 1 else q.body)
    return name, sort, rest


def _instances(q: S.Quant, sig):
    """The instances of a quantifier's first variable over its finite sort (None if infinite)."""
    name, sort, rest = _split(q)
    domain = sig.domain(sort)
    return None if domain is None else (substitute(rest, {name: value_term(v)}) for v in domain)


def _spend(counter: dict) -> None:
    counter["n"] = counter.get("n", 0) + 1
    if counter["n"] > MAX_HYPOTHESES:
        raise NotPositive("too many hypotheses to check by forward chaining")


def _first(cores) -> list | None:
    """The first that is not None (a disjunction's or an existential's witness)."""
    return next((c for c in cores if c is not None), None)


def _all_cores(cores) -> list | None:
    out = []
    for c in cores:
        if c is None:
            return None
        out += c
    return out


def extension(f, theory, indices, sig) -> list | None:
    """Atoms whose addition to the KB makes the positive formula f true without any violation
    (found greedily, left to right), or None: a model of the KB where f holds."""
    chosen: list = []
    spent: dict = {}

    def holds_with(atom) -> bool:
        if theory.model.contains(*atom) or atom in chosen:
            return True
        _spend(spent)
        chosen.append(atom)
        if violation(theory, indices, chosen) is not None:
            chosen.pop()
            return False
        return True

    def walk(g) -> bool:
        match g:
            case S.Atom(pred, args):
                return holds_with((pred, tuple(_value(a) for a in args)))
            case S.Cmp(op, l, r):
                return _compare(op, l, r, sig)
            case S.And(items):
                return all(walk(x) for x in items)
            case S.Or(items):
                return any(_try(walk, x, chosen) for x in items)
            case S.Quant(kind, _, _):
                parts = _instances(g, sig)
                if parts is None:
                    return False
                return any(_try(walk, x, chosen) for x in parts) if kind == "exists" else all(map(walk, parts))
        return False
    return chosen if walk(f) else None


def _try(walk, g, chosen: list) -> bool:
    """walk(g), undoing the atoms it chose when it fails."""
    mark = len(chosen)
    if walk(g):
        return True
    del chosen[mark:]
    return False

