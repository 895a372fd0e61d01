"""ADMGs (engine/causal/graph.py): neighbourhoods, order, cycles, the subgraphs ID uses,
districts, and d-separation checked two ways on small random graphs:
  * against a brute-force definition written here: enumerate every simple path (directed and
    bidirected edges alike) and test blocking (a collider must be an ancestor of Z, a
    non-collider outside Z);
  * against the distributions of random SCMs compatible with the graph (exact Fractions):
    d-separated implies independent in every such model."""
from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from engine.causal import ADMG, CycleError, GraphError, d_separated
from test_causal_scm import build, random_admg, random_spec

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)


# ---------------------------------------------------------------- brute force
def naive_ancestors(graph, nodes):
    out = set(nodes)
    changed = True
    while changed:
        changed = False
        for a, b in graph.directed:
            if b in out and a not in out:
                out.add(a)
                changed = True
    return out


def edges_between(graph, a, b):
    """The edges joining a and b, each as (arrowhead at a, arrowhead at b)."""
    out = []
    if (a, b) in graph.directed:
        out.append((False, True))
    if (b, a) in graph.directed:
        out.append((True, False))
    if frozenset((a, b)) in graph.bidirected:
        out.append((True, True))
    return out


def paths(graph, start, end):
    """Every simple path from start to end, as (nodes, [(head at left, head at right)])."""
    def walk(node, seen, marks):
        if node == end:
            yield list(seen), list(marks)
            return
        for nxt in graph.nodes:
            if nxt in seen:
                continue
            for edge in edges_between(graph, node, nxt):
                yield from walk(nxt, seen + [nxt], marks + [edge])
    yield from walk(start, [start], [])


def open_path(graph, nodes, marks, z):
    anc_z = naive_ancestors(graph, z)
    for i in range(1, len(nodes) - 1):
        collider = marks[i - 1][1] and marks[i][0]
        if collider and nodes[i] not in anc_z:
            return False
        if not collider and nodes[i] in z:
            return False
    return True


def naive_d_separated(graph, x, y, z):
    return not any(open_path(graph, nodes, marks, set(z))
                   for a in x for b in y for nodes, marks in paths(graph, a, b))


def random_query(rng, graph):
    names = list(graph.nodes)
    rng.shuffle(names)
    kx, ky = rng.randint(1, 2), rng.randint(1, 2)
    x, y = names[:kx], names[kx:kx + ky]
    rest = names[kx + ky:]
    z = [v for v in rest if rng.random() < 0.5]
    return x, y, z


def all_queries(graph):
    """Every (x, y, Z): x, y single nodes, Z a subset of the other nodes."""
    for a, b in itertools.combinations(graph.nodes, 2):
        rest = [v for v in graph.nodes if v not in (a, b)]
        for k in range(len(rest) + 1):
            for z in itertools.combinations(rest, k):
                yield [a], [b], list(z)


# ---------------------------------------------------------------- d-separation
@SETTINGS
@given(st.integers(0, 10**9))
def test_d_separation_matches_path_enumeration(seed):
    rng = random.Random(seed)
    graph = random_admg(rng, rng.randint(3, 6), p_directed=rng.random(), p_bidirected=rng.random() * 0.5)
    x, y, z = random_query(rng, graph)
    assert d_separated(graph, x, y, z) == naive_d_separated(graph, x, y, z)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(0, 10**9))
def test_d_separation_matches_path_enumeration_on_every_query(seed):
    rng = random.Random(seed)
    graph = random_admg(rng, rng.randint(3, 5), p_directed=rng.random(), p_bidirected=rng.random() * 0.5)
    for x, y, z in all_queries(graph):
        assert d_separated(graph, x, y, z) == naive_d_separated(graph, x, y, z), (graph, x, y, z)


def independent(joint, names, x, y, z):
    """x and y independent given z in the joint distribution {value tuple: p} over `names`."""
    def marginal(assign):
        return sum((p for k, p in joint.items()
                    if all(k[names.index(v)] == val for v, val in assign.items())), Fraction(0))
    for values in itertools.product((0, 1), repeat=len(x) + len(y) + len(z)):
        a = dict(zip(list(x) + list(y) + list(z), values))
        pick = lambda vs: {v: a[v] for v in vs}
        if marginal(a) * marginal(pick(z)) != marginal(pick(x + z)) * marginal(pick(y + z)):
            return False
    return True


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(0, 10**9))
def test_d_separation_implies_independence_in_random_models(seed):
    rng = random.Random(seed)
    graph = random_admg(rng, rng.randint(3, 4))
    names = list(graph.nodes)
    joint = build(random_spec(rng, graph)).distribution(names)
    for x, y, z in all_queries(graph):
        if d_separated(graph, x, y, z):
            assert independent(joint, names, x, y, z), (graph, x, y, z)


def test_classic_separations():
    chain = ADMG("XMY", [("X", "M"), ("M", "Y")])
    assert not d_separated(chain, "X", "Y")
    assert d_separated(chain, "X", "Y", "M")
    collider = ADMG("XCYD", [("X", "C"), ("Y", "C"), ("C", "D")])
    assert d_separated(collider, "X", "Y")
    assert not d_separated(collider, "X", "Y", "C")
    assert not d_separated(collider, "X", "Y", "D")        # a descendant of the collider
    bow = ADMG("XY", [], [("X", "Y")])
    assert not d_separated(bow, "X", "Y")
    m_graph = ADMG("XZY", [], [("X", "Z"), ("Z", "Y")])    # X <-> Z <-> Y: Z a collider
    assert d_separated(m_graph, "X", "Y")
    assert not d_separated(m_graph, "X", "Y", "Z")
    with pytest.raises(GraphError):
        d_separated(chain, "X", "Y", ["X"])


# ---------------------------------------------------------------- structure
def front_door():
    return ADMG("XMY", [("X", "M"), ("M", "Y")], [("X", "Y")])


def test_neighbourhoods():
    g = front_door()
    assert g.parents("M") == ("X",) and g.children("X") == ("M",)
    assert g.parents({"M", "Y"}) == ("X",)
    assert g.siblings("X") == ("Y",)
    assert g.ancestors("Y") == {"X", "M", "Y"} and g.descendants("M") == {"M", "Y"}
    assert g.topological_order() == ("X", "M", "Y")
    with pytest.raises(GraphError):
        g.parents("Q")


def test_subgraphs_used_by_id():
    g = front_door()
    assert g.subgraph({"X", "Y"}) == ADMG("XY", [], [("X", "Y")])
    assert g.remove_incoming("X") == ADMG("XMY", [("X", "M"), ("M", "Y")])
    assert g.remove_incoming("M") == ADMG("XMY", [("M", "Y")], [("X", "Y")])
    assert g.remove_outgoing("X") == ADMG("XMY", [("M", "Y")], [("X", "Y")])


def test_districts():
    g = ADMG("ABCDE", [("A", "B"), ("B", "C")], [("A", "C"), ("C", "D")])
    assert g.districts() == [frozenset("ACD"), frozenset("B"), frozenset("E")]
    assert g.district_of("D") == frozenset("ACD")


def test_cycles_are_reported():
    with pytest.raises(CycleError) as err:
        ADMG("ABC", [("A", "B"), ("B", "C"), ("C", "A")])
    assert set(err.value.cycle) == {"A", "B", "C"} and err.value.cycle[0] == err.value.cycle[-1]
    assert "->" in str(err.value)
    with pytest.raises(CycleError):
        ADMG("A", [("A", "A")])
    with pytest.raises(GraphError):
        ADMG("A", [], [("A", "A")])


@SETTINGS
@given(st.integers(0, 10**9))
def test_order_and_closures_on_random_graphs(seed):
    rng = random.Random(seed)
    names = [chr(ord("A") + i) for i in range(rng.randint(1, 7))]
    rng.shuffle(names)
    g = random_admg(rng, len(names))
    order = g.topological_order()
    assert sorted(order) == sorted(g.nodes)
    assert all(order.index(a) < order.index(b) for a, b in g.directed)
    for v in g.nodes:
        assert g.ancestors(v) == naive_ancestors(g, {v})
        assert {d for d in g.nodes if v in naive_ancestors(g, {d})} == g.descendants(v)
    assert sorted(n for d in g.districts() for n in d) == sorted(g.nodes)
    for a, b in (tuple(e) for e in g.bidirected):
        assert g.district_of(a) == g.district_of(b)
