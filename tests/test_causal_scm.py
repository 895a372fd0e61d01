"""Discrete SCMs (engine/causal/scm.py): interventional and counterfactual answers against a
naive enumeration written here (every exogenous setting, equations solved by a fixpoint loop
over lookup tables), the effects ATE/ETT/NDE/NIE on a model computed by hand, the
deterministic true/false/unknown mode, and Bayesian networks given by CPTs.

`random_spec` / `build` / `naive_*` are also used by tests/test_causal_identify.py and
tests/test_causal_graph.py (random models compatible with a given ADMG)."""
from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from engine.causal import (ADMG, CPT, SCM, Equation, InconsistentEvidence, SCMError, Verdict,
                           from_cpts)

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)


# ---------------------------------------------------------------- random models as plain data
def random_distribution(rng, values):
    weights = [rng.randint(1, 4) for _ in values]
    return {v: Fraction(w, sum(weights)) for v, w in zip(values, weights)}


def random_spec(rng, graph: ADMG, domain=(0, 1), positive=True):
    """A random SCM compatible with `graph`, as data: one shared binary exogenous per bidirected
    edge, one private noise per node (0: follow the table; j > 0: override with value j - 1,
    which makes every observed configuration possible), and a random lookup table per node."""
    exo, reads = {}, {v: [] for v in graph.nodes}
    for i, edge in enumerate(sorted(graph.bidirected, key=lambda e: sorted(e))):
        exo[f"U{i}"] = random_distribution(rng, (0, 1))
        for v in edge:
            reads[v].append(f"U{i}")
    for v in graph.nodes:
        exo[f"N_{v}"] = random_distribution(rng, range(len(domain) + 1 if positive else 1))
        reads[v].append(f"N_{v}")
    parents = {v: graph.parents(v) for v in graph.nodes}
    tables = {}
    for v in graph.nodes:
        inputs = [domain] * len(parents[v]) + [tuple(exo[u]) for u in reads[v][:-1]]
        tables[v] = {key: rng.choice(domain) for key in itertools.product(*inputs)}
    return {"domains": {v: domain for v in graph.nodes}, "exo": exo, "reads": reads,
            "parents": parents, "tables": tables}


def spec_value(spec, v, world, u):
    """v's structural value: the table on its parents and shared exogenous, unless overridden."""
    noise = u[spec["reads"][v][-1]]
    if noise:
        return spec["domains"][v][noise - 1]
    key = tuple(world[p] for p in spec["parents"][v]) + tuple(u[e] for e in spec["reads"][v][:-1])
    return spec["tables"][v][key]


def build(spec) -> SCM:
    equations = {}
    for v in spec["domains"]:
        equations[v] = Equation(spec["parents"][v], tuple(spec["reads"][v]),
                                lambda a, v=v: _from_args(spec, v, a))
    return SCM(spec["domains"], spec["exo"], equations)


def _from_args(spec, v, args):
    return spec_value(spec, v, args, args)


def naive_settings(spec):
    names = list(spec["exo"])
    for values in itertools.product(*(spec["exo"][n] for n in names)):
        u = dict(zip(names, values))
        w = Fraction(1)
        for n in names:
            w *= spec["exo"][n][u[n]]
        yield u, w


def naive_solve(spec, u, do=None):
    """Fixpoint: assign any variable whose parents are all assigned, until none is left."""
    do, world = do or {}, {}
    while len(world) < len(spec["domains"]):
        for v in spec["domains"]:
            if v not in world and all(p in world for p in spec["parents"][v]):
                world[v] = do[v] if v in do else spec_value(spec, v, world, u)
    return world


def naive_probability(spec, event, given=None, do=None):
    num = den = Fraction(0)
    for u, w in naive_settings(spec):
        world = naive_solve(spec, u, do)
        if all(world[k] == x for k, x in (given or {}).items()):
            den += w
            num += w * all(world[k] == x for k, x in event.items())
    return num / den


def naive_counterfactual(spec, outcome, do, evidence):
    num = den = Fraction(0)
    for u, w in naive_settings(spec):
        if all(naive_solve(spec, u)[k] == x for k, x in evidence.items()):
            den += w
            num += w * all(naive_solve(spec, u, do)[k] == x for k, x in outcome.items())
    return num / den


def random_admg(rng, n, p_directed=0.5, p_bidirected=0.3):
    names = [chr(ord("A") + i) for i in range(n)]
    directed = [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if rng.random() < p_directed]
    bidirected = [(a, b) for a, b in itertools.combinations(names, 2) if rng.random() < p_bidirected]
    return ADMG(names, directed, bidirected)


def random_assignment(rng, names, domain=(0, 1)):
    return {v: rng.choice(domain) for v in names}


# ---------------------------------------------------------------- against the naive enumeration
@SETTINGS
@given(st.integers(0, 10**9))
def test_interventional_queries_match_naive_enumeration(seed):
    rng = random.Random(seed)
    graph = random_admg(rng, rng.randint(2, 4))
    spec = random_spec(rng, graph, positive=rng.random() < 0.5)
    scm = build(spec)
    names = list(graph.nodes)
    do = random_assignment(rng, rng.sample(names, rng.randint(0, len(names) - 1)))
    rest = [v for v in names if v not in do]
    event = random_assignment(rng, rng.sample(rest, rng.randint(1, len(rest))))
    assert scm.probability(event, do=do) == naive_probability(spec, event, do=do)
    assert sum(scm.distribution(rest, do=do).values()) == 1


@SETTINGS
@given(st.integers(0, 10**9))
def test_conditional_queries_match_naive_enumeration(seed):
    rng = random.Random(seed)
    graph = random_admg(rng, rng.randint(2, 4))
    spec = random_spec(rng, graph)
    scm = build(spec)
    names = list(graph.nodes)
    evidence = random_assignment(rng, rng.sample(names, rng.randint(1, len(names) - 1)))
    event = random_assignment(rng, [rng.choice([v for v in names if v not in evidence])])
    assert scm.probability(event, given=evidence) == naive_probability(spec, event, evidence)


@SETTINGS
@given(st.integers(0, 10**9))
def test_counterfactuals_match_naive_enumeration(seed):
    rng = random.Random(seed)
    graph = random_admg(rng, rng.randint(2, 4))
    spec = random_spec(rng, graph)
    scm = build(spec)
    names = list(graph.nodes)
    evidence = random_assignment(rng, rng.sample(names, rng.randint(1, len(names))))
    do = random_assignment(rng, rng.sample(names, rng.randint(1, len(names) - 1)))
    outcome = random_assignment(rng, [rng.choice([v for v in names if v not in do])])
    expected = naive_counterfactual(spec, outcome, do, evidence)
    assert scm.counterfactual(outcome, do, evidence) == expected


def naive_joint(spec, outcomes, evidence):
    def holds(u, worlds):
        return all(all(naive_solve(spec, u, do)[k] == x for k, x in event.items()) for do, event in worlds)
    num = den = Fraction(0)
    for u, w in naive_settings(spec):
        if holds(u, evidence):
            den += w
            num += w * holds(u, outcomes)
    return num / den


@SETTINGS
@given(st.integers(0, 10**9))
def test_joint_counterfactuals_match_naive_enumeration(seed):
    rng = random.Random(seed)
    graph = random_admg(rng, rng.randint(2, 4))
    spec = random_spec(rng, graph)
    scm = build(spec)
    names = list(graph.nodes)

    def world():
        do = random_assignment(rng, rng.sample(names, rng.randint(0, len(names) - 1)))
        event = random_assignment(rng, [rng.choice([v for v in names if v not in do])])
        return do, event

    outcomes = [world() for _ in range(rng.randint(1, 2))]
    evidence = [world() for _ in range(rng.randint(0, 2))]
    try:
        expected = naive_joint(spec, outcomes, evidence)
    except ZeroDivisionError:
        with pytest.raises(InconsistentEvidence):
            scm.joint_counterfactual(outcomes, evidence)
        return
    assert scm.joint_counterfactual(outcomes, evidence) == expected


@SETTINGS
@given(st.integers(0, 10**9))
def test_posterior_is_a_distribution_consistent_with_the_evidence(seed):
    rng = random.Random(seed)
    graph = random_admg(rng, rng.randint(2, 4))
    spec = random_spec(rng, graph)
    scm = build(spec)
    evidence = random_assignment(rng, rng.sample(list(graph.nodes), 2 if len(graph.nodes) > 2 else 1))
    post = scm.posterior(evidence)
    assert sum(w for _, w in post) == 1
    assert all(all(scm.solve(u)[k] == x for k, x in evidence.items()) for u, _ in post)


def test_counterfactual_equals_interventional_without_evidence():
    rng = random.Random(7)
    graph = random_admg(rng, 4)
    scm = build(random_spec(rng, graph))
    for do in ({"A": 0}, {"B": 1, "A": 1}):
        assert scm.counterfactual({"D": 1}, do) == scm.probability({"D": 1}, do=do)


def test_graph_of_an_scm():
    spec_graph = ADMG("XMY", [("X", "M"), ("M", "Y")], [("X", "Y")])
    scm = build(random_spec(random.Random(1), spec_graph))
    assert scm.graph() == spec_graph


# ---------------------------------------------------------------- effects on a model computed by hand
def mediation_model() -> SCM:
    """X := [U1 >= 1]; M := X and Um; Y := M or (X and [U1 = 2]);
    P(U1 = 0, 1, 2) = 1/2, 1/4, 1/4; P(Um = 1) = 2/3.
    E[Y_0] = 0, E[Y_1] = 1 - 1/3 * 3/4 = 3/4; given X = 1, P(U1 = 2) = 1/2 so
    E[Y_1 | X = 1] = 1 - 1/3 * 1/2 = 5/6; Y_{1, M_0} = [U1 = 2]; Y_{0, M_1} = Um."""
    def x(a):
        return int(a["U1"] >= 1)

    def m(a):
        return a["X"] * a["Um"]

    def y(a):
        return int(a["M"] == 1 or (a["X"] == 1 and a["U1"] == 2))

    return SCM({"X": (0, 1), "M": (0, 1), "Y": (0, 1)},
               {"U1": {0: Fraction(1, 2), 1: Fraction(1, 4), 2: Fraction(1, 4)},
                "Um": {0: Fraction(1, 3), 1: Fraction(2, 3)}},
               {"X": Equation((), ("U1",), x), "M": Equation(("X",), ("Um",), m),
                "Y": Equation(("X", "M"), ("U1",), y)})


def test_effects_on_a_hand_computed_model():
    scm = mediation_model()
    assert scm.ate("X", "Y") == Fraction(3, 4)
    assert scm.ett("X", "Y") == Fraction(5, 6)
    assert scm.nde("X", "M", "Y") == Fraction(1, 4)
    assert scm.nie("X", ["M"], "Y") == Fraction(2, 3)
    assert scm.expectation("Y", do={"X": 1}) == Fraction(3, 4)
    assert scm.graph() == ADMG("XMY", [("X", "M"), ("M", "Y"), ("X", "Y")], [("X", "Y")])


def test_counterfactual_on_the_hand_computed_model():
    scm = mediation_model()
    # seen X = 1, Y = 0: then U1 = 1 and Um = 0; had X been 0, Y = 0 surely
    assert scm.counterfactual({"Y": 0}, {"X": 0}, {"X": 1, "Y": 0}) == 1
    # seen X = 0: Y_1 = Um or [U1 = 2], but U1 = 0 given X = 0, so P(Y_1 = 1 | X = 0) = 2/3
    assert scm.counterfactual({"Y": 1}, {"X": 1}, {"X": 0}) == Fraction(2, 3)
    # evidence observed under an intervention: P(X = 1 | Y_1 = 1), Y_1 = Um or [U1 = 2];
    # P(Y_1 = 1) = 3/4, P(X = 1, Y_1 = 1) = 1/4 + 1/4 * 2/3 = 5/12, so 5/9
    assert scm.counterfactual({"X": 1}, {}, {"Y": 1}, evidence_do={"X": 1}) == Fraction(5, 9)


def test_probability_of_necessity_and_sufficiency():
    scm = mediation_model()
    # PNS = P(Y_1 = 1, Y_0 = 0) = P(Y_1 = 1) since Y_0 = 0 always
    assert scm.joint_counterfactual([({"X": 1}, {"Y": 1}), ({"X": 0}, {"Y": 0})]) == Fraction(3, 4)
    # PN = P(Y_0 = 0 | X = 1, Y = 1) = 1
    assert scm.counterfactual({"Y": 0}, {"X": 0}, {"X": 1, "Y": 1}) == 1


def test_probability_zero_evidence_is_an_error():
    scm = mediation_model()
    with pytest.raises(InconsistentEvidence):
        scm.probability({"Y": 1}, given={"X": 0, "M": 1})
    with pytest.raises(InconsistentEvidence):
        scm.counterfactual({"Y": 1}, {"X": 1}, {"X": 0, "Y": 1})


def test_malformed_models_are_rejected():
    ok = Equation((), ("U",), lambda a: a["U"])
    with pytest.raises(SCMError):
        SCM({"X": (0, 1)}, {"U": {0: Fraction(1, 2), 1: Fraction(1, 3)}}, {"X": ok})
    with pytest.raises(SCMError):
        SCM({"X": (0, 1)}, {"U": {0: 1}}, {"X": Equation(("Z",), ("U",), lambda a: 0)})
    with pytest.raises(SCMError):
        SCM({"X": (0, 1)}, {"U": {0: 1}, "V": (0, 1)}, {"X": ok})
    bad = SCM({"X": (0, 1)}, {"U": {0: Fraction(1, 2), 2: Fraction(1, 2)}}, {"X": ok})
    with pytest.raises(SCMError):
        bad.probability({"X": 0})
    with pytest.raises(SCMError):
        mediation_model().probability({"Y": 1}, do={"X": 5})


def test_cyclic_equations_are_rejected():
    from engine.causal import CycleError
    with pytest.raises(CycleError):
        SCM({"X": (0, 1), "Y": (0, 1)}, {"U": {0: 1}},
            {"X": Equation(("Y",), ("U",), lambda a: a["Y"]),
             "Y": Equation(("X",), ("U",), lambda a: a["X"])})


# ---------------------------------------------------------------- deterministic mode
def det_model() -> SCM:
    """No distributions: X := U; Y := X and V; U, V in {0, 1} unknown."""
    return SCM({"X": (0, 1), "Y": (0, 1)}, {"U": (0, 1), "V": (0, 1)},
               {"X": Equation((), ("U",), lambda a: a["U"]),
                "Y": Equation(("X",), ("V",), lambda a: a["X"] * a["V"])})


def test_deterministic_counterfactuals_are_true_false_or_unknown():
    scm = det_model()
    assert scm.deterministic
    # seen X = 1, Y = 1: so V = 1; had X been 0, Y would have been 0
    assert scm.counterfactual({"Y": 0}, {"X": 0}, {"X": 1, "Y": 1}) is Verdict.TRUE
    assert scm.counterfactual({"Y": 1}, {"X": 0}, {"X": 1, "Y": 1}) is Verdict.FALSE
    # seen X = 0 (so Y = 0): V unknown, so Y_{X=1} = 1 is unknown
    assert scm.counterfactual({"Y": 1}, {"X": 1}, {"X": 0}) is Verdict.UNKNOWN
    assert scm.counterfactual({"Y": 1}, {"X": 1}, {"X": 1, "Y": 1}) == "true"
    with pytest.raises(InconsistentEvidence):
        scm.counterfactual({"Y": 1}, {"X": 1}, {"X": 0, "Y": 1})
    with pytest.raises(SCMError):
        scm.probability({"Y": 1})


def test_mixed_exogenous_kinds_are_rejected():
    with pytest.raises(SCMError):
        SCM({"X": (0, 1)}, {"U": (0, 1), "V": {0: 1}}, {"X": Equation((), ("U",), lambda a: a["U"])})


def test_events_may_be_predicates():
    scm = mediation_model()
    assert scm.probability(lambda w: w["M"] <= w["Y"]) == 1
    assert scm.probability(lambda w: w["Y"] == 1, given=lambda w: w["X"] == 1) == Fraction(5, 6)


# ---------------------------------------------------------------- Bayesian networks
def random_cpts(rng, graph, domain=(0, 1, 2)):
    out = {}
    for v in graph.nodes:
        parents = graph.parents(v)
        out[v] = {key: random_distribution(rng, domain)
                  for key in itertools.product(domain, repeat=len(parents))}
    return out


def factorised(graph, cpts, world, do=None):
    """The (truncated) factorisation: the product of the CPT entries of the non-intervened nodes."""
    do, p = do or {}, Fraction(1)
    for v in graph.nodes:
        if v in do:
            if world[v] != do[v]:
                return Fraction(0)
            continue
        p *= cpts[v][tuple(world[q] for q in graph.parents(v))][world[v]]
    return p


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.integers(0, 10**9))
def test_from_cpts_reproduces_the_truncated_factorisation(seed):
    rng = random.Random(seed)
    graph = random_admg(rng, rng.randint(1, 3), p_bidirected=0)
    cpts = random_cpts(rng, graph)
    scm = from_cpts(graph, cpts)
    names = list(graph.nodes)
    do = random_assignment(rng, rng.sample(names, rng.randint(0, len(names) - 1)), (0, 1, 2))
    dist = scm.distribution(names, do=do)
    for world in itertools.product((0, 1, 2), repeat=len(names)):
        expected = factorised(graph, cpts, dict(zip(names, world)), do)
        assert dist.get(world, 0) == expected


def test_from_cpts_with_explicit_parent_order_and_errors():
    graph = ADMG("AB", [("A", "B")])
    cpts = {"A": {(): {0: Fraction(1, 4), 1: Fraction(3, 4)}},
            "B": CPT(("A",), {(0,): {0: Fraction(1, 2), 1: Fraction(1, 2)}, (1,): {0: 0, 1: 1}})}
    scm = from_cpts(graph, cpts)
    assert scm.probability({"B": 1}) == Fraction(1, 8) + Fraction(3, 4)
    assert scm.probability({"A": 1}, given={"B": 1}) == Fraction(6, 7)
    assert scm.probability({"B": 1}, do={"A": 0}) == Fraction(1, 2)
    # a counterfactual is defined (for the quantile coupling): seen A = 1, B = 1
    assert scm.counterfactual({"B": 1}, {"A": 0}, {"A": 1, "B": 1}) == Fraction(1, 2)
    with pytest.raises(SCMError):
        from_cpts(ADMG("AB", [], [("A", "B")]), cpts)
    with pytest.raises(SCMError):
        from_cpts(graph, {"A": cpts["A"]})
    with pytest.raises(SCMError):
        from_cpts(graph, {**cpts, "A": {(): {0: Fraction(1, 2), 1: Fraction(1, 4)}}})
