"""Bayesian networks by variable elimination (engine/causal/bayesnet.py): observational,
conditional and interventional probabilities, distributions and ATEs exactly equal to those of
`from_cpts(...)` (enumeration of the exogenous settings) on seeded random networks of 2-6
binary/ternary variables, a hand-computed example, zero-probability evidence, barren pruning
and input errors."""
from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import pytest

from engine.causal import ADMG, CPT, BayesNet, InconsistentEvidence, SCMError, from_cpts
from engine.causal.scm import _quantile_cells

F = Fraction


# ---------------------------------------------------------------- random networks
def random_row(rng, values, zeros: bool):
    while True:
        weights = [rng.randint(0 if zeros else 1, 4) for _ in values]
        if sum(weights):
            return {v: F(w, sum(weights)) for v, w in zip(values, weights)}


def random_network(rng, n: int, max_parents=3, zeros=False, max_settings=800):
    """(graph, cpts) with nodes V0..V{n-1}, parents among earlier nodes, domains (0, 1) or
    (0, 1, 2); redrawn until from_cpts' enumeration has at most `max_settings` settings."""
    while True:
        nodes = [f"V{i}" for i in range(n)]
        domains = {v: (0, 1) if rng.random() < 0.6 else (0, 1, 2) for v in nodes}
        edges = []
        for i, v in enumerate(nodes):
            k = rng.randint(0, min(i, max_parents))
            edges += [(p, v) for p in rng.sample(nodes[:i], k)]
        graph = ADMG(nodes, edges)
        cpts = {}
        for v in nodes:
            parents = graph.parents(v)
            cpts[v] = {key: random_row(rng, domains[v], zeros)
                       for key in itertools.product(*(domains[p] for p in parents))}
        settings = math.prod(len(_quantile_cells(cpts[v].values())) for v in nodes)
        if settings <= max_settings:
            return graph, cpts, domains


def random_assignment(rng, names, domains):
    return {v: rng.choice(domains[v]) for v in names}


SEEDS = range(50)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_networks_match_enumeration(seed):
    rng = random.Random(seed)
    graph, cpts, domains = random_network(rng, rng.randint(2, 6), zeros=seed % 3 == 0)
    bn, scm = BayesNet(graph, cpts), from_cpts(graph, cpts)
    nodes = list(graph.nodes)
    # joint and marginal distributions
    assert bn.distribution(nodes) == scm.distribution(nodes)
    for v in nodes:
        assert bn.distribution([v]) == scm.distribution([v])
    # probabilities: plain, conditional, interventional, both
    for _ in range(12):
        k = rng.randint(1, min(3, len(nodes)))
        names = rng.sample(nodes, k)
        event = random_assignment(rng, names[:rng.randint(1, k)], domains)
        rest = [v for v in nodes if v not in event]
        given = random_assignment(rng, rng.sample(nodes, rng.randint(0, 2)), domains) if rng.random() < 0.7 else None
        do = random_assignment(rng, rng.sample(rest, min(len(rest), rng.randint(0, 2))), domains) or None
        if given and do:
            given = {v: x for v, x in given.items() if v not in do}
        try:
            expected = scm.probability(event, given, do)
        except InconsistentEvidence:
            with pytest.raises(InconsistentEvidence):
                bn.probability(event, given, do)
            continue
        assert bn.probability(event, given, do) == expected
        assert scm.distribution(names, do) == bn.distribution(names, do=do)
    # ATEs (up to 8 ordered pairs)
    pairs = list(itertools.permutations(nodes, 2))
    for x, y in rng.sample(pairs, min(8, len(pairs))):
        assert bn.ate(x, y) == scm.ate(x, y)
        if len(domains[x]) == 3:
            assert bn.ate(x, y, 2, 0) == scm.ate(x, y, 2, 0)


@pytest.mark.parametrize("seed", range(20))
def test_conditional_distribution_is_a_ratio_of_joints(seed):
    rng = random.Random(1000 + seed)
    graph, cpts, domains = random_network(rng, rng.randint(3, 6), max_settings=10 ** 9)
    bn = BayesNet(graph, cpts)
    nodes = list(graph.nodes)
    q, e = rng.sample(nodes, 2)
    ev = random_assignment(rng, [e], domains)
    joint = bn.distribution([q, e])
    p_e = sum(p for key, p in joint.items() if key[1] == ev[e])
    assert bn.distribution([q], given=ev) == {
        (key[0],): p / p_e for key, p in joint.items() if key[1] == ev[e]}
    assert sum(bn.distribution([q], given=ev).values()) == 1


# ---------------------------------------------------------------- a hand-computed example
def confounded():
    """Z -> X -> Y, Z -> Y, binary."""
    graph = ADMG(["Z", "X", "Y"], [("Z", "X"), ("Z", "Y"), ("X", "Y")])
    cpts = {
        "Z": {(): {0: F(1, 2), 1: F(1, 2)}},
        "X": {(0,): {0: F(3, 4), 1: F(1, 4)}, (1,): {0: F(1, 4), 1: F(3, 4)}},
        # key (z, x): graph.parents("Y") == ("Z", "X")
        "Y": {(0, 0): {0: F(9, 10), 1: F(1, 10)}, (0, 1): {0: F(1, 2), 1: F(1, 2)},
              (1, 0): {0: F(7, 10), 1: F(3, 10)}, (1, 1): {0: F(1, 5), 1: F(4, 5)}},
    }
    return graph, cpts


def test_hand_computed_example():
    bn = BayesNet(*confounded())
    # P(Y=1 | do(X=1)) = 1/2 * 1/2 + 1/2 * 4/5 = 13/20; P(Y=1 | do(X=0)) = 1/2 * 1/10 + 1/2 * 3/10 = 1/5
    assert bn.probability({"Y": 1}, do={"X": 1}) == F(13, 20)
    assert bn.probability({"Y": 1}, do={"X": 0}) == F(1, 5)
    assert bn.ate("X", "Y") == F(9, 20)
    assert bn.ate("X", "Y", x0=1, x1=0) == -F(9, 20)
    # P(X=1) = 1/2; P(Y=1, X=1) = 1/2*1/4*1/2 + 1/2*3/4*4/5 = 1/16 + 3/10 = 29/80; ratio 29/40
    assert bn.probability({"X": 1}) == F(1, 2)
    assert bn.probability({"Y": 1}, given={"X": 1}) == F(29, 40)
    # P(Z=1 | X=1) = 3/4 (Bayes), but do(X=1) leaves Z alone
    assert bn.probability({"Z": 1}, given={"X": 1}) == F(3, 4)
    assert bn.probability({"Z": 1}, do={"X": 1}) == F(1, 2)
    assert bn.distribution(["X", "Y"], do={"X": 1}) == {(1, 0): F(7, 20), (1, 1): F(13, 20)}
    assert bn.expectation("Y", do={"X": 1}) == F(13, 20)
    # an event that contradicts the evidence or the intervention
    assert bn.probability({"X": 0}, given={"X": 1}) == 0
    assert bn.probability({"X": 0}, do={"X": 1}) == 0
    assert bn.probability({"X": 1, "Z": 0}, given={"X": 1}) == F(1, 4)


def test_cpt_objects_with_their_own_parent_order():
    graph, cpts = confounded()
    swapped = {(x, z): row for (z, x), row in cpts["Y"].items()}
    cpts2 = dict(cpts, Y=CPT(("X", "Z"), swapped))
    assert BayesNet(graph, cpts2).ate("X", "Y") == F(9, 20)
    assert BayesNet(graph, cpts2).distribution(["Y", "Z"]) == BayesNet(graph, cpts).distribution(["Y", "Z"])


# ---------------------------------------------------------------- evidence, pruning, errors
def test_zero_probability_evidence():
    graph = ADMG(["A", "B"], [("A", "B")])
    cpts = {"A": {(): {0: F(1), 1: F(0)}},
            "B": {(0,): {0: F(1, 3), 1: F(2, 3)}, (1,): {0: F(1, 2), 1: F(1, 2)}}}
    bn = BayesNet(graph, cpts)
    with pytest.raises(InconsistentEvidence):
        bn.probability({"B": 1}, given={"A": 1})
    with pytest.raises(InconsistentEvidence):
        bn.distribution(["B"], given={"A": 0}, do={"A": 1})
    with pytest.raises(InconsistentEvidence):
        bn.probability({"B": 1}, given={"A": 7})
    assert bn.probability({"B": 1}, do={"A": 1}) == F(1, 2)   # do() may leave the support
    assert bn.probability({"B": 1}, given={"A": 0}) == F(2, 3)


def test_long_chain_prunes_barren_descendants():
    """A 400-node chain (the enumeration would need 2**400 settings): a query about the head
    touches only its ancestors, one about the tail eliminates the chain one node at a time."""
    n = 400
    nodes = [f"C{i}" for i in range(n)]
    graph = ADMG(nodes, list(zip(nodes, nodes[1:])))
    flip = {(0,): {0: F(2, 3), 1: F(1, 3)}, (1,): {0: F(1, 3), 1: F(2, 3)}}
    cpts = {nodes[0]: {(): {0: F(1), 1: F(0)}}, **{v: flip for v in nodes[1:]}}
    bn = BayesNet(graph, cpts)
    assert bn._relevant({"C3"}, {}) == {"C0", "C1", "C2", "C3"}
    assert bn._relevant({"C3"}, {"C2": 1}) == {"C2", "C3"}
    # P(C_k = 1) = (1 - (1/3)**k) / 2
    assert bn.probability({"C5": 1}) == (1 - F(1, 3) ** 5) / 2
    assert bn.probability({nodes[-1]: 1}) == (1 - F(1, 3) ** (n - 1)) / 2
    assert bn.ate("C10", "C12") == F(1, 9)
    assert bn.ate("C12", "C10") == 0


def test_elimination_order_is_min_fill_and_deterministic():
    bn = BayesNet(*confounded())
    scopes = [("Z",), ("X", "Z"), ("Y", "Z", "X")]
    # X and Z: no fill (Y, kept, is adjacent to both), two neighbours each; the name decides
    assert bn.elimination_order(["Z", "X"], scopes) == ["X", "Z"]
    assert bn.elimination_order(["X", "Z"], scopes[::-1]) == ["X", "Z"]
    star = ADMG(["H", "A", "B", "C"], [("H", "A"), ("H", "B"), ("H", "C")])
    row = {0: F(1, 2), 1: F(1, 2)}
    bn2 = BayesNet(star, {"H": {(): row}, **{v: {(0,): row, (1,): row} for v in "ABC"}})
    # eliminating the hub first would join A, B, C (3 fill edges); the leaves have none
    assert bn2.elimination_order(["H", "A", "B", "C"],
                                 [("H",), ("A", "H"), ("B", "H"), ("C", "H")]) == ["A", "B", "C", "H"]


def test_input_errors():
    graph, cpts = confounded()
    bn = BayesNet(graph, cpts)
    with pytest.raises(SCMError, match="unknown"):
        bn.probability({"W": 1})
    with pytest.raises(SCMError, match="domain"):
        bn.probability({"Y": 1}, do={"X": 5})
    with pytest.raises(SCMError):
        BayesNet(ADMG(["A", "B"], bidirected=[("A", "B")]), {"A": {(): {0: F(1)}}, "B": {(): {0: F(1)}}})
    with pytest.raises(SCMError, match="one CPT"):
        BayesNet(graph, {k: v for k, v in cpts.items() if k != "Y"})
    with pytest.raises(SCMError, match="row per configuration"):
        BayesNet(graph, dict(cpts, X={(0,): {0: F(1, 2), 1: F(1, 2)}}))
    with pytest.raises(SCMError, match="different values"):
        BayesNet(graph, dict(cpts, X={(0,): {0: F(1)}, (1,): {0: F(1, 2), 1: F(1, 2)}}))
    with pytest.raises(SCMError):
        BayesNet(graph, dict(cpts, Z={(): {0: F(1, 2), 1: F(1, 3)}}))


@pytest.mark.parametrize("seed", range(3))
def test_ten_variables_against_the_truncated_product(seed):
    """Beyond from_cpts' reach: the truncated factorisation summed over all 2**10 assignments."""
    rng = random.Random(500 + seed)
    nodes = [f"V{i}" for i in range(10)]
    edges = [(p, v) for i, v in enumerate(nodes) for p in rng.sample(nodes[:i], min(i, rng.randint(0, 3)))]
    graph = ADMG(nodes, edges)
    cpts = {v: {key: random_row(rng, (0, 1), False)
                for key in itertools.product((0, 1), repeat=len(graph.parents(v)))} for v in nodes}
    x, y, z = nodes[2], nodes[9], nodes[5]

    def mean_y(do, given):
        num = den = F(0)
        for values in itertools.product((0, 1), repeat=len(nodes)):
            a = dict(zip(nodes, values))
            if any(a[v] != xv for v, xv in do.items()) or any(a[v] != g for v, g in given.items()):
                continue
            w = F(1)
            for v in nodes:
                if v not in do:
                    w *= cpts[v][tuple(a[p] for p in graph.parents(v))][a[v]]
            num, den = num + w * a[y], den + w
        return num / den

    bn = BayesNet(graph, cpts)
    assert bn.ate(x, y) == mean_y({x: 1}, {}) - mean_y({x: 0}, {})
    assert bn.expectation(y, given={z: 1}, do={x: 0}) == mean_y({x: 0}, {z: 1})
