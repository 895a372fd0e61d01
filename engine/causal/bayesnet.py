"""Exact inference in discrete Bayesian networks by variable elimination.

`BayesNet(graph, cpts)` takes the same arguments as `scm.from_cpts` (a DAG given as an ADMG
with directed edges only, and {V: CPT} or {V: {parent values: {v: p}}}) and answers the
observational and interventional queries of `from_cpts(graph, cpts)` exactly (`Fraction`s),
without enumerating the exogenous settings:

  * P(event | given) in the submodel M_do by the truncated factorisation (Pearl, *Causality*,
    2nd ed. 2009, eq. 3.10): the CPTs of the intervened variables are dropped and their
    values fixed; the result is the product of the remaining CPTs;
  * the product is summed by variable elimination (Zhang and Poole 1994): barren variables
    (those that are not ancestors of the query, the evidence or the event in the mutilated
    graph) are pruned first, the rest eliminated one at a time in a greedy min-fill order
    (ties: fewer neighbours, then the name);
  * factors hold integers over one common denominator per factor (exact, and cheaper than a
    `Fraction` per entry: no gcd on every product and sum); the answer is one `Fraction`.

Counterfactuals depend on the coupling of the exogenous noise, which a CPT does not fix; for
them use `from_cpts` (enumeration, small models only).

Cost: exponential only in the induced width of the elimination order, not in the number of
variables; a 20- to 40-variable network with up to three parents per node takes milliseconds
to a fraction of a second (evals/perf/bench_causal.py).
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Mapping

from .graph import ADMG
from .scm import CPT, InconsistentEvidence, SCMError, _read_cpt

__all__ = ["BayesNet"]


class _Factor:
    """A non-negative function of `variables`: {value tuple: int} over the denominator `den`;
    absent tuples are zero."""
    __slots__ = ("variables", "table", "den")

    def __init__(self, variables: tuple, table: dict, den: int):
        self.variables, self.table, self.den = variables, table, den

    def normalised(self) -> "_Factor":
        """The same function with the entries and the denominator divided by their gcd."""
        g = math.gcd(self.den, *self.table.values())
        if g > 1:
            self.table = {k: n // g for k, n in self.table.items()}
            self.den //= g
        return self


def _product(a: _Factor, b: _Factor) -> _Factor:
    """The pointwise product, by a hash join on the shared variables."""
    shared = [v for v in a.variables if v in b.variables]
    b_only = [i for i, v in enumerate(b.variables) if v not in a.variables]
    a_pos = [a.variables.index(v) for v in shared]
    b_pos = [b.variables.index(v) for v in shared]
    index: dict = {}
    for key, n in b.table.items():
        index.setdefault(tuple(key[i] for i in b_pos), []).append((tuple(key[i] for i in b_only), n))
    table = {}
    for key, m in a.table.items():
        for rest, n in index.get(tuple(key[i] for i in a_pos), ()):
            table[key + rest] = m * n
    return _Factor(a.variables + tuple(b.variables[i] for i in b_only), table, a.den * b.den)


def _sum_out(f: _Factor, v) -> _Factor:
    i = f.variables.index(v)
    table: dict = {}
    for key, n in f.table.items():
        k = key[:i] + key[i + 1:]
        table[k] = table.get(k, 0) + n
    return _Factor(f.variables[:i] + f.variables[i + 1:], table, f.den).normalised()


def _multiply_all(factors: list) -> _Factor:
    factors = sorted(factors, key=lambda f: len(f.table))
    out = _Factor((), {(): 1}, 1)
    for f in factors:
        out = _product(out, f)
    return out.normalised()


class BayesNet:
    """A discrete Bayesian network (graph, CPTs) with exact inference by variable elimination.

    graph: an ADMG with directed edges only; cpts: {V: CPT} or {V: {parent values: {v: p}}},
    parent values then in graph.parents(V)'s order (a 1-tuple, or () for a root), as for
    `scm.from_cpts`. Every row of a CPT lists V's domain; every parent configuration has a row."""

    def __init__(self, graph: ADMG, cpts: Mapping):
        if graph.bidirected:
            raise SCMError("a Bayesian network needs a DAG: model confounders as explicit nodes")
        if set(cpts) != set(graph.nodes):
            raise SCMError("every node needs exactly one CPT")
        self.graph = graph
        self.cpts: dict = {v: _read_cpt(graph, v, cpts[v]) for v in graph.nodes}
        self.domains: dict = {v: tuple(next(iter(self.cpts[v].table.values()))) for v in graph.nodes}
        self._rank = {v: i for i, v in enumerate(graph.nodes)}
        self._factors = {v: self._cpt_factor(v, self.cpts[v]) for v in graph.nodes}

    def _cpt_factor(self, v, cpt: CPT) -> _Factor:
        parents = tuple(cpt.parents)
        domain = set(self.domains[v])
        expected = {()}
        for p in parents:
            expected = {k + (x,) for k in expected for x in self.domains[p]}
        if set(cpt.table) != expected:
            raise SCMError(f"the CPT of {v} needs one row per configuration of {parents}")
        probs = {}
        for key, row in cpt.table.items():
            if set(row) != domain or len(row) != len(domain):
                raise SCMError(f"the rows of {v}'s CPT list different values")
            for x, p in row.items():
                probs[(x,) + tuple(key)] = Fraction(p)
        den = math.lcm(*(p.denominator for p in probs.values()))
        table = {k: p.numerator * (den // p.denominator) for k, p in probs.items() if p}
        return _Factor((v,) + parents, table, den).normalised()

    # ------------------------------------------------------------------ checks
    def _known(self, names, what: str):
        for v in names:
            if v not in self.domains:
                raise SCMError(f"{what} on unknown variable {v!r}")

    def _check_do(self, do: Mapping):
        self._known(do, "intervention")
        for v, x in do.items():
            if x not in self.domains[v]:
                raise SCMError(f"do({v} = {x!r}): value outside the domain")

    # ------------------------------------------------------------------ elimination
    def _relevant(self, targets, do: Mapping) -> set:
        """The ancestors of `targets` in the graph with the edges into `do`'s variables cut."""
        seen, frontier = set(targets), list(targets)
        while frontier:
            v = frontier.pop()
            if v in do:
                continue
            for p in self.cpts[v].parents:
                if p not in seen:
                    seen.add(p)
                    frontier.append(p)
        return seen

    @staticmethod
    def _restrict(f: _Factor, fixed: Mapping) -> _Factor:
        pos = [(i, fixed[v]) for i, v in enumerate(f.variables) if v in fixed]
        if not pos:
            return f
        keep = [i for i, v in enumerate(f.variables) if v not in fixed]
        table = {tuple(k[i] for i in keep): n for k, n in f.table.items()
                 if all(k[i] == x for i, x in pos)}
        return _Factor(tuple(f.variables[i] for i in keep), table, f.den)

    def elimination_order(self, variables, factors_scopes) -> list:
        """A greedy min-fill order of `variables` for factors with the given scopes (ties:
        fewer neighbours, then the name, then the graph's node order)."""
        to_go = set(variables)
        adj = {v: set() for v in to_go}     # the interaction graph, kept ones included
        for scope in factors_scopes:
            for v in scope:
                adj.setdefault(v, set()).update(w for w in scope if w != v)
        order = []
        while to_go:
            def cost(v):
                nbrs = list(adj[v])
                fill = sum(1 for i, a in enumerate(nbrs) for b in nbrs[i + 1:] if b not in adj[a])
                return fill, len(nbrs), str(v), self._rank[v]
            v = min(to_go, key=cost)
            order.append(v)
            to_go.discard(v)
            nbrs = adj.pop(v)
            for a in nbrs:
                adj[a].discard(v)
                adj[a].update(b for b in nbrs if b != a)
        return order

    def _joint(self, query: tuple, fixed: Mapping, do: Mapping) -> _Factor:
        """The unnormalised P(query, fixed-but-not-do | do) as a factor over `query`
        (query variables are neither fixed nor intervened)."""
        relevant = self._relevant(set(query) | set(fixed), do)
        factors = [self._restrict(self._factors[v], fixed) for v in relevant if v not in do]
        if any(not f.table for f in factors):
            return _Factor(query, {}, 1)
        hidden = [v for v in relevant if v not in fixed and v not in do and v not in query]
        for v in self.elimination_order(hidden, [f.variables for f in factors]):
            touching = [f for f in factors if v in f.variables]
            factors = [f for f in factors if v not in f.variables]
            factors.append(_sum_out(_multiply_all(touching), v))
        result = _multiply_all(factors)
        pos = [result.variables.index(v) for v in query]
        table = {tuple(k[i] for i in pos): n for k, n in result.table.items()}
        return _Factor(query, table, result.den)

    # ------------------------------------------------------------------ queries
    def distribution(self, variables, given: Mapping | None = None,
                     do: Mapping | None = None) -> dict:
        """P(variables | given) in M_do: {value tuple: Fraction}, zero-probability tuples left out.
        `variables`: a sequence of names (or one name, then 1-tuples)."""
        variables = (variables,) if isinstance(variables, str) else tuple(variables)
        given, do = dict(given or {}), dict(do or {})
        self._known(variables, "query")
        self._known(given, "evidence")
        self._check_do(do)
        for v, x in given.items():
            if x not in self.domains[v] or (v in do and do[v] != x):
                raise InconsistentEvidence("the conditioning event has probability zero")
        fixed = {**given, **do}
        query = tuple(dict.fromkeys(v for v in variables if v not in fixed))
        joint = self._joint(query, {v: x for v, x in fixed.items()}, do)
        total = sum(joint.table.values())
        if total == 0:
            raise InconsistentEvidence("the conditioning event has probability zero")
        out = {}
        for key, n in joint.table.items():
            if n:
                value = dict(zip(query, key))
                out[tuple(value[v] if v in value else fixed[v] for v in variables)] = Fraction(n, total)
        return out

    def probability(self, event: Mapping, given: Mapping | None = None,
                    do: Mapping | None = None) -> Fraction:
        """P(event | given) in M_do; event and given are conjunctions {variable: value}."""
        names = tuple(event)
        dist = self.distribution(names, given, do)
        return dist.get(tuple(event[v] for v in names), Fraction(0))

    def expectation(self, variable, given: Mapping | None = None,
                    do: Mapping | None = None) -> Fraction:
        """E[variable | given] in M_do; the variable's values must be numbers."""
        return sum((Fraction(y) * p for (y,), p in self.distribution((variable,), given, do).items()),
                   Fraction(0))

    def ate(self, treatment, outcome, x0=0, x1=1) -> Fraction:
        """E[Y | do(X = x1)] - E[Y | do(X = x0)] for a numeric outcome Y."""
        return (self.expectation(outcome, do={treatment: x1})
                - self.expectation(outcome, do={treatment: x0}))
