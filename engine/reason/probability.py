"""The probability of a query under the distributions of perceived symbols.

Each perceived symbol (say `digit_of(img7)`) is a random variable with the perception
model's distribution over its labels; the variables are independent. An assignment
of labels is an *interpretation*. Under it the KB (without those perceived facts)
plus the assigned facts either entails the query, entails its negation, leaves it
open, or is inconsistent. Conditioning on consistency:

    P(Q) = Σ P(a) [KB ∪ a ⊨ Q]  /  Σ P(a) [KB ∪ a consistent]

Interpretations are visited best first (a heap over the sorted label lists), each
decided by z3 on one grounded problem. When there are few of them the sum is exact;
otherwise the search stops after `limit` interpretations and the answer carries
bounds that hold whatever the unvisited mass does.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

from ..language import syntax as S
from ..smt.solver import Budget


@dataclass(frozen=True)
class Perception:
    """What a perception model said about one input: its distribution, and the fact asserted
    (`claim`) unless it abstained because its confidence was under the threshold."""

    input_id: str
    model: str
    symbol: str
    distribution: tuple           # ((label, probability), ...) in the model's label order
    threshold: float
    claim: str | None             # the asserted fact, None when the model abstained
    formulas: tuple = field(default=(), repr=False)   # typed formula "symbol(input) is label", per label
    source: str | None = None     # file:line:col of the asserted fact in the KB

    @property
    def label(self):
        return max(self.distribution, key=lambda lp: lp[1])[0]

    @property
    def confidence(self) -> float:
        return max(p for _, p in self.distribution)

    @property
    def abstained(self) -> bool:
        return self.claim is None


@dataclass(frozen=True)
class QueryProbability:
    """P(query) with its bounds, the most probable consistent interpretation and its margin."""

    query: str
    probability: float            # P(Q entailed | consistent), over the visited interpretations
    probability_false: float      # P(not Q entailed | consistent)
    lower: float                  # bounds on P(Q) that hold for any unvisited mass
    upper: float
    exact: bool
    best: dict | None             # input id -> label of the most probable consistent interpretation
    best_probability: float
    best_verdict: str | None      # "true" | "false" | "unknown" under the best interpretation
    margin: float                 # best minus runner-up (normalised), 1.0 when there is no runner-up
    visited: int
    inconsistent_mass: float


def best_first(perceptions: list):
    """Label assignments in order of decreasing probability: (probability, labels by variable)."""
    orders = [sorted(range(len(p.distribution)), key=lambda k, p=p: -p.distribution[k][1]) for p in perceptions]
    logp = [[math.log(max(p.distribution[k][1], 1e-300)) for k in order] for p, order in zip(perceptions, orders)]
    start = (0,) * len(perceptions)
    heap, seen = [(-sum(lp[0] for lp in logp), start)], {start}
    while heap:
        neg, idx = heapq.heappop(heap)
        yield math.exp(-neg), tuple(orders[v][i] for v, i in enumerate(idx))
        for v in range(len(idx)):
            if idx[v] + 1 < len(orders[v]):
                nxt = idx[:v] + (idx[v] + 1,) + idx[v + 1:]
                if nxt not in seen:
                    seen.add(nxt)
                    heapq.heappush(heap, (neg + logp[v][idx[v]] - logp[v][idx[v] + 1], nxt))


def query_probability(theory, sig, query, text: str, perceptions: list, limit: int = 4096) -> QueryProbability:
    """P(query) given the KB `theory` (which must not contain the perceptions' facts)."""
    problem = _problem(theory, sig, query, perceptions, [query])
    goal = problem.formula(query)
    mass = {"true": 0.0, "false": 0.0, "unknown": 0.0, "inconsistent": 0.0}
    # The models' distributions sum to 1 only up to their float precision (float32: about
    # 1e-7), so the whole mass is their product, and the sum is exact when every
    # interpretation was visited, whatever the rounding.
    total = math.prod(sum(q for _, q in p.distribution) for p in perceptions)
    ranked, visited, exact = [], 0, False
    try:
        for prob, labels in best_first(perceptions):
            if visited >= limit:
                break
            visited += 1
            verdict = _decide(problem, goal, _given(problem, perceptions, labels))
            mass[verdict] += prob
            if verdict != "inconsistent" and len(ranked) < 2:
                ranked.append((prob, labels, verdict))
        else:
            exact = True
    except Budget:
        pass
    seen = sum(mass.values())
    if exact:
        total = seen
    return _summary(text, perceptions, mass, max(0.0, total - seen), ranked, visited, exact)


def outcomes(theory, sig, query, var_sorts: dict, perceptions: list, limit: int = 4096):
    """For each consistent interpretation, best first: (probability, label indices, bindings of
    the query's variables that the KB entails under it). The table that learning from
    answers needs: which interpretations make the KB entail which answer."""
    from .prove import entailed_values
    problem = _problem(theory, sig, query, perceptions)
    for visited, (prob, labels) in enumerate(best_first(perceptions)):
        if visited >= limit:
            return
        given = _given(problem, perceptions, labels)
        if not _consistent(problem, given):
            continue
        yield prob, labels, [b for b, _, _ in entailed_values(problem, query, var_sorts, given)]


def _problem(theory, sig, query, perceptions, extra=()):
    """One grounded problem for every interpretation: the query's component and every label fact."""
    formulas = [f for p in perceptions for f in p.formulas]
    return theory.problem(_relevant(theory, query, perceptions), sig, extra_formulas=[*extra, *formulas])


def _given(problem, perceptions, labels) -> list:
    return [problem.formula(p.formulas[k]) for p, k in zip(perceptions, labels)]


def _consistent(problem, given) -> bool:
    return problem.check(extra=problem.conjoin(given), want_core=False).status != "unsat"


def _decide(problem, goal, assignment) -> str:
    if not _consistent(problem, assignment):
        return "inconsistent"
    given = problem.conjoin(assignment)
    if problem.check(extra=problem.conjoin([given, problem.negate(goal)]), want_core=False).status == "unsat":
        return "true"
    if problem.check(extra=problem.conjoin([given, goal]), want_core=False).status == "unsat":
        return "false"
    return "unknown"


def _summary(text, perceptions, mass, rest, ranked, visited, exact) -> QueryProbability:
    consistent = mass["true"] + mass["false"] + mass["unknown"]
    norm = consistent if consistent > 0 else 1.0
    best = ranked[0] if ranked else None
    runner = ranked[1][0] if len(ranked) > 1 else 0.0
    return QueryProbability(
        query=text,
        probability=mass["true"] / norm if consistent else 0.0,
        probability_false=mass["false"] / norm if consistent else 0.0,
        lower=mass["true"] / (consistent + rest) if consistent + rest > 0 else 0.0,
        upper=(mass["true"] + rest) / (consistent + rest) if consistent + rest > 0 else 1.0,
        exact=exact,
        best={p.input_id: p.distribution[k][0] for p, k in zip(perceptions, best[1])} if best else None,
        best_probability=best[0] / norm if best else 0.0,
        best_verdict=best[2] if best else None,
        margin=(best[0] - runner) / norm if best else 0.0,
        visited=visited,
        inconsistent_mass=mass["inconsistent"])


def _relevant(theory, query, perceptions) -> list:
    """The query's component, together with every formula that can mention a perceived symbol."""
    return theory.relevant_to(S.And((query, *(p.formulas[0] for p in perceptions))))


def mentions(formula, name: str) -> bool:
    """Does the formula mention the constant `name`?"""
    return any(type(n) is S.Const and n.name == name for n in S.nodes(formula))

