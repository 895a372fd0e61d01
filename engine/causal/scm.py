"""Discrete structural causal models (SCMs), queried exactly by enumeration.

A model has endogenous variables V, each with a finite domain and a structural equation
V := f_V(parents, exogenous arguments), and exogenous variables U with finite domains. In the
probabilistic mode every U carries a distribution (exact `Fraction`s) and the U are mutually
independent; an exogenous variable read by two equations is a latent confounder and shows in
`graph()` as a bidirected edge between them (one read by three or more: a bidirected edge
between each pair, the latent projection). In the deterministic mode the U carry only a
domain (no distribution), and queries are answered true / false / unknown.

Semantics (Pearl, *Causality*, 2nd ed. 2009, ch. 1.4 and 7):
  * a setting u of all exogenous variables determines every endogenous value, computed in
    topological order (the graph must be acyclic);
  * the intervention do(X = x) replaces X's equation by the constant x (the submodel M_x);
  * P(event | given, do) sums P(u) over the settings whose M_x solution satisfies the event;
  * `joint_counterfactual` conditions and asks about events in several submodels at once
    (P(Y_x = y, Y_x' = y') and the like), by the same three steps;
  * a counterfactual P(outcome in M_x | evidence) runs the three steps: abduction (the
    posterior over u given the evidence, itself possibly observed under an intervention),
    action (M_x), prediction (sum the posterior over the u whose M_x solution satisfies
    the outcome);
  * effects, for a treatment X with values x0 (control) and x1 (treated), a numeric outcome Y
    and mediators M (Pearl 2001, "Direct and indirect effects"):
      ATE = E[Y_{x1}] - E[Y_{x0}]
      ETT = E[Y_{x1} - Y_{x0} | X = x1]
      NDE = E[Y_{x1, M_{x0}}] - E[Y_{x0}]
      NIE = E[Y_{x0, M_{x1}}] - E[Y_{x0}]
  * deterministic mode: `counterfactual` answers TRUE if the outcome holds in M_x for every
    exogenous setting consistent with the evidence, FALSE if for none, UNKNOWN otherwise.

Events are mappings {variable: value} (a conjunction) or callables taking the full solution
(a dict of every endogenous value) and returning a bool.

`from_cpts(graph, cpts)` builds an SCM from a Bayesian network (a DAG and conditional
probability tables). Each node V gets one exogenous variable U_V indexing the cells of the
common refinement of the CPT's cumulative distributions (the quantile, or comonotone,
coupling): V := the value whose cumulative interval, in the row of V's parents' values,
contains U_V's cell. Observational and interventional queries of the result are exactly those
of the network (truncated factorisation). Counterfactuals are well defined but belong to this
particular coupling: a CPT alone does not determine them.

Cost: every query enumerates the product of the exogenous domains; this is for small models.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from typing import Any, Callable, Iterator, Mapping

from .graph import ADMG


class SCMError(ValueError):
    """A malformed model: unknown names, a value outside a domain, a bad distribution."""


class InconsistentEvidence(ValueError):
    """The evidence has probability zero (or, deterministically, no exogenous setting)."""


class Verdict(str, Enum):
    """A deterministic counterfactual's answer."""
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Equation:
    """V := function(values), where `values` maps each of `parents` (endogenous) and
    `exogenous` to its value."""
    parents: tuple
    exogenous: tuple
    function: Callable[[Mapping[str, Any]], Any]


def _as_event(event) -> Callable[[Mapping], bool]:
    if event is None:
        return lambda world: True
    if callable(event):
        return event
    items = tuple(dict(event).items())
    return lambda world: all(world[k] == v for k, v in items)


class SCM:
    """A discrete structural causal model.

    variables: {name: domain (a sequence of values)}
    exogenous: {name: {value: Fraction}} (probabilistic) or {name: domain sequence}
               (deterministic); all of one kind
    equations: {name: Equation} for every endogenous variable
    """

    def __init__(self, variables: Mapping, exogenous: Mapping, equations: Mapping):
        self.domains = {v: tuple(d) for v, d in variables.items()}
        self.deterministic = self._read_exogenous(exogenous)
        self.equations = dict(equations)
        self._check_equations()
        self._graph = self._build_graph()
        self.order = self._graph.topological_order()

    # ------------------------------------------------------------------ construction
    def _read_exogenous(self, exogenous) -> bool:
        kinds = {isinstance(d, Mapping) for d in exogenous.values()}
        if len(kinds) > 1:
            raise SCMError("exogenous variables must all have distributions, or none")
        deterministic = kinds != {True}
        self.exogenous_domains, self.exogenous_probs = {}, {}
        for u, dist in exogenous.items():
            if u in self.domains:
                raise SCMError(f"{u} is both endogenous and exogenous")
            if deterministic:
                self.exogenous_domains[u] = tuple(dist)
            else:
                self._check_distribution(u, dist)
                self.exogenous_domains[u] = tuple(dist)
                self.exogenous_probs[u] = {k: Fraction(p) for k, p in dist.items()}
        return deterministic

    @staticmethod
    def _check_distribution(u, dist):
        if any(Fraction(p) < 0 for p in dist.values()) or sum(map(Fraction, dist.values())) != 1:
            raise SCMError(f"the distribution of {u} is not a probability distribution")

    def _check_equations(self):
        if set(self.equations) != set(self.domains):
            raise SCMError("every endogenous variable needs exactly one equation")
        for v, eq in self.equations.items():
            for p in eq.parents:
                if p not in self.domains:
                    raise SCMError(f"{v}'s parent {p} is not endogenous")
            for u in eq.exogenous:
                if u not in self.exogenous_domains:
                    raise SCMError(f"{v}'s exogenous argument {u} is not declared")

    def _build_graph(self) -> ADMG:
        readers = {}
        for v, eq in self.equations.items():
            for u in eq.exogenous:
                readers.setdefault(u, []).append(v)
        bidirected = [(a, b) for vs in readers.values() for a, b in itertools.combinations(vs, 2)]
        directed = [(p, v) for v, eq in self.equations.items() for p in eq.parents]
        return ADMG(list(self.domains), directed, bidirected)

    def graph(self) -> ADMG:
        """The causal diagram: parents as directed edges, shared exogenous arguments as bidirected ones."""
        return self._graph

    # ------------------------------------------------------------------ solving
    def settings(self) -> Iterator[tuple[dict, Fraction | None]]:
        """Every exogenous setting u with its probability (None in the deterministic mode)."""
        names = list(self.exogenous_domains)
        for values in itertools.product(*(self.exogenous_domains[u] for u in names)):
            u = dict(zip(names, values))
            yield u, (None if self.deterministic else self._weight(u))

    def _weight(self, u) -> Fraction:
        w = Fraction(1)
        for name, value in u.items():
            w *= self.exogenous_probs[name][value]
        return w

    def _check_do(self, do):
        for v, x in (do or {}).items():
            if v not in self.domains:
                raise SCMError(f"intervention on unknown variable {v}")
            if x not in self.domains[v]:
                raise SCMError(f"do({v} = {x!r}): value outside the domain")

    def solve(self, u: Mapping, do: Mapping | None = None) -> dict:
        """The endogenous values of the submodel M_do under the exogenous setting u."""
        do = do or {}
        world = {}
        for v in self.order:
            world[v] = do[v] if v in do else self._evaluate(v, world, u)
        return world

    def _evaluate(self, v, world, u):
        eq = self.equations[v]
        args = {p: world[p] for p in eq.parents}
        args.update((e, u[e]) for e in eq.exogenous)
        value = eq.function(args)
        if value not in self.domains[v]:
            raise SCMError(f"the equation of {v} returned {value!r}, outside its domain")
        return value

    def _require_probabilities(self):
        if self.deterministic:
            raise SCMError("a deterministic model has no probabilities; use counterfactual()")

    # ------------------------------------------------------------------ observational and interventional
    def probability(self, event, given=None, do: Mapping | None = None) -> Fraction:
        """P(event | given) in the submodel M_do (do=None: the observational distribution)."""
        self._require_probabilities()
        self._check_do(do)
        holds, condition = _as_event(event), _as_event(given)
        num = den = Fraction(0)
        for u, w in self.settings():
            world = self.solve(u, do)
            if condition(world):
                den += w
                if holds(world):
                    num += w
        if den == 0:
            raise InconsistentEvidence("the conditioning event has probability zero")
        return num / den

    def distribution(self, variables, do: Mapping | None = None) -> dict:
        """The joint distribution of `variables` (a sequence) in M_do: {value tuple: Fraction},
        zero-probability tuples left out."""
        self._require_probabilities()
        self._check_do(do)
        out: dict = {}
        for u, w in self.settings():
            world = self.solve(u, do)
            key = tuple(world[v] for v in variables)
            out[key] = out.get(key, Fraction(0)) + w
        return {k: p for k, p in out.items() if p}

    def expectation(self, variable, given=None, do: Mapping | None = None) -> Fraction:
        """E[variable | given] in M_do; the variable's values must be numbers."""
        return self._expect(lambda u: self.solve(u, do)[variable], _as_event(given), None)

    # ------------------------------------------------------------------ counterfactuals
    def posterior(self, evidence, evidence_do: Mapping | None = None) -> list[tuple[dict, Fraction | None]]:
        """Abduction: the exogenous settings consistent with `evidence` (observed in
        M_{evidence_do}), with their posterior probabilities (None when deterministic)."""
        return self._posterior([(evidence_do or {}, evidence)])

    def _posterior(self, worlds) -> list[tuple[dict, Fraction | None]]:
        """The settings u satisfying every (do, event) of `worlds`, normalised."""
        checks = [(do, _as_event(event)) for do, event in worlds]
        for do, _ in checks:
            self._check_do(do)
        kept = [(u, w) for u, w in self.settings()
                if all(holds(self.solve(u, do)) for do, holds in checks)]
        if not kept:
            raise InconsistentEvidence("no exogenous setting is consistent with the evidence")
        if self.deterministic:
            return kept
        total = sum(w for _, w in kept)
        if total == 0:
            raise InconsistentEvidence("the evidence has probability zero")
        return [(u, w / total) for u, w in kept if w]

    def counterfactual(self, outcome, do: Mapping, evidence=None,
                       evidence_do: Mapping | None = None) -> Fraction | Verdict:
        """P(outcome in M_do | evidence in M_{evidence_do}), by abduction, action, prediction.
        Deterministic mode: TRUE / FALSE / UNKNOWN as the outcome holds in every / no / some
        exogenous setting consistent with the evidence."""
        return self.joint_counterfactual([(do, outcome)], [(evidence_do or {}, evidence)])

    def joint_counterfactual(self, outcomes, evidence=()) -> Fraction | Verdict:
        """P(every (do, event) of `outcomes` | every (do, event) of `evidence`): events in
        several worlds at once (e.g. the probability of necessity and sufficiency
        P(Y_{x1} = 1, Y_{x0} = 0) is [({X: x1}, {Y: 1}), ({X: x0}, {Y: 0})])."""
        checks = [(do, _as_event(event)) for do, event in outcomes]
        for do, _ in checks:
            self._check_do(do)
        results = [(all(holds(self.solve(u, do)) for do, holds in checks), w)
                   for u, w in self._posterior(list(evidence))]
        if self.deterministic:
            return _verdict([r for r, _ in results])
        return sum((w for r, w in results if r), Fraction(0))

    # ------------------------------------------------------------------ effects
    def _expect(self, value_of: Callable[[dict], Any], given: Callable | None, given_do) -> Fraction:
        """E[value_of(u) | given observed in M_{given_do}] over the exogenous settings."""
        self._require_probabilities()
        condition = given or (lambda world: True)
        num = den = Fraction(0)
        for u, w in self.settings():
            if condition(self.solve(u, given_do)):
                den += w
                num += w * value_of(u)
        if den == 0:
            raise InconsistentEvidence("the conditioning event has probability zero")
        return num / den

    def _nested(self, u, outcome, treatment, x, mediators, xm):
        """Y_{x, M_{xm}}(u): the outcome with X = x and the mediators at their values under X = xm."""
        m_world = self.solve(u, {treatment: xm})
        do = {treatment: x, **{m: m_world[m] for m in mediators}}
        return self.solve(u, do)[outcome]

    def ate(self, treatment, outcome, x0=0, x1=1) -> Fraction:
        """E[Y_{x1}] - E[Y_{x0}]."""
        return self._expect(lambda u: self.solve(u, {treatment: x1})[outcome]
                            - self.solve(u, {treatment: x0})[outcome], None, None)

    def ett(self, treatment, outcome, x0=0, x1=1) -> Fraction:
        """E[Y_{x1} - Y_{x0} | X = x1]."""
        return self._expect(lambda u: self.solve(u, {treatment: x1})[outcome]
                            - self.solve(u, {treatment: x0})[outcome],
                            _as_event({treatment: x1}), None)

    def nde(self, treatment, mediators, outcome, x0=0, x1=1) -> Fraction:
        """E[Y_{x1, M_{x0}}] - E[Y_{x0}] (natural direct effect)."""
        ms = _names(mediators)
        return self._expect(lambda u: self._nested(u, outcome, treatment, x1, ms, x0)
                            - self.solve(u, {treatment: x0})[outcome], None, None)

    def nie(self, treatment, mediators, outcome, x0=0, x1=1) -> Fraction:
        """E[Y_{x0, M_{x1}}] - E[Y_{x0}] (natural indirect effect)."""
        ms = _names(mediators)
        return self._expect(lambda u: self._nested(u, outcome, treatment, x0, ms, x1)
                            - self.solve(u, {treatment: x0})[outcome], None, None)


def _names(names) -> tuple:
    return (names,) if isinstance(names, str) else tuple(names)


def _verdict(results: list[bool]) -> Verdict:
    if all(results):
        return Verdict.TRUE
    if not any(results):
        return Verdict.FALSE
    return Verdict.UNKNOWN


# ---------------------------------------------------------------------- Bayesian networks
@dataclass(frozen=True)
class CPT:
    """P(V = v | parents): `table` maps a tuple of parent values (in `parents`' order)
    to {v: Fraction}. Every row lists the same values, in the same order (V's domain)."""
    parents: tuple
    table: Mapping


def _quantile_cells(rows) -> list[tuple[Fraction, Fraction]]:
    """The common refinement of the rows' cumulative partitions of [0, 1): (start, width) cells."""
    cuts = {Fraction(0), Fraction(1)}
    for row in rows:
        cuts.update(itertools.accumulate(Fraction(p) for p in row.values()))
    cuts = sorted(c for c in cuts if 0 <= c <= 1)
    return [(a, b - a) for a, b in zip(cuts, cuts[1:])]


def _quantile_value(row: Mapping, start: Fraction):
    """The value whose cumulative interval in `row` contains the point `start`."""
    total = Fraction(0)
    for value, p in row.items():
        total += Fraction(p)
        if start < total:
            return value
    raise SCMError("a CPT row does not sum to one")


def _cpt_equation(v: str, cpt: CPT, noise: str) -> Equation:
    cells = _quantile_cells(cpt.table.values())
    lookup = {key: {i: _quantile_value(row, start) for i, (start, _) in enumerate(cells)}
              for key, row in cpt.table.items()}
    parents = tuple(cpt.parents)
    return Equation(parents, (noise,),
                    lambda a: lookup[tuple(a[p] for p in parents)][a[noise]])


def _read_cpt(graph: ADMG, v, cpt) -> CPT:
    if not isinstance(cpt, CPT):
        cpt = CPT(graph.parents(v), cpt)
    if set(cpt.parents) != set(graph.parents(v)):
        raise SCMError(f"the CPT of {v} has parents {cpt.parents}, the graph {graph.parents(v)}")
    for row in cpt.table.values():
        SCM._check_distribution(v, row)
    return cpt


def from_cpts(graph: ADMG, cpts: Mapping) -> SCM:
    """An SCM reproducing the Bayesian network (graph, cpts) (see the module docstring).

    graph: an ADMG without bidirected edges; cpts: {V: CPT} or {V: {parent values: {v: p}}},
    parent values then in graph.parents(V)'s order (a 1-tuple, or () for a root)."""
    if graph.bidirected:
        raise SCMError("from_cpts needs a DAG: model confounders as explicit nodes")
    if set(cpts) != set(graph.nodes):
        raise SCMError("every node needs exactly one CPT")
    read = {v: _read_cpt(graph, v, cpts[v]) for v in graph.nodes}
    domains = {v: tuple(next(iter(read[v].table.values()))) for v in graph.nodes}
    exogenous, equations = {}, {}
    for v in graph.nodes:
        noise = f"U_{v}"
        cells = _quantile_cells(read[v].table.values())
        exogenous[noise] = {i: width for i, (_, width) in enumerate(cells)}
        equations[v] = _cpt_equation(v, read[v], noise)
    return SCM(domains, exogenous, equations)
