"""Actual causation re-checked: Halpern's modified HP definition (IJCAI 2015), on plain data.

A deterministic model is `domains` (variable -> tuple of values), `equations` (endogenous
variable -> (parents, function of a dict of the parents' values)) and `context` (the values of
the variables without an equation). The kernel solves it itself (its own topological order,
found by depth-first search; a cycle, an unknown parent or a value outside a domain is
Rejected) and trusts nothing of engine/causal.

X = x is an actual cause of phi in (M, u) iff
  AC1  X = x and phi hold in the actual world;
  AC2  for some W (endogenous, disjoint from X) held at its actual values w* and some x':
       (M, u) |= [X <- x', W <- w*] not phi;
  AC3  no strict nonempty subset of X satisfies AC1 and AC2.
With `but_for=True` W must be empty, in AC2 and in the AC3 search alike.

`check_cause` accepts a positive verdict given its witness (x', W = w*): AC1 and AC2 are
recomputed, AC3 by an exhaustive search of its own over every strict subset, every W among
all the other endogenous variables and every x'. `check_not_cause` accepts a negative one:
AC1 fails, or AC2 fails (exhaustively: every W, every x'), or AC3 fails with a smaller cause
whose own witness it checks. Searches over `budget` candidates are Rejected ("too large to
check") before any is tried.
"""
from __future__ import annotations

import itertools

from .terms import Rejected

BUDGET = 2 ** 16


def _show(assignment) -> str:
    return " & ".join(f"{k} = {v!r}" for k, v in assignment.items()) or "(nothing)"


def _order(equations, context) -> list:
    """The endogenous variables, each after its parents (depth-first, cycles Rejected)."""
    order, done, on_path = [], set(), set()
    for root in equations:
        if root in done:
            continue
        on_path.add(root)
        stack = [(root, iter(equations[root][0]))]
        while stack:
            v, parents = stack[-1]
            for p in parents:
                if p in context:
                    continue
                if p not in equations:
                    raise Rejected(f"{v!r} reads {p!r}, which has neither an equation nor a context value")
                if p in on_path:
                    raise Rejected(f"the equations are cyclic: {p!r} depends on itself through {v!r}")
                if p not in done:
                    on_path.add(p)
                    stack.append((p, iter(equations[p][0])))
                    break
            else:
                stack.pop()
                on_path.discard(v)
                done.add(v)
                order.append(v)
    return order


def _in_domain(domains, v, value, what: str) -> None:
    if v not in domains:
        raise Rejected(f"{what} {v!r} has no domain")
    if value not in domains[v]:
        raise Rejected(f"{what} {v} = {value!r} is outside its domain {tuple(domains[v])!r}")


def solve(domains, equations, context, do=None) -> dict:
    """Every variable's value under the intervention `do` (a dict over endogenous variables)."""
    do = do or {}
    for v, value in context.items():
        if v in equations:
            raise Rejected(f"{v!r} has both an equation and a context value")
        if v in domains and value not in domains[v]:
            raise Rejected(f"the context value {v} = {value!r} is outside its domain")
    for v, value in do.items():
        if v not in equations:
            raise Rejected(f"the intervention sets {v!r}, which is not endogenous")
        _in_domain(domains, v, value, "the intervention's")
    world = dict(context)
    for v in _order(equations, context):
        if v in do:
            world[v] = do[v]
            continue
        parents, function = equations[v]
        try:
            value = function({p: world[p] for p in parents})
        except Exception as error:  # the caller's function: its failure is a rejection
            raise Rejected(f"the equation for {v!r} failed: {error!r}") from None
        _in_domain(domains, v, value, "the equation's value for")
        world[v] = value
    return world


def _holds(effect, world) -> bool:
    try:
        return bool(effect(dict(world)))
    except Exception as error:
        raise Rejected(f"the effect could not be evaluated: {error!r}") from None


def _cause_shape(domains, equations, cause) -> None:
    if not cause:
        raise Rejected("a cause is a nonempty conjunction X = x")
    for v, value in cause.items():
        if v not in equations:
            raise Rejected(f"the cause's variable {v!r} is not endogenous")
        _in_domain(domains, v, value, "the cause's")


def _ac1(actual, cause, effect) -> str | None:
    """Why AC1 fails, or None if it holds."""
    for v, value in cause.items():
        if actual[v] != value:
            return f"AC1 fails: {v} is {actual[v]!r} in the actual world, not {value!r}"
    if not _holds(effect, actual):
        return "AC1 fails: the effect does not hold in the actual world"
    return None


def _ac1_ac2(domains, equations, context, cause, effect, alternative, contingency, but_for) -> dict:
    """Rejected unless the cause satisfies AC1 and AC2 by this witness; the actual world."""
    _cause_shape(domains, equations, cause)
    actual = solve(domains, equations, context)
    why = _ac1(actual, cause, effect)
    if why:
        raise Rejected(why)
    if set(alternative) != set(cause):
        raise Rejected(f"the alternative sets {sorted(map(str, alternative))}, not the cause's variables "
                       f"{sorted(map(str, cause))}")
    for v, value in alternative.items():
        _in_domain(domains, v, value, "the alternative's")
    if but_for and contingency:
        raise Rejected("a but-for cause has no contingency")
    for v, value in contingency.items():
        if v not in equations:
            raise Rejected(f"the contingency holds {v!r}, which is not endogenous")
        if v in cause:
            raise Rejected(f"the contingency holds {v!r}, a variable of the cause")
        if actual[v] != value:
            raise Rejected(f"the contingency must hold {v} at its actual value {actual[v]!r}, not {value!r} "
                           "(modified HP)")
    do = dict(alternative)
    do.update(contingency)
    if _holds(effect, solve(domains, equations, context, do)):
        raise Rejected(f"AC2 fails for this witness: under [{_show(do)}] the effect still holds")
    return actual


def _search(domains, equations, context, cause, effect, actual, budget, but_for):
    """Exhaustively: (x', W) with [X <- x', W <- w*] not phi, or None. Rejected when the
    candidates number more than budget[0] (what is left of the budget, spent here)."""
    xs = list(cause)
    others = [] if but_for else [v for v in equations if v not in cause]
    settings = 1
    for x in xs:
        settings *= len(domains[x])
    total = settings * 2 ** len(others)
    if total > budget[0]:
        raise Rejected(f"too large to check: {total} candidate contingencies for {_show(cause)}")
    budget[0] -= total
    for alt in itertools.product(*(domains[x] for x in xs)):
        for k in range(len(others) + 1):
            for ws in itertools.combinations(others, k):
                do = dict(zip(xs, alt))
                do.update((w, actual[w]) for w in ws)
                if not _holds(effect, solve(domains, equations, context, do)):
                    return dict(zip(xs, alt)), {w: actual[w] for w in ws}
    return None


def check_cause(domains, equations, context, cause, effect, alternative, contingency, *,
                budget: int = BUDGET, but_for: bool = False) -> None:
    """Rejected unless `cause` is an actual cause of `effect` (modified HP), AC2 witnessed by
    [cause <- alternative, contingency] with the contingency at its actual values."""
    cause, alternative, contingency = dict(cause), dict(alternative), dict(contingency)
    actual = _ac1_ac2(domains, equations, context, cause, effect, alternative, contingency, but_for)
    left = [budget]
    xs = list(cause)
    for k in range(1, len(xs)):
        for sub in itertools.combinations(xs, k):
            part = {x: cause[x] for x in sub}
            found = _search(domains, equations, context, part, effect, actual, left, but_for)
            if found is not None:
                raise Rejected(f"AC3 fails: the cause is not minimal, {_show(part)} is already a cause "
                               f"(set {_show(found[0])}, hold {_show(found[1])})")


def check_not_cause(domains, equations, context, cause, effect, condition: str, *, smaller=None,
                    alternative=None, contingency=None, budget: int = BUDGET, but_for: bool = False) -> None:
    """Rejected unless `cause` is not an actual cause of `effect` because `condition` fails:
    'AC1' (recomputed), 'AC2' (every W and x' searched) or 'AC3' (`smaller`, a strict subset of
    the cause, satisfies AC1 and AC2 by `alternative` and `contingency`)."""
    cause = dict(cause)
    _cause_shape(domains, equations, cause)
    if condition == "AC1":
        if _ac1(solve(domains, equations, context), cause, effect) is None:
            raise Rejected("AC1 holds: the cause and the effect both hold in the actual world")
    elif condition == "AC2":
        actual = solve(domains, equations, context)
        found = _search(domains, equations, context, cause, effect, actual, [budget], but_for)
        if found is not None:
            raise Rejected(f"AC2 holds: setting {_show(found[0])} and holding {_show(found[1])} "
                           "makes the effect fail")
    elif condition == "AC3":
        smaller = dict(smaller or {})
        if not smaller or len(smaller) >= len(cause) or any(v not in cause or cause[v] != value
                                                            for v, value in smaller.items()):
            raise Rejected(f"{_show(smaller)} is not a strict nonempty part of {_show(cause)}")
        _ac1_ac2(domains, equations, context, smaller, effect, dict(alternative or {}), dict(contingency or {}),
                 but_for)
    else:
        raise Rejected(f"unknown condition {condition!r} (AC1, AC2 or AC3)")
