"""Linear recursion with one bound argument, answered without the whole relation.

`path(n0, Y)` over `path(X, Z) :- edge(X, Y), path(Y, Z).` makes magic sets compute
`path(y, _)` for every y reachable from n0: the whole closure. But in a right-linear rule
the second argument passes through unchanged, so (the classic factoring of magic programs)

    path(c, Z)  iff  reach(Y) and exit(Y, Z),   reach(c).   reach(Y) :- reach(X), edge(X, Y).

where `exit` is any rule for path without path in its body (and path's own facts). Likewise a
left-linear rule (`path(X, Z) :- path(X, Y), edge(Y, Z).`) with the second argument bound
walks backwards. This holds when every rule for the predicate is an exit or such a linear rule
and none of their other body predicates depends on the predicate; otherwise `factored`
returns None and the caller uses magic sets. Proofs are built per answer from a point query.
"""
from __future__ import annotations

from .core import HornRule
from .magic import solve
from ..language.graph import reachable
from .compile import HornError
from ..language.syntax import Var
from ..language.terms import free_vars

REACH, ANSWER, BASE = "reach\u2020", "answer\u2020", "base\u2020"   # never user predicate names


def factored(rules, facts: dict, pred: str, pattern: tuple) -> set | None:
    """Every tuple of the binary `pred` with the one bound value of `pattern`, or None."""
    if len(pattern) != 2 or (pattern[0] is None) == (pattern[1] is None):
        return None
    bound = 0 if pattern[0] is not None else 1
    mine = [r for r in rules if r.head[0] == pred]
    others = [r for r in rules if r.head[0] != pred]
    if not any(pred in _body_preds(r) for r in mine) or _depends_on(others, mine, pred):
        return None
    new = []
    for r in mine:
        rewritten = _rewrite(r, pred, bound)
        if rewritten is None:
            return None
        new.append(rewritten)
    x, z = Var("X\u2020"), Var("Z\u2020")
    base_body = (("pos", REACH, (x,)), ("pos", BASE, (x, z))) if bound == 0 else \
        (("pos", REACH, (z,)), ("pos", BASE, (x, z)))
    new.append(HornRule((ANSWER, (z,) if bound == 0 else (x,)), base_body, -1))
    given = {**facts, REACH: {(pattern[bound],)}, BASE: set(facts.get(pred, ()))}
    try:
        model = solve(others + new, given, ANSWER, (None,))
    except HornError:
        return None
    c = pattern[bound]
    return {(c, v) if bound == 0 else (v, c) for (v,) in model.tuples(ANSWER)}


def _rewrite(r: HornRule, pred: str, bound: int) -> HornRule | None:
    """An exit rule -> answer(free) :- reach(bound arg), body; a linear rule -> reach rule."""
    recursive = [k for k, lit in enumerate(r.body) if lit[0] != "cmp" and lit[1] == pred]
    head = r.head[1]
    if not recursive:
        return HornRule((ANSWER, (head[1 - bound],)), (("pos", REACH, (head[bound],)),) + r.body, r.index)
    if len(recursive) != 1 or r.body[recursive[0]][0] != "pos":
        return None
    args = r.body[recursive[0]][2]
    through, step = head[1 - bound], args[bound]       # passed unchanged; the new bound value
    start = head[bound]
    if not all(isinstance(a, Var) and a.name != "_" for a in (through, step, start)) \
            or args[1 - bound] != through or len({through.name, step.name, start.name}) != 3:
        return None
    rest = tuple(lit for k, lit in enumerate(r.body) if k != recursive[0])
    if any(through.name in free_vars(t) for lit in rest for t in _terms(lit)):
        return None
    return HornRule((REACH, (step,)), (("pos", REACH, (start,)),) + rest, r.index)


def _terms(lit) -> tuple:
    return (lit[2], lit[3]) if lit[0] == "cmp" else tuple(lit[2])


def _body_preds(r: HornRule) -> set:
    return {lit[1] for lit in r.body if lit[0] != "cmp"}


def _depends_on(others: list, mine: list, pred: str) -> bool:
    """Whether a body predicate (other than pred itself) of pred's rules depends on pred."""
    heads: dict = {}
    for r in others:
        heads.setdefault(r.head[0], set()).update(_body_preds(r))
    return pred in reachable(heads, {p for r in mine for p in _body_preds(r) if p != pred})
