"""From data to causal answers: the PC algorithm on a table of discrete data, and queries
answered in every graph the data cannot tell apart.

`learn(rows, alpha=0.01, weights=None)` runs PC (engine/causal/discover.py: the stable
skeleton, v-structures, Meek's rules) with the G-test at level `alpha` and returns a `Learned`:
its `cpdag` (an edge whose direction the data cannot fix is undirected, `undetermined`: never
oriented by a guess), and one Scientia program per member DAG of the class (`programs()`):
the variables, the member's `graph`, and the empirical conditional probabilities
`P(v | parents) = count / total` as exact fractions (a parent setting the data never shows is
left unstated, an open row). `Learned.ask(query)` tells each program to a fresh
KnowledgeBase and asks: the answer is the members' common verdict (and value), with the first
member's kernel-checked proof, when they all agree; otherwise `unknown`, naming the
undetermined edges and the members' different answers. Only as good as PC's assumptions
(causal sufficiency, faithfulness, a correct test: see discover.py).
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from .discover import CPDAG, pc, GTest
from .graph import ADMG

MAX_MEMBERS = 64


@dataclass
class LearnedAnswer:
    verdict: str                      # "true" | "false" | "unknown"
    value: Fraction | None
    reason: str | None
    answers: list = field(default_factory=list)     # (member's edges, Answer) for each member


@dataclass
class Learned:
    variables: tuple
    cpdag: CPDAG
    rows: list
    weights: list | None = None

    @property
    def undetermined(self) -> list:
        return sorted(tuple(sorted(e)) for e in self.cpdag.undetermined)

    def members(self) -> list:
        dags = self.cpdag.members(MAX_MEMBERS + 1)
        if not dags:
            raise ValueError("the learned pattern has no member DAG (the tests contradict each other)")
        if len(dags) > MAX_MEMBERS:
            raise ValueError(f"more than {MAX_MEMBERS} graphs fit the data: too many undetermined edges")
        return dags

    def programs(self) -> list[str]:
        return [self.program(dag) for dag in self.members()]

    def program(self, dag) -> str:
        edges = sorted(getattr(dag, "directed", dag))
        g = ADMG(list(self.variables), edges)
        lines = [f"% learned from {len(self.rows)} rows by PC; undetermined edges: "
                 + (", ".join(f"{a} - {b}" for a, b in self.undetermined) or "none"),
                 f"var {', '.join(self.variables)} : bool."]
        if edges:
            lines.append("graph " + ", ".join(f"{a} -> {b}" for a, b in edges) + ".")
        weights = self.weights or [1] * len(self.rows)
        for v in self.variables:
            ps = g.parents(v)
            counts = defaultdict(Fraction)
            for row, w in zip(self.rows, weights):
                key = tuple(bool(row[p]) for p in ps)
                counts[(key, bool(row[v]))] += Fraction(w)
            for key in itertools.product((False, True), repeat=len(ps)):
                total = counts[(key, False)] + counts[(key, True)]
                if not total:
                    continue
                cond = ", ".join(p if k else f"not {p}" for p, k in zip(ps, key))
                p1 = counts[(key, True)] / total
                lines.append(f"P({v}{' | ' + cond if cond else ''}) = {p1.numerator} / {p1.denominator}.")
        return "\n".join(lines) + "\n"

    def ask(self, query: str) -> LearnedAnswer:
        from ..kb import KnowledgeBase
        answers = []
        for dag in self.members():
            kb = KnowledgeBase()
            kb.tell(self.program(dag))
            answers.append((sorted(getattr(dag, "directed", dag)), kb.ask(query)))
        outcomes = {(a.verdict.value, a.value) for _, a in answers}
        if len(outcomes) == 1:
            verdict, value = outcomes.pop()
            first = answers[0][1]
            return LearnedAnswer(verdict, value, first.reason, answers)
        shown = "; ".join(f"{', '.join(f'{a} -> {b}' for a, b in edges) or 'no edges'}: {a.verdict}"
                          + (f" {a.value}" if a.value is not None else "") for edges, a in answers[:4])
        return LearnedAnswer("unknown", None, "the data cannot fix the direction of "
                             + ", ".join(f"{a} - {b}" for a, b in self.undetermined)
                             + f", and the graphs that fit answer differently: {shown}", answers)


def learn(rows, alpha: float = 0.01, weights=None, variables=None) -> Learned:
    """PC with the G-test on `rows` (dicts of bool values; `weights`: a count per row)."""
    rows = list(rows)
    if not rows:
        raise ValueError("no data")
    names = tuple(variables or rows[0].keys())
    for i, row in enumerate(rows):
        if set(row) != set(names) or any(not isinstance(row[v], (bool, int)) or row[v] not in (0, 1) for v in names):
            raise ValueError(f"row {i}: every row needs a 0/1 (or bool) value for each of {', '.join(names)}")
    cpdag = pc(names, GTest(rows, alpha, weights))
    return Learned(names, cpdag, rows, None if weights is None else list(weights))
