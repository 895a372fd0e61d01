"""Causal discovery (engine/causal/discover.py): the PC algorithm and Markov equivalence classes.

With the d-separation oracle, PC must return exactly the CPDAG of the true DAG; the class's
members (enumerated) must share the DAG's skeleton and v-structures, include the DAG, and,
for small graphs, equal a brute-force enumeration of the DAGs with the same d-separations.
The G-test recovers the class from data generated exactly from an SCM's distribution, and
the chi-square p-value matches table values."""
from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from engine.causal import (ADMG, CPDAG, chi2_sf, cpdag_of, d_separated, from_cpts, g_statistic,
                           g_test, oracle_test, pc)

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


def random_dag(rng, n, p=None):
    names = [chr(ord("A") + i) for i in range(n)]
    p = rng.choice([0.2, 0.35, 0.5, 0.7]) if p is None else p
    order = names[:]
    rng.shuffle(order)                       # edges follow a hidden order, not the names'
    edges = [(a, b) for i, a in enumerate(order) for b in order[i + 1:] if rng.random() < p]
    return ADMG(names, edges)


def skeleton(edges):
    return frozenset(frozenset(e) for e in edges)


def v_structures(edges):
    skel = skeleton(edges)
    return {(frozenset((a, b)), c) for (a, c), (b, c2) in itertools.combinations(sorted(edges), 2)
            if c == c2 and frozenset((a, b)) not in skel}


def independences(dag):
    """Every d-separation statement of the DAG: the set of (frozenset{x, y}, S)."""
    out = set()
    nodes = list(dag.nodes)
    for x, y in itertools.combinations(nodes, 2):
        rest = [n for n in nodes if n not in (x, y)]
        for k in range(len(rest) + 1):
            for s in itertools.combinations(rest, k):
                if d_separated(dag, x, y, s):
                    out.add((frozenset((x, y)), frozenset(s)))
    return out


def acyclic(nodes, edges):
    try:
        ADMG(nodes, edges)
        return True
    except ValueError:
        return False


def equivalent_by_brute_force(dag):
    """Every DAG over the skeleton of `dag` with exactly its d-separations."""
    target = independences(dag)
    edges = sorted(dag.directed)
    out = set()
    for flips in itertools.product((False, True), repeat=len(edges)):
        cand = [(b, a) if f else (a, b) for (a, b), f in zip(edges, flips)]
        if acyclic(dag.nodes, cand) and independences(ADMG(dag.nodes, cand)) == target:
            out.add(frozenset(cand))
    return out


# ---------------------------------------------------------------- textbook cases
def test_collider_is_fully_directed():
    g = ADMG("abc", [("a", "c"), ("b", "c")])
    result = pc(g.nodes, oracle_test(g))
    assert result.directed == {("a", "c"), ("b", "c")} and not result.undirected
    assert result == cpdag_of(g)
    assert result.separating_sets == {frozenset("ab"): frozenset()}
    assert [m.directed for m in result.members()] == [g.directed]


@pytest.mark.parametrize("edges", [[("a", "b"), ("b", "c")], [("b", "a"), ("b", "c")],
                                   [("c", "b"), ("b", "a")]])
def test_chain_and_fork_are_undetermined(edges):
    g = ADMG("abc", edges)
    result = pc(g.nodes, oracle_test(g))
    assert not result.directed
    assert result.undirected == result.undetermined == {frozenset("ab"), frozenset("bc")}
    assert result.separating_sets == {frozenset("ac"): frozenset("b")}
    assert len(result.members()) == 3                 # the collider is not a member
    assert not result.is_member([("a", "b"), ("c", "b")])
    assert result.is_member(g)


def test_meek_rule_1_orients_after_a_collider():
    g = ADMG("abcd", [("a", "c"), ("b", "c"), ("c", "d")])
    result = pc(g.nodes, oracle_test(g))
    assert result.directed == g.directed and not result.undirected
    assert result == cpdag_of(g)


def test_meek_rule_1_stops_at_a_shielded_triple():
    # a -> c <- b, c - d, and a - d: (a, c, d) is shielded, but (b, c, d) still orients c -> d
    g = ADMG("abcd", [("a", "c"), ("b", "c"), ("c", "d"), ("a", "d")])
    result = pc(g.nodes, oracle_test(g))
    assert result.directed == g.directed and result == cpdag_of(g)


def test_meek_rule_2():
    # x -> y <- w, y -> z by R1, then x -> y -> z with x - z gives x -> z by R2
    g = ADMG("xywz", [("x", "y"), ("w", "y"), ("y", "z"), ("x", "z")])
    result = pc(g.nodes, oracle_test(g))
    assert result.directed == g.directed and not result.undirected


def test_meek_rule_3():
    # c -> b <- d (v-structure), a - c, a - d, a - b: R3 orients a -> b only
    g = ADMG("abcd", [("a", "c"), ("a", "d"), ("c", "b"), ("d", "b"), ("a", "b")])
    result = pc(g.nodes, oracle_test(g))
    assert result.directed == {("c", "b"), ("d", "b"), ("a", "b")}
    assert result.undirected == {frozenset("ac"), frozenset("ad")}
    assert result == cpdag_of(g)
    assert len(result.members()) == 3                 # c -> a <- d would be a new v-structure
    assert {m.directed for m in result.members()} == equivalent_by_brute_force(g)


def test_complete_graph_is_all_undetermined():
    g = ADMG("abcd", [(a, b) for a, b in itertools.combinations("abcd", 2)])
    result = pc(g.nodes, oracle_test(g))
    assert not result.directed and len(result.undirected) == 6
    assert len(result.members()) == 24                # every order of the four variables
    assert len(result.members(limit=5)) == 5


def test_empty_and_single_node():
    assert pc([], oracle_test(ADMG())) == CPDAG((), frozenset(), frozenset())
    r = pc(["a"], oracle_test(ADMG("a")))
    assert not r.directed and not r.undirected and len(r.members()) == 1


def test_max_condition_limits_the_skeleton_search():
    g = ADMG("abc", [("a", "b"), ("b", "c")])
    r0 = pc(g.nodes, oracle_test(g), max_condition=0)
    assert r0.skeleton() == {frozenset("ab"), frozenset("bc"), frozenset("ac")}
    assert pc(g.nodes, oracle_test(g), max_condition=1) == cpdag_of(g)


def test_str_and_bad_orientation():
    g = ADMG("abcd", [("a", "c"), ("b", "c"), ("d", "a")])
    assert str(cpdag_of(g)) == "CPDAG(a -> c, b -> c, a -- d)"
    with pytest.raises(ValueError):
        pc(g.nodes, oracle_test(g), orientation="greedy")
    with pytest.raises(ValueError):
        cpdag_of(ADMG("ab", [], [("a", "b")]))


# ---------------------------------------------------------------- random DAGs against the oracle
@SETTINGS
@given(st.integers(0, 10**9))
def test_pc_with_an_oracle_returns_the_true_cpdag(seed):
    rng = random.Random(seed)
    g = random_dag(rng, rng.randint(1, 7))
    names = list(g.nodes)
    rng.shuffle(names)                          # the result does not depend on the order
    result = pc(names, oracle_test(g))
    truth = cpdag_of(g)
    assert result == truth
    assert pc(names, oracle_test(g), orientation="conservative") == truth
    assert result.skeleton() == skeleton(g.directed)
    assert not result.conflicts and not result.ambiguous
    # separating sets really separate
    for pair, s in result.separating_sets.items():
        assert d_separated(g, *sorted(pair), s)
    for pair, s in truth.separating_sets.items():
        assert d_separated(g, *sorted(pair), s)
    # the class: every member has G's skeleton and v-structures; G is a member
    members = result.members()
    assert g.directed in {m.directed for m in members}
    assert result.is_member(g) and result.is_member(g.directed)
    for m in members:
        assert skeleton(m.directed) == skeleton(g.directed)
        assert v_structures(m.directed) == v_structures(g.directed)
        assert result.is_member(m)
    # compelled edges agree in every member; each undetermined edge goes both ways in some
    for a, b in result.directed:
        assert all((a, b) in m.directed for m in members)
    for e in result.undirected:
        a, b = sorted(e)
        assert any((a, b) in m.directed for m in members)
        assert any((b, a) in m.directed for m in members)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(0, 10**9))
def test_members_equal_the_dags_with_the_same_independences(seed):
    rng = random.Random(seed)
    g = random_dag(rng, rng.randint(2, 4))
    assert {m.directed for m in cpdag_of(g).members()} == equivalent_by_brute_force(g)


def test_is_member_rejections():
    g = ADMG("abc", [("a", "b"), ("b", "c")])
    c = cpdag_of(g)
    assert not c.is_member([("a", "b")])                          # another skeleton
    assert not c.is_member([("a", "b"), ("b", "a"), ("b", "c")])  # both ways
    assert not c.is_member([("a", "b"), ("b", "c"), ("x", "a")])  # unknown node
    assert not c.is_member(ADMG("abc", [("a", "b"), ("b", "c")], [("a", "c")]))
    collider = cpdag_of(ADMG("abc", [("a", "c"), ("b", "c")]))
    assert not collider.is_member([("c", "a"), ("b", "c")])


# ---------------------------------------------------------------- imperfect tests
def test_conflicting_colliders_leave_the_edge_undetermined():
    # a - b - c - d with a _||_ c, b _||_ d, a _||_ d marginally: colliders at b and at c
    # orient b - c both ways; it is reported as a conflict, undirected
    marginal = {frozenset("ac"), frozenset("bd"), frozenset("ad")}

    def independent(x, y, s):
        return not s and frozenset((x, y)) in marginal

    result = pc("abcd", independent)
    assert result.directed == {("a", "b"), ("d", "c")}
    assert result.undirected == {frozenset("bc")}
    assert result.conflicts == {frozenset("bc")}


def test_conservative_marks_an_ambiguous_triple():
    # a _||_ c both marginally and given b: b is in one separating set and not another
    def independent(x, y, s):
        return frozenset((x, y)) == frozenset("ac")

    standard = pc("abc", independent)
    assert standard.directed == {("a", "b"), ("c", "b")}
    conservative = pc("abc", independent, orientation="conservative")
    assert not conservative.directed and conservative.ambiguous == {(frozenset("ac"), "b")}
    assert conservative.undirected == {frozenset("ab"), frozenset("bc")}


def test_ambiguous_triples_block_meek_rules():
    # d -> a (collider d -> a <- e), a - b - c with (a, b, c) ambiguous: R1 orients a -> b
    # (from (d, a, b)), but b - c stays undetermined
    g = ADMG("abcde", [("d", "a"), ("e", "a"), ("a", "b"), ("b", "c")])
    oracle = oracle_test(g)

    def independent(x, y, s):
        if frozenset((x, y)) == frozenset("ac") and s == frozenset():
            return True                                   # an unfaithful extra independence
        return oracle(x, y, s)

    result = pc(g.nodes, independent, orientation="conservative")
    assert ("a", "b") in result.directed and frozenset("bc") in result.undirected
    assert (frozenset("ac"), "b") in result.ambiguous
    assert pc(g.nodes, oracle, orientation="conservative") == cpdag_of(g)


# ---------------------------------------------------------------- data: the G-test
def exact_rows(scm, names, n):
    """One row per joint assignment, weighted by round(n * P(assignment))."""
    dist = scm.distribution(names)
    rows = [dict(zip(names, k)) for k in sorted(dist)]
    weights = [round(n * dist[k]) for k in sorted(dist)]
    return rows, weights


def bernoulli(p):
    p = Fraction(p)
    return {0: 1 - p, 1: p}


COLLIDER = ADMG("abc", [("a", "c"), ("b", "c")])
COLLIDER_CPTS = {"a": {(): bernoulli("1/2")}, "b": {(): bernoulli("2/5")},
                 "c": {(0, 0): bernoulli("1/10"), (0, 1): bernoulli("7/10"),
                       (1, 0): bernoulli("3/5"), (1, 1): bernoulli("19/20")}}
CHAIN = ADMG("abc", [("a", "b"), ("b", "c")])
CHAIN_CPTS = {"a": {(): bernoulli("3/10")}, "b": {(0,): bernoulli("1/5"), (1,): bernoulli("4/5")},
              "c": {(0,): bernoulli("1/4"), (1,): bernoulli("9/10")}}


@pytest.mark.parametrize("dag, cpts", [(COLLIDER, COLLIDER_CPTS), (CHAIN, CHAIN_CPTS)])
def test_g_test_on_exact_data_recovers_the_cpdag(dag, cpts):
    scm = from_cpts(dag, cpts)
    names = list(dag.nodes)
    rows, weights = exact_rows(scm, names, 100_000)
    result = pc(names, g_test(rows, alpha=0.01, weights=weights))
    assert result == cpdag_of(dag)
    # the same data written out row by row (fewer rows: N = 2000)
    rows2, weights2 = exact_rows(scm, names, 2000)
    flat = [r for r, w in zip(rows2, weights2) for _ in range(w)]
    assert pc(names, g_test(flat, alpha=0.01)) == cpdag_of(dag)


def test_g_test_on_a_four_node_model():
    # a -> c <- b, c -> d: fully directed (R1), from exact data
    dag = ADMG("abcd", [("a", "c"), ("b", "c"), ("c", "d")])
    cpts = dict(COLLIDER_CPTS, d={(0,): bernoulli("1/5"), (1,): bernoulli("3/4")})
    rows, weights = exact_rows(from_cpts(dag, cpts), list(dag.nodes), 100_000)
    test = g_test(rows, weights=weights)
    result = pc(dag.nodes, test)
    assert result == cpdag_of(dag) and result.directed == dag.directed
    assert test.p_value("a", "b") > 0.5 and test.p_value("a", "d") < 1e-10


def test_g_statistic_by_hand():
    table = {(0, 0): 10, (0, 1): 20, (1, 0): 30, (1, 1): 40}
    rows = [{"x": a, "y": b} for (a, b), n in table.items() for _ in range(n)]
    g, df = g_statistic(rows, "x", "y")
    n = 100
    rx = {0: 30, 1: 70}
    cy = {0: 40, 1: 60}
    expected = 2 * sum(o * math.log(o / (rx[a] * cy[b] / n)) for (a, b), o in table.items())
    assert df == 1 and g == pytest.approx(expected, rel=1e-12)
    scipy_stats = pytest.importorskip("scipy.stats")
    stat, p, dof, _ = scipy_stats.chi2_contingency([[10, 20], [30, 40]], correction=False,
                                                   lambda_="log-likelihood")
    assert g == pytest.approx(stat, rel=1e-9) and dof == df
    assert g_test(rows).p_value("x", "y") == pytest.approx(p, rel=1e-9)


def test_g_test_degrees_of_freedom_skip_empty_cells():
    # stratum z = 0: x takes one value only (contributes 0 df); z = 1: a 2 x 3 table (2 df);
    # z = 2 never occurs (skipped)
    rows = ([{"x": 0, "y": y, "z": 0} for y in (0, 1, 2) for _ in range(5)]
            + [{"x": x, "y": y, "z": 1} for x in (0, 1) for y in (0, 1, 2) for _ in range(4)])
    g, df = g_statistic(rows, "x", "y", {"z"})
    assert df == 2 and g == pytest.approx(0.0, abs=1e-12)
    test = g_test(rows)
    assert test("x", "y", frozenset({"z"}))
    # no df at all: no evidence against independence
    constant = [{"x": 0, "y": y} for y in (0, 1)]
    assert g_statistic(constant, "x", "y") == (0.0, 0)
    assert g_test(constant).p_value("x", "y") == 1.0


def test_g_test_caches_symmetrically():
    rows = [{"x": i % 2, "y": (i // 2) % 2} for i in range(40)]
    t = g_test(rows)
    assert t("x", "y") and t("y", "x")
    assert len(t._cache) == 1


# ---------------------------------------------------------------- the chi-square p-value
@pytest.mark.parametrize("x, df", [(3.841, 1), (5.991, 2), (7.815, 3), (11.070, 5), (18.307, 10),
                                   (31.410, 20)])
def test_chi2_sf_table_values(x, df):
    assert chi2_sf(x, df) == pytest.approx(0.05, abs=1e-3)


@pytest.mark.parametrize("x, df, p", [(6.635, 1, 0.01), (2.706, 1, 0.10), (9.210, 2, 0.01),
                                      (23.209, 10, 0.01), (2.0, 2, math.exp(-1.0))])
def test_chi2_sf_more_values(x, df, p):
    assert chi2_sf(x, df) == pytest.approx(p, abs=1e-3)


def test_chi2_sf_exact_forms_and_edges():
    # df = 2: sf = exp(-x / 2) exactly; df = 1: sf = erfc(sqrt(x / 2))
    for x in (0.1, 1.0, 3.0, 10.0, 50.0):
        assert chi2_sf(x, 2) == pytest.approx(math.exp(-x / 2), rel=1e-10)
        assert chi2_sf(x, 1) == pytest.approx(math.erfc(math.sqrt(x / 2)), rel=1e-9)
    assert chi2_sf(0.0, 3) == 1.0 and chi2_sf(-1.0, 3) == 1.0
    with pytest.raises(ValueError):
        chi2_sf(1.0, 0)
    scipy_stats = pytest.importorskip("scipy.stats")
    for df in (1, 3, 7, 20, 55):
        for x in (0.01, 0.5, df - 0.5, df, df + 3.0, 3.0 * df + 10):
            assert chi2_sf(x, df) == pytest.approx(scipy_stats.chi2.sf(x, df), rel=1e-8, abs=1e-300)


def sampled_rows(scm, names, n, seed):
    """n rows drawn at random (seeded) from the SCM's distribution: a noisy table."""
    dist = sorted(scm.distribution(names).items())
    rng = random.Random(seed)
    keys = [k for k, _ in dist]
    draws = rng.choices(keys, weights=[float(p) for _, p in dist], k=n)
    return [dict(zip(names, k)) for k in draws]


def test_the_stable_skeleton_does_not_depend_on_the_order():
    dag = ADMG("abcde", [("a", "c"), ("b", "c"), ("c", "d"), ("b", "e"), ("e", "d")])
    cpts = dict(COLLIDER_CPTS, d={(0, 0): bernoulli("1/5"), (0, 1): bernoulli("1/2"),
                                  (1, 0): bernoulli("3/5"), (1, 1): bernoulli("9/10")},
                e={(0,): bernoulli("1/3"), (1,): bernoulli("3/4")})
    scm = from_cpts(dag, cpts)
    names = list(dag.nodes)
    rows = sampled_rows(scm, names, 300, seed=7)
    test = g_test(rows, alpha=0.05)
    results = [pc(order, test) for order in itertools.permutations(names)]
    conservative = [pc(order, test, orientation="conservative")
                    for order in itertools.permutations(names)]
    assert len({r.skeleton() for r in results + conservative}) == 1
    assert len({(r.directed, r.undirected, r.ambiguous) for r in conservative}) == 1
    # with ample exact data the truth comes back
    rows, weights = exact_rows(scm, names, 100_000)
    assert pc(names, g_test(rows, weights=weights)) == cpdag_of(dag)
