"""The kernel's own causal mathematics (engine/kernel/mgraph.py, poly.py, discrete.py) against
the search's independent implementations (engine/causal/: the test may import it, the kernel
may not) and against brute force written here:

  * m_separated vs graph.d_separated (moralisation) on random ADMGs;
  * project vs a brute-force reading of the latent projection (every simple path), and the
    projection preserving m-separation among the observed nodes;
  * is_backdoor / is_frontdoor vs identify.is_backdoor_set / is_frontdoor_set;
  * probability (observational, conditional, interventional) vs bayesnet.BayesNet, and with
    symbolic parameters evaluated at a point vs the numeric answer;
  * ate / ett / nde / nie vs scm.from_cpts(...).ate / .ett / .nde / .nie;
  * verdict vs scm.SCM's deterministic counterfactual and a brute-force loop;
  * adjustment / frontdoor_formula vs the interventional truth, on graphs with latents where
    the kernel's own criteria (on the kernel's own projection) license them;
  * factorisation_holds: whenever it says yes, the factorisation holds numerically;
  * Poly / Ratio algebra laws and exact constancy after cancellation.
"""
from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from engine.causal import ADMG, from_cpts
from engine.causal.bayesnet import BayesNet
from engine.causal.graph import d_separated
from engine.causal.identify import is_backdoor_set, is_frontdoor_set
from engine.causal.scm import SCM, Equation, InconsistentEvidence
from engine.kernel import Rejected
from engine.kernel.discrete import (adjustment, ate, ett, frontdoor_formula, joint, nde, nie,
                                    probability, solve, verdict)
from engine.kernel.mgraph import (Graph, ancestors, descendants, factorisation_holds, is_backdoor,
                                  is_frontdoor, m_separated, project, topological_order)
from engine.kernel.poly import Poly, Ratio, const, symbol

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True)
FEW = settings(max_examples=40, deadline=None, derandomize=True)
seeds = st.integers(0, 10 ** 9)


# ---------------------------------------------------------------------- random graphs and models
def random_graph(rng, n=None, p_dir=0.4, p_bi=0.25, bidirected=True) -> Graph:
    n = n or rng.randint(2, 7)
    nodes = [f"v{i}" for i in range(n)]
    rng.shuffle(nodes)                       # the node order is not a topological order
    rank = sorted(nodes, key=lambda v: int(v[1:]))
    directed = {(a, b) for i, a in enumerate(rank) for b in rank[i + 1:] if rng.random() < p_dir}
    bi = {(a, b) for a, b in itertools.combinations(rank, 2) if bidirected and rng.random() < p_bi}
    return Graph(tuple(nodes), frozenset(directed), frozenset(bi))


def admg(g: Graph) -> ADMG:
    return ADMG(g.nodes, g.directed, g.bidirected)


def subset(rng, items, p=0.3):
    return {v for v in items if rng.random() < p}


def random_cpts(rng, g: Graph, domains, positive=False):
    """{v: (parents in ADMG order, table)} with random Fraction rows."""
    a = admg(g)
    factors = {}
    for v in g.nodes:
        parents = a.parents(v)
        table = {}
        for key in itertools.product(*(domains[p] for p in parents)):
            weights = [rng.randint(1 if positive else 0, 3) for _ in domains[v]]
            if not sum(weights):
                weights[rng.randrange(len(weights))] = 1
            table[key] = {x: Fraction(w, sum(weights)) for x, w in zip(domains[v], weights)}
        factors[v] = (parents, table)
    return factors


def random_model(rng, n=None, positive=False, ternary=True):
    g = random_graph(rng, n, bidirected=False)
    domains = {v: ((0, 1, 2) if ternary and rng.random() < 0.2 else (0, 1)) for v in g.nodes}
    return g, domains, random_cpts(rng, g, domains, positive)


def cpts_of(factors):
    return {v: table for v, (_, table) in factors.items()}


# ---------------------------------------------------------------------- mgraph
@SETTINGS
@given(seeds)
def test_m_separation_agrees_with_moralisation(seed):
    rng = random.Random(seed)
    g = random_graph(rng)
    a = admg(g)
    for _ in range(8):
        nodes = list(g.nodes)
        rng.shuffle(nodes)
        z = subset(rng, nodes[2:], 0.35)
        x = {nodes[0]} | subset(rng, [v for v in nodes if v not in z], 0.15)
        y = {nodes[1]} | subset(rng, [v for v in nodes if v not in z and v not in x], 0.15)
        assert m_separated(g, x, y, z) == d_separated(a, x, y, z), (g, x, y, z)


def test_m_separation_classic_cases():
    chain = Graph(("a", "b", "c"), {("a", "b"), ("b", "c")})
    collider = Graph(("a", "b", "c", "d"), {("a", "b"), ("c", "b"), ("b", "d")})
    bow = Graph(("a", "b", "c"), {("a", "b")}, {("b", "c")})
    assert not m_separated(chain, "a", "c") and m_separated(chain, "a", "c", "b")
    assert m_separated(collider, "a", "c") and not m_separated(collider, "a", "c", "d")
    assert not m_separated(bow, "a", "c", "b") and m_separated(bow, "a", "c")
    assert not m_separated(chain, {"a", "b"}, {"b", "c"})
    with pytest.raises(Rejected):
        m_separated(chain, "a", "c", {"a"})
    with pytest.raises(Rejected):
        m_separated(chain, "a", "nope")


def test_ancestors_descendants_and_order():
    g = Graph(("c", "b", "a"), {("a", "b"), ("b", "c")}, {("a", "c")})
    assert ancestors(g, "b") == {"a", "b"} and descendants(g, {"b"}) == {"b", "c"}
    assert topological_order(g) == ("a", "b", "c")


@pytest.mark.parametrize("edges", [{("a", "b"), ("b", "a")}, {("a", "b"), ("b", "c"), ("c", "a")}])
def test_a_cyclic_graph_is_rejected(edges):
    g = Graph(("a", "b", "c"), frozenset(edges))
    for call in (lambda: topological_order(g), lambda: m_separated(g, "a", "c"),
                 lambda: project(g, {"a", "c"}), lambda: is_backdoor(g, {"a"}, {"c"}, ())):
        with pytest.raises(Rejected):
            call()


@pytest.mark.parametrize("nodes,directed,bidirected", [
    (("a",), {("a", "a")}, ()), (("a",), {("a", "b")}, ()), (("a", "b"), (), {("a", "a")}),
    (("a", "b"), (), {("a", "b", "a")}), (("a",), 3, ())])
def test_a_malformed_graph_is_rejected(nodes, directed, bidirected):
    with pytest.raises(Rejected):
        Graph(nodes, directed, bidirected)


def _simple_paths(g: Graph, a, b, latent):
    """Every simple path a ... b with latent intermediates, as lists of (mark at the near end,
    mark at the far end), marks "head" / "tail"."""
    steps = {v: [] for v in g.nodes}
    for u, w in g.directed:
        steps[u].append((w, "tail", "head"))
        steps[w].append((u, "head", "tail"))
    for u, w in g.bidirected:
        steps[u].append((w, "head", "head"))
        steps[w].append((u, "head", "head"))
    out = []

    def walk(v, visited, marks):
        for w, near, far in steps[v]:
            if w == b:
                out.append(marks + [(near, far)])
            elif w in latent and w not in visited:
                walk(w, visited | {w}, marks + [(near, far)])

    walk(a, {a}, [])
    return out


def brute_projection(g: Graph, observed):
    latent = set(g.nodes) - set(observed)
    directed, bidirected = set(), set()
    for a, b in itertools.permutations(observed, 2):
        for path in _simple_paths(g, a, b, latent):
            if all(m == ("tail", "head") for m in path):
                directed.add((a, b))
            inner_ok = all(not (path[i][1] == "head" and path[i + 1][0] == "head")
                           for i in range(len(path) - 1))
            if path[0][0] == "head" and path[-1][1] == "head" and inner_ok:
                bidirected.add(frozenset((a, b)))
    return directed, bidirected


@SETTINGS
@given(seeds)
def test_projection_agrees_with_brute_force(seed):
    rng = random.Random(seed)
    g = random_graph(rng, p_bi=0.15)
    observed = subset(rng, g.nodes, 0.6) or {g.nodes[0]}
    p = project(g, observed)
    directed, bidirected = brute_projection(g, observed)
    assert set(p.nodes) == observed
    assert set(p.directed) == directed
    assert {frozenset(e) for e in p.bidirected} == bidirected


@SETTINGS
@given(seeds)
def test_projection_preserves_m_separation_among_the_observed(seed):
    rng = random.Random(seed)
    g = random_graph(rng, p_bi=0.15)
    observed = sorted(subset(rng, g.nodes, 0.7) | set(g.nodes[:2]))
    p = project(g, observed)
    for _ in range(6):
        rng.shuffle(observed)
        z = subset(rng, observed[2:], 0.4)
        assert m_separated(p, {observed[0]}, {observed[1]}, z) == m_separated(g, {observed[0]}, {observed[1]}, z)


def test_projection_classic():
    g = Graph(("x", "u", "m", "y", "l"), {("u", "x"), ("u", "y"), ("x", "l"), ("l", "m"), ("m", "y")})
    p = project(g, ("x", "m", "y"))
    assert p.directed == {("x", "m"), ("m", "y")} and p.bidirected == {("x", "y")}


@SETTINGS
@given(seeds)
def test_backdoor_agrees_with_the_search(seed):
    rng = random.Random(seed)
    g = random_graph(rng)
    a = admg(g)
    for _ in range(6):
        x = subset(rng, g.nodes, 0.25) or {g.nodes[0]}
        y = subset(rng, g.nodes, 0.25) or {g.nodes[-1]}
        z = subset(rng, g.nodes, 0.3)
        assert is_backdoor(g, x, y, z) == is_backdoor_set(a, x, y, z), (g, x, y, z)


@SETTINGS
@given(seeds)
def test_frontdoor_agrees_with_the_search(seed):
    rng = random.Random(seed)
    g = random_graph(rng, p_dir=0.5, p_bi=0.2)
    a = admg(g)
    for _ in range(8):
        x, y = rng.choice(g.nodes), rng.choice(g.nodes)
        m = subset(rng, g.nodes, 0.3)
        assert is_frontdoor(g, x, y, m) == is_frontdoor_set(a, x, y, m), (g, x, y, m)


def test_frontdoor_classic():
    g = Graph(("x", "m", "y"), {("x", "m"), ("m", "y")}, {("x", "y")})
    assert is_frontdoor(g, "x", "y", {"m"})
    assert not is_frontdoor(Graph(g.nodes, g.directed | {("x", "y")}, g.bidirected), "x", "y", {"m"})
    assert not is_frontdoor(Graph(g.nodes, g.directed, g.bidirected | {("m", "y")}), "x", "y", {"m"})
    assert not is_frontdoor(g, "x", "y", set())


# ---------------------------------------------------------------------- probabilities
@SETTINGS
@given(seeds)
def test_probability_agrees_with_variable_elimination(seed):
    rng = random.Random(seed)
    g, domains, factors = random_model(rng, rng.randint(2, 6))
    net = BayesNet(admg(g), cpts_of(factors))
    for _ in range(5):
        nodes = list(g.nodes)
        rng.shuffle(nodes)
        event = {v: rng.choice(domains[v]) for v in nodes[:rng.randint(1, 2)]}
        rest = nodes[len(event):]
        given_ = {v: rng.choice(domains[v]) for v in subset(rng, rest, 0.3)}
        do = {v: rng.choice(domains[v]) for v in subset(rng, [v for v in rest if v not in given_], 0.3)}
        try:
            expected = net.probability(event, given_, do)
        except InconsistentEvidence:
            with pytest.raises(Rejected):
                probability(domains, factors, event, given_, do)
            continue
        assert probability(domains, factors, event, given_, do).value() == expected


@FEW
@given(seeds)
def test_joint_is_the_marginal(seed):
    rng = random.Random(seed)
    g, domains, factors = random_model(rng, rng.randint(2, 5))
    net = BayesNet(admg(g), cpts_of(factors))
    variables = sorted(subset(rng, g.nodes, 0.5) or {g.nodes[0]})
    table = joint(domains, factors, variables)
    assert set(table) == set(itertools.product(*(domains[v] for v in variables)))
    dist = net.distribution(variables)
    for key, p in table.items():
        assert p == dist.get(key, 0)
    assert sum(table.values(), Poly(0)) == 1


@FEW
@given(seeds)
def test_symbolic_parameters_evaluate_to_the_numeric_answer(seed):
    """A model whose rows carry symbols: the exact answer, evaluated at a point, is the numeric
    answer of the model with the symbols replaced by that point."""
    rng = random.Random(seed)
    g, domains, numeric = random_model(rng, rng.randint(2, 4), positive=True, ternary=False)
    point, symbolic = {}, {}
    for v, (parents, table) in numeric.items():
        rows = {}
        for key, row in table.items():
            name = f"t_{v}_{''.join(map(str, key))}"
            point[name] = row[1]
            rows[key] = {1: symbol(name), 0: 1 - symbol(name)}
        symbolic[v] = (parents, rows)
    v = rng.choice(g.nodes)
    others = [u for u in g.nodes if u != v]
    do = {u: rng.choice(domains[u]) for u in subset(rng, others, 0.3)}
    given_ = {u: rng.choice(domains[u]) for u in subset(rng, [u for u in others if u not in do], 0.4)}
    exact = probability(domains, symbolic, {v: 1}, given_, do)
    assert exact.evaluate(point) == probability(domains, numeric, {v: 1}, given_, do).value()
    # the row sums cancel exactly: P(v = 0 | ...) + P(v = 1 | ...) is the constant 1
    total = sum((probability(domains, symbolic, {v: x}, given_, do) for x in domains[v]), Ratio(0))
    assert total.value() == 1


def test_a_row_not_summing_to_one_is_rejected():
    domains = {"a": (0, 1), "b": (0, 1)}
    good = {"a": ((), {(): {0: Fraction(1, 3), 1: Fraction(2, 3)}}),
            "b": (("a",), {(0,): {0: Fraction(1, 2), 1: Fraction(1, 2)}, (1,): {0: 1, 1: 0}})}
    assert probability(domains, good, {"b": 1}).value() == Fraction(1, 6)
    bad = dict(good, b=(("a",), {(0,): {0: Fraction(1, 2), 1: Fraction(1, 3)}, (1,): {0: 1, 1: 0}}))
    with pytest.raises(Rejected):
        probability(domains, bad, {"b": 1})
    t = symbol("t")
    assert probability(domains, dict(good, a=((), {(): {0: t, 1: 1 - t}})), {"a": 1}).value() is None
    with pytest.raises(Rejected):        # t + t is not 1 as a polynomial
        probability(domains, dict(good, a=((), {(): {0: t, 1: t}})), {"a": 1})
    for broken in ({"a": ((), {(): {0: 1}}), "b": good["b"]},                   # a value missing
                   {"a": ((), {(): {0: Fraction(3, 2), 1: Fraction(-1, 2)}}), "b": good["b"]},
                   {"a": ((), {(): {0: 0.5, 1: 0.5}}), "b": good["b"]},           # floats
                   {"a": good["a"], "b": (("a",), {(0,): {0: 1, 1: 0}})},          # a row missing
                   {"a": good["a"]}):                                              # a factor missing
        with pytest.raises(Rejected):
            probability(domains, broken, {"b": 1})


def test_a_cyclic_model_is_rejected():
    domains = {"a": (0, 1), "b": (0, 1)}
    row = {0: Fraction(1, 2), 1: Fraction(1, 2)}
    factors = {"a": (("b",), {(0,): row, (1,): row}), "b": (("a",), {(0,): row, (1,): row})}
    with pytest.raises(Rejected):
        probability(domains, factors, {"a": 1})
    equations = {"a": (("b",), lambda v: v["b"]), "b": (("a",), lambda v: v["a"])}
    with pytest.raises(Rejected):
        solve(domains, equations, {})


def test_impossible_conditioning_is_rejected():
    domains = {"a": (0, 1), "b": (0, 1)}
    factors = {"a": ((), {(): {0: 1, 1: 0}}), "b": (("a",), {(0,): {0: 1, 1: 0}, (1,): {0: 0, 1: 1}})}
    with pytest.raises(Rejected):
        probability(domains, factors, {"b": 1}, given={"a": 1})
    with pytest.raises(Rejected):
        probability(domains, factors, {"b": 1}, given={"a": 1}, do={"a": 0})
    assert probability(domains, factors, {"b": 1}, do={"a": 1}).value() == 1


# ---------------------------------------------------------------------- effects
def _effect_case(seed):
    rng = random.Random(seed)
    g = random_graph(rng, rng.randint(3, 5), p_dir=0.6, bidirected=False)
    domains = {v: (0, 1) for v in g.nodes}
    factors = random_cpts(rng, g, domains)
    order = topological_order(g)
    i = rng.randrange(len(order) - 1)
    x = order[i]
    below = sorted(descendants(g, x) - {x})
    y = rng.choice(below if below and rng.random() < 0.8 else order[i + 1:])
    mediators = tuple(subset(rng, [v for v in order if v not in (x, y)], 0.5))
    return g, domains, factors, x, y, mediators


@FEW
@given(seeds)
def test_ate_and_ett_agree_with_the_scm(seed):
    g, domains, factors, x, y, _ = _effect_case(seed)
    model = from_cpts(admg(g), cpts_of(factors))
    assert ate(domains, factors, x, y).value() == model.ate(x, y)
    try:
        expected = model.ett(x, y)
    except InconsistentEvidence:
        with pytest.raises(Rejected):
            ett(domains, factors, x, y)
        return
    assert ett(domains, factors, x, y).value() == expected


@settings(max_examples=60, deadline=None, derandomize=True)
@given(seeds)
def test_natural_effects_agree_with_the_scm(seed):
    g, domains, factors, x, y, ms = _effect_case(seed)
    try:
        direct, indirect = nde(domains, factors, x, ms, y), nie(domains, factors, x, ms, y)
    except Rejected:
        return
    model = from_cpts(admg(g), cpts_of(factors))
    assert direct.value() == model.nde(x, ms, y)
    assert indirect.value() == model.nie(x, ms, y)


def test_the_random_natural_effects_are_mostly_identified():
    """So the differential test above is not vacuous."""
    identified = 0
    for seed in range(40):
        g, domains, factors, x, y, ms = _effect_case(seed)
        try:
            nde(domains, factors, x, ms, y)
            identified += 1
        except Rejected:
            pass
    assert identified >= 20, identified


def _mediation_model(witness: bool):
    """x -> c -> m -> y, x -> y, and (witness) c -> y: then c is a recanting witness."""
    g = Graph(("x", "c", "m", "y"), {("x", "c"), ("c", "m"), ("m", "y"), ("x", "y")} | ({("c", "y")} if witness else set()))
    domains = {v: (0, 1) for v in g.nodes}
    return g, domains, random_cpts(random.Random(7), g, domains, positive=True)


def test_a_recanting_witness_is_rejected_and_would_be_wrong():
    g, domains, factors = _mediation_model(witness=False)
    model = from_cpts(admg(g), cpts_of(factors))
    assert nde(domains, factors, "x", ("m",), "y").value() == model.nde("x", ("m",), "y")
    assert nie(domains, factors, "x", ("m",), "y").value() == model.nie("x", ("m",), "y")
    assert nde(domains, factors, "x", ("c",), "y").value() == model.nde("x", ("c",), "y")
    g, domains, factors = _mediation_model(witness=True)
    with pytest.raises(Rejected):
        nde(domains, factors, "x", ("m",), "y")
    with pytest.raises(Rejected):
        nie(domains, factors, "x", ("m",), "y")
    with pytest.raises(Rejected):
        nde(domains, factors, "x", ("y",), "y")


def test_effects_need_a_numeric_outcome():
    domains = {"x": (0, 1), "y": ("lo", "hi")}
    factors = {"x": ((), {(): {0: Fraction(1, 2), 1: Fraction(1, 2)}}),
               "y": (("x",), {(0,): {"lo": 1, "hi": 0}, (1,): {"lo": 0, "hi": 1}})}
    with pytest.raises(Rejected):
        ate(domains, factors, "x", "y")


# ---------------------------------------------------------------------- deterministic models
def random_deterministic(rng):
    background = tuple(f"u{i}" for i in range(rng.randint(1, 3)))
    endogenous = tuple(f"v{i}" for i in range(rng.randint(1, 4)))
    domains = {u: tuple(range(rng.randint(2, 3))) for u in background}
    domains.update({v: tuple(range(rng.randint(2, 3))) for v in endogenous})
    equations, spec = {}, {}
    for i, v in enumerate(endogenous):
        parents = tuple(p for p in background + endogenous[:i] if rng.random() < 0.5)
        table = {key: rng.choice(domains[v]) for key in itertools.product(*(domains[p] for p in parents))}
        equations[v] = (parents, lambda vals, parents=parents, table=table: table[tuple(vals[p] for p in parents)])
        spec[v] = (parents, table)
    return background, endogenous, domains, equations, spec


def brute_world(spec, endogenous, setting, do):
    world = dict(setting)
    for v in endogenous:
        parents, table = spec[v]
        world[v] = do[v] if v in do else table[tuple(world[p] for p in parents)]
    return world


@SETTINGS
@given(seeds)
def test_verdict_agrees_with_brute_force_and_the_scm(seed):
    rng = random.Random(seed)
    background, endogenous, domains, equations, spec = random_deterministic(rng)
    y = rng.choice(endogenous)
    outcome_value = rng.choice(domains[y])
    outcome = lambda w: w[y] == outcome_value
    evidence = {v: rng.choice(domains[v]) for v in subset(rng, endogenous, 0.4)}
    do = {v: rng.choice(domains[v]) for v in subset(rng, endogenous, 0.4)}
    evidence_do = {v: rng.choice(domains[v]) for v in subset(rng, endogenous, 0.2)} or None
    holds, fails = [], []
    for values in itertools.product(*(domains[u] for u in background)):
        setting = dict(zip(background, values))
        seen = brute_world(spec, endogenous, setting, evidence_do or {})
        if all(seen[k] == v for k, v in evidence.items()):
            (holds if outcome(brute_world(spec, endogenous, setting, do)) else fails).append(setting)
    model = SCM({v: domains[v] for v in endogenous}, {u: domains[u] for u in background},
                {v: Equation(tuple(p for p in spec[v][0] if p in endogenous),
                             tuple(p for p in spec[v][0] if p in background),
                             lambda a, f=equations[v][1]: f(a)) for v in endogenous})
    if not holds and not fails:
        with pytest.raises(Rejected, match="impossible"):
            verdict(domains, background, equations, outcome, evidence, do, evidence_do)
        with pytest.raises(InconsistentEvidence):
            model.counterfactual(outcome, do, evidence, evidence_do)
        return
    answer, yes, no = verdict(domains, background, equations, outcome, evidence, do, evidence_do)
    assert answer == ("unknown" if holds and fails else "true" if holds else "false")
    assert answer == model.counterfactual(outcome, do, evidence, evidence_do).value
    assert yes == (holds[0] if holds else None) and no == (fails[0] if fails else None)
    for setting in (yes, no):
        if setting is not None:
            assert solve(domains, equations, setting, do) == brute_world(spec, endogenous, setting, do)


def test_deterministic_malformed_input_is_rejected():
    domains = {"u": (0, 1), "v": (0, 1)}
    equations = {"v": (("u",), lambda a: a["u"] + 1)}
    with pytest.raises(Rejected):          # 2 is outside v's domain
        solve(domains, equations, {"u": 1})
    good = {"v": (("u",), lambda a: 1 - a["u"])}
    with pytest.raises(Rejected):          # u is not background
        verdict(domains, (), good, {"v": 1})
    with pytest.raises(Rejected, match="impossible"):
        verdict(domains, ("u",), good, {"v": 1}, evidence={"v": 1}, evidence_do={"v": 0})
    assert verdict(domains, ("u",), good, {"v": 1}, evidence={"v": 1})[0] == "true"
    assert verdict(domains, ("u",), good, {"v": 1}, evidence={"v": 1}, do={"u": 1})[0] == "false"
    assert verdict(domains, ("u",), good, {"v": 1})[0] == "unknown"


# ---------------------------------------------------------------------- estimand formulas
def _latent_case(seed, p_dir=0.45):
    rng = random.Random(seed)
    g, domains, factors = random_model(rng, rng.randint(3, 6), positive=True, ternary=False)
    g = Graph(g.nodes, g.directed, frozenset())
    latent = subset(rng, g.nodes, 0.3)
    observed = [v for v in g.nodes if v not in latent]
    return rng, g, domains, factors, observed


@SETTINGS
@given(seeds)
def test_adjustment_licensed_by_the_kernel_gives_the_interventional_truth(seed):
    rng, g, domains, factors, observed = _latent_case(seed)
    if len(observed) < 2:
        return
    p = project(g, observed)
    x, y = rng.sample(observed, 2)
    joint_fn = lambda a: probability(domains, factors, a)
    candidates = [v for v in observed if v not in (x, y)]
    for size in range(len(candidates) + 1):
        for z in itertools.combinations(candidates, size):
            if is_backdoor(p, {x}, {y}, set(z)):
                for xv in (0, 1):
                    truth = probability(domains, factors, {y: 1}, do={x: xv})
                    assert adjustment(joint_fn, {x: xv}, {y: 1}, z, domains) == truth
                return


def test_adjustment_with_the_wrong_set_is_wrong():
    g = Graph(("z", "x", "y"), {("z", "x"), ("z", "y"), ("x", "y")})
    domains = {v: (0, 1) for v in g.nodes}
    factors = random_cpts(random.Random(3), g, domains, positive=True)
    joint_fn = lambda a: probability(domains, factors, a)
    truth = probability(domains, factors, {"y": 1}, do={"x": 1})
    assert is_backdoor(g, {"x"}, {"y"}, {"z"}) and not is_backdoor(g, {"x"}, {"y"}, set())
    assert adjustment(joint_fn, {"x": 1}, {"y": 1}, ("z",), domains) == truth
    assert adjustment(joint_fn, {"x": 1}, {"y": 1}, (), domains) != truth


@SETTINGS
@given(seeds)
def test_frontdoor_formula_gives_the_interventional_truth(seed):
    """Pearl's graph u -> x, u -> y, x -> m -> y (u latent), random positive CPTs, and random
    graphs where the kernel's own criterion holds on its own projection."""
    rng = random.Random(seed)
    g = Graph(("u", "x", "m", "y"), {("u", "x"), ("u", "y"), ("x", "m"), ("m", "y")})
    domains = {v: (0, 1) for v in g.nodes}
    factors = random_cpts(rng, g, domains, positive=True)
    joint_fn = lambda a: probability(domains, factors, a)
    assert is_frontdoor(project(g, ("x", "m", "y")), "x", "y", {"m"})
    for xv in (0, 1):
        truth = probability(domains, factors, {"y": 1}, do={"x": xv})
        assert frontdoor_formula(joint_fn, {"x": xv}, {"y": 1}, ("m",), domains) == truth
    rng, g, domains, factors, observed = _latent_case(seed)
    p = project(g, observed)
    joint_fn = lambda a: probability(domains, factors, a)
    for x, y in itertools.permutations(observed, 2):
        rest = [v for v in observed if v not in (x, y)]
        for size in range(1, len(rest) + 1):
            for m in itertools.combinations(rest, size):
                if is_frontdoor(p, x, y, set(m)):
                    truth = probability(domains, factors, {y: 1}, do={x: 1})
                    assert frontdoor_formula(joint_fn, {x: 1}, {y: 1}, m, domains) == truth


@SETTINGS
@given(seeds)
def test_a_licensed_factorisation_holds_numerically(seed):
    rng, g, domains, factors, observed = _latent_case(seed)
    order = [v for v in topological_order(g) if v in observed]
    if rng.random() < 0.3:
        rng.shuffle(order)
    claimed = [(a, tuple(subset(rng, order[:i], 0.5))) for i, a in enumerate(order)]
    if rng.random() < 0.5:       # the parents within the order: often licensed
        claimed = [(a, tuple(v for v in order[:i] if (v, a) in g.directed)) for i, a in enumerate(order)]
    if not factorisation_holds(g, order, claimed):
        return
    table = joint(domains, factors, order)

    def p(assignment):
        names = tuple(assignment)
        return sum((w for key, w in joint(domains, factors, names).items()
                    if key == tuple(assignment[v] for v in names)), Poly(0))

    for key, w in table.items():
        a = dict(zip(order, key))
        product = Ratio(1)
        for v, given_ in claimed:
            product = product * Ratio(p({v: a[v], **{b: a[b] for b in given_}}), p({b: a[b] for b in given_}))
        assert product == w


def test_factorisation_cases():
    chain = Graph(("a", "b", "c"), {("a", "b"), ("b", "c")})
    assert factorisation_holds(chain, ("a", "b", "c"), [("a", ()), ("b", ("a",)), ("c", ("b",))])
    assert not factorisation_holds(chain, ("a", "b", "c"), [("a", ()), ("b", ()), ("c", ("b",))])
    assert not factorisation_holds(chain, ("a", "b", "c"), [("a", ()), ("b", ("a",)), ("c", ())])
    assert not factorisation_holds(chain, ("a", "c"), [("a", ()), ("c", ("b",))])   # b not before c
    assert factorisation_holds(chain, ("c", "b", "a"), [("c", ()), ("b", ("c",)), ("a", ("b",))])
    with pytest.raises(Rejected):
        factorisation_holds(chain, ("a", "b"), [("b", ()), ("a", ())])
    with pytest.raises(Rejected):
        factorisation_holds(chain, ("a", "a"), [("a", ()), ("a", ())])


# ---------------------------------------------------------------------- Poly / Ratio
SYMS = ("a", "b", "c")


def random_poly(rng, terms=3):
    p = Poly(0)
    for _ in range(rng.randint(0, terms)):
        mono = Poly(Fraction(rng.randint(-4, 4), rng.randint(1, 3)))
        for s in SYMS:
            mono = mono * symbol(s) ** rng.randint(0, 2)
        p = p + mono
    return p


@SETTINGS
@given(seeds)
def test_poly_algebra_laws(seed):
    rng = random.Random(seed)
    p, q, r = (random_poly(rng) for _ in range(3))
    point = {s: Fraction(rng.randint(-5, 5), rng.randint(1, 4)) for s in SYMS}
    assert p + q == q + p and p * q == q * p
    assert (p + q) + r == p + (q + r) and (p * q) * r == p * (q * r)
    assert p * (q + r) == p * q + p * r
    assert p - p == 0 and (p - q) + q == p and p * 1 == p and p * 0 == 0
    assert (p * q).evaluate(point) == p.evaluate(point) * q.evaluate(point)
    assert (p + q).evaluate(point) == p.evaluate(point) + q.evaluate(point)
    assert hash(p * q) == hash(q * p) and hash(p + 0) == hash(p)
    assert {p * (q + r): 1}[p * q + r * p] == 1
    assert (p ** 2) == p * p
    if not q.is_zero():
        ratio = Ratio(p * q, q)
        assert ratio == p
        if q.evaluate(point):
            assert ratio.evaluate(point) == p.evaluate(point)
        assert (Ratio(p, q) * Ratio(q, 1)) == p
        assert Ratio(p, q) + Ratio(r, q) == Ratio(p + r, q)
        assert (Ratio(p, q) - Ratio(p, q)).value() == 0
        if not p.is_zero():
            assert (Ratio(p, q) * Ratio(q, p)).value() == 1
            assert (Ratio(p, q) / Ratio(p, q)).value() == 1
        assert Ratio(p * q * 3, q * 2).value() == (Fraction(3, 2) * p.constant() if p.is_constant() else None)


def test_poly_constants_and_equality_with_numbers():
    a, b = symbol("a"), symbol("b")
    assert Poly(3) == 3 and hash(Poly(3)) == hash(3) and Poly(Fraction(1, 2)) == Fraction(1, 2)
    assert const(2).is_constant() and const(2).constant() == 2 and not a.is_constant()
    assert (a - a).is_constant() and (a - a).constant() == 0 and (a - a) == 0
    assert (a + b) * (a - b) == a * a - b * b and a * b != b * 1
    assert (a * 2 + 1).evaluate({"a": Fraction(1, 2)}) == 2
    with pytest.raises(Rejected):
        a.constant()
    with pytest.raises(Rejected):
        a.evaluate({})
    with pytest.raises(Rejected):
        Poly(0.5)
    with pytest.raises(Rejected):
        Ratio(a, a - a)
    with pytest.raises(Rejected):
        Ratio(a, b) / Ratio(0)
    with pytest.raises(Rejected):
        Ratio(a, a).evaluate({"a": 0})


def test_ratio_value_after_cancellation():
    a, b = symbol("a"), symbol("b")
    assert Ratio(a * b + a, a * (b + 1)).value() == 1
    assert Ratio(2 * a * b + 2 * a, 3 * a * (b + 1)).value() == Fraction(2, 3)
    assert Ratio(a, a + b).value() is None
    assert Ratio(a * b + a, a * (b + 2)).value() is None
    assert Ratio(a * a - b * b, a - b) == a + b and (Ratio(a * a - b * b, a - b) - (a + b)).value() == 0
    # a symbolic row, summed out: a + (1 - a) over any denominator is 1
    row = [a * b, a * (1 - b), (1 - a)]
    assert (sum((Ratio(p, 1 + a * a) for p in row), Ratio(0)) * (1 + a * a)).value() == 1
    assert (Ratio(a, a + b) + Ratio(b, a + b)).value() == 1
    assert (Ratio(a, a + b) + Ratio(b, b + a * 1)).value() == 1
    assert (Ratio(a, a + b) - Ratio(b, a + b)).value() is None
