"""Actual causation in a deterministic causal model: Halpern's modified HP definition
(J. Y. Halpern, "A modification of the Halpern-Pearl definition of causality", IJCAI 2015;
*Actual Causality*, MIT Press 2016, ch. 2), searched exactly; its verdicts are re-checked by
engine/kernel/actual.py, which trusts nothing of this module.

A model is plain data:
  * `domains`: variable -> tuple of values (hashable: bools, ints, strings);
  * `equations`: variable -> (parents, function), for the endogenous variables; `function`
    receives a dict of its parents' values (only those) and returns the variable's value;
  * `context`: variable -> value, for the variables without an equation (the exogenous or
    background ones, fixed throughout an actual-causation query).

A cause is a conjunction X = x (a dict over endogenous variables); the effect phi is a
callable on a world (a dict of every variable's value, context included) returning a bool.

X = x is an actual cause of phi in (M, u) iff
  AC1  X = x and phi hold in the actual world;
  AC2  (a^m) for some set W of endogenous variables outside X, with w* their actual values,
       and some setting x' of X:  (M, u) |= [X <- x', W <- w*] not phi;
  AC3  no strict nonempty subset of X satisfies AC1 and AC2.
A but-for cause is the special case W = {} (AC2 and AC3 both read with W empty).

The search: W runs over subsets of the descendants of X outside X, smallest first (so the
empty W, the but-for test, comes first), and x' over the product of X's domains less x
itself. Restricting W to descendants is exact: a non-descendant of X takes its actual value
under [X <- x', W <- w*] anyway, so holding it there changes nothing. Every (W, x') tried is
charged to a budget (2^16 by default, per call); when it runs out the answer is `Unknown`
("search budget exhausted"), never a wrong `NotACause`.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable, Mapping

from .scm import SCMError

DEFAULT_BUDGET = 2 ** 16
EXHAUSTED = "search budget exhausted"


# ---------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class Witness:
    """X = x is an actual cause: setting X to `alternative` with `contingency` (W, held at its
    actual values) makes the effect fail, in the world `counterfactual`; `subsets_checked` are
    the strict nonempty subsets of the cause shown not to satisfy AC2 (AC3)."""
    cause: dict
    alternative: dict
    contingency: dict
    counterfactual: dict
    actual: dict
    subsets_checked: tuple = ()
    effect: str = "the effect"

    @property
    def but_for(self) -> bool:
        return not self.contingency

    def __str__(self) -> str:
        how = "but for it" if self.but_for else f"holding {_show(self.contingency)} (actual values)"
        return (f"{_show(self.cause)} is an actual cause of {self.effect}: {how}, "
                f"setting {_show(self.alternative)} makes {self.effect} fail")


@dataclass(frozen=True, eq=False)
class NotACause:
    """X = x is not an actual cause; `condition` ('AC1', 'AC2' or 'AC3') is the one that fails.
    For AC3, `smaller` is the witness of a strict subset that is itself an actual cause."""
    cause: dict
    condition: str
    reason: str
    smaller: Witness | None = None

    def __str__(self) -> str:
        return f"{_show(self.cause)} is not an actual cause ({self.condition}): {self.reason}"


@dataclass(frozen=True, eq=False)
class Unknown:
    """The search ran out of budget while settling `condition`; nothing is claimed."""
    cause: dict
    condition: str
    reason: str = EXHAUSTED
    tried: int = 0

    def __str__(self) -> str:
        return f"{_show(self.cause)}: unknown ({self.reason} while checking {self.condition})"


@dataclass(frozen=True, eq=False)
class Causes:
    """The answer of `causes_of`: the minimal actual causes found (each a `Witness`) and the
    candidates the budget left undecided (each an `Unknown`). Iterates over `found`."""
    found: list = field(default_factory=list)
    undecided: list = field(default_factory=list)

    def __iter__(self):
        return iter(self.found)

    def __len__(self) -> int:
        return len(self.found)


def _show(assignment: Mapping) -> str:
    return " & ".join(f"{k} = {v!r}" for k, v in assignment.items()) or "(nothing)"


# ---------------------------------------------------------------- the model
class _Model:
    """The model checked once: a topological order, the children of each variable."""

    def __init__(self, domains: Mapping, equations: Mapping, context: Mapping):
        self.domains, self.equations, self.context = domains, equations, context
        for v in equations:
            if v in context:
                raise SCMError(f"{v!r} has both an equation and a context value")
            if v not in domains:
                raise SCMError(f"{v!r} has an equation but no domain")
        for v in domains:
            if v not in equations and v not in context:
                raise SCMError(f"{v!r} has neither an equation nor a context value")
        for v, value in context.items():
            if v in domains and value not in domains[v]:
                raise SCMError(f"context value {v} = {value!r} is outside its domain")
        self.children: dict = {v: [] for v in equations}
        indegree = {}
        for v, (parents, _) in equations.items():
            indegree[v] = 0
            for p in parents:
                if p in equations:
                    self.children[p].append(v)
                    indegree[v] += 1
                elif p not in context:
                    raise SCMError(f"{v!r} reads {p!r}, which has neither an equation nor a context value")
        ready = [v for v in equations if indegree[v] == 0]
        self.order = []
        while ready:
            v = ready.pop(0)
            self.order.append(v)
            for c in self.children[v]:
                indegree[c] -= 1
                if indegree[c] == 0:
                    ready.append(c)
        if len(self.order) != len(equations):
            raise SCMError("the equations are cyclic: " + ", ".join(sorted(map(str, set(equations) - set(self.order)))))

    def solve(self, do: Mapping | None = None) -> dict:
        do = do or {}
        world = dict(self.context)
        for v in self.order:
            if v in do:
                world[v] = do[v]
                continue
            parents, function = self.equations[v]
            value = function({p: world[p] for p in parents})
            if value not in self.domains[v]:
                raise SCMError(f"the equation for {v!r} gives {value!r}, outside its domain")
            world[v] = value
        return world

    def descendants(self, xs) -> list:
        """The endogenous variables reachable from xs by a directed path, xs excluded, in order."""
        seen, todo = set(), list(xs)
        while todo:
            for c in self.children[todo.pop()]:
                if c not in seen:
                    seen.add(c)
                    todo.append(c)
        return [v for v in self.order if v in seen and v not in xs]

    def check_assignment(self, assignment: Mapping, what: str) -> None:
        for v, value in assignment.items():
            if v not in self.equations:
                raise SCMError(f"{what} {v!r} is not an endogenous variable")
            if value not in self.domains[v]:
                raise SCMError(f"{what} {v} = {value!r} is outside its domain")


def actual_world(domains: Mapping, equations: Mapping, context: Mapping, do: Mapping | None = None) -> dict:
    """Every variable's value in the context, with the variables of `do` set by intervention."""
    model = _Model(domains, equations, context)
    if do:
        model.check_assignment(do, "intervention")
    return model.solve(do)


# ---------------------------------------------------------------- the search
class _Search:
    """One query's state: the model, the actual world, the effect, the budget, and the AC2
    answers already settled (keyed by the cause's items)."""

    def __init__(self, model: _Model, effect: Callable, budget: int, but_for: bool):
        self.model, self.effect, self.budget, self.but_for = model, effect, budget, but_for
        self.actual = model.solve()
        self.tried = 0
        self.memo: dict = {}

    def holds(self, world: dict) -> bool:
        return bool(self.effect(dict(world)))

    def ac2(self, cause: dict):
        """(alternative, contingency, world) making the effect fail, None if there is none,
        EXHAUSTED if the budget ran out first."""
        key = frozenset(cause.items())
        if key in self.memo:
            return self.memo[key]
        xs = list(cause)
        current = tuple(cause[x] for x in xs)
        alternatives = [alt for alt in itertools.product(*(self.model.domains[x] for x in xs)) if alt != current]
        others = [] if self.but_for else self.model.descendants(xs)
        answer = None
        for k in range(len(others) + 1):
            for ws in itertools.combinations(others, k):
                held = {w: self.actual[w] for w in ws}
                for alt in alternatives:
                    if self.tried >= self.budget:
                        return EXHAUSTED
                    self.tried += 1
                    do = dict(zip(xs, alt))
                    do.update(held)
                    world = self.model.solve(do)
                    if not self.holds(world):
                        answer = (dict(zip(xs, alt)), held, world)
                        break
                if answer:
                    break
            if answer:
                break
        self.memo[key] = answer
        return answer

    def decide(self, cause: dict, text: str):
        actual = self.actual
        wrong = {v: actual[v] for v, value in cause.items() if actual[v] != value}
        if wrong:
            return NotACause(cause, "AC1", f"the cause does not hold in the actual world, where {_show(wrong)}")
        if not self.holds(actual):
            return NotACause(cause, "AC1", f"{text} does not hold in the actual world")
        found = self.ac2(cause)
        if found is EXHAUSTED:
            return Unknown(cause, "AC2", EXHAUSTED, self.tried)
        if found is None:
            why = ("no setting x' makes the effect fail (but-for)" if self.but_for
                   else "no contingency W and setting x' makes the effect fail")
            return NotACause(cause, "AC2", why)
        checked = []
        xs = list(cause)
        for k in range(1, len(xs)):
            for sub in itertools.combinations(xs, k):
                part = {x: cause[x] for x in sub}
                small = self.ac2(part)
                if small is EXHAUSTED:
                    return Unknown(cause, "AC3", EXHAUSTED, self.tried)
                if small is not None:
                    inner = tuple(c for c in checked if set(c) < set(part))
                    witness = Witness(part, small[0], small[1], small[2], dict(actual), inner, text)
                    return NotACause(cause, "AC3", f"the smaller {_show(part)} is already a cause", witness)
                checked.append(part)
        alternative, contingency, world = found
        return Witness(dict(cause), alternative, contingency, world, dict(actual), tuple(checked), text)


def _describe(effect, description):
    return description if description is not None else getattr(effect, "__name__", "the effect")


def find_cause(domains: Mapping, equations: Mapping, context: Mapping, cause: Mapping, effect: Callable,
               description: str | None = None, *, budget: int = DEFAULT_BUDGET, but_for: bool = False):
    """Witness | NotACause | Unknown: is `cause` (X = x) an actual cause of `effect` in the
    context, under the modified HP definition (`but_for=True`: only W = {})."""
    model = _Model(domains, equations, context)
    cause = dict(cause)
    if not cause:
        raise SCMError("a cause is a nonempty conjunction X = x")
    model.check_assignment(cause, "cause")
    return _Search(model, effect, budget, but_for).decide(cause, _describe(effect, description))


def but_for_cause(domains: Mapping, equations: Mapping, context: Mapping, cause: Mapping, effect: Callable,
                  description: str | None = None, *, budget: int = DEFAULT_BUDGET):
    """`find_cause` with the contingency W empty: X = x is a but-for cause of the effect."""
    return find_cause(domains, equations, context, cause, effect, description, budget=budget, but_for=True)


def causes_of(domains: Mapping, equations: Mapping, context: Mapping, effect: Callable, max_size: int = 2,
              description: str | None = None, *, budget: int = DEFAULT_BUDGET, but_for: bool = False) -> Causes:
    """Every minimal actual cause X = x of the effect with |X| <= max_size (x the actual values,
    as AC1 requires), each with its witness; `budget` is shared by the whole enumeration."""
    model = _Model(domains, equations, context)
    search = _Search(model, effect, budget, but_for)
    text = _describe(effect, description)
    answer = Causes()
    if not search.holds(search.actual):
        return answer
    found: list = []
    for k in range(1, max_size + 1):
        for xs in itertools.combinations(model.order, k):
            if any(set(f) < set(xs) for f in found):
                continue                      # a smaller cause inside: AC3 fails
            verdict = search.decide({x: search.actual[x] for x in xs}, text)
            if isinstance(verdict, Witness):
                found.append(verdict.cause)
                answer.found.append(verdict)
            elif isinstance(verdict, Unknown):
                answer.undecided.append(verdict)
    return answer
