"""engine/language/graph.py: the one reachability, component order and path function of the search,
against brute force on random graphs."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.language.graph import components, dependency_order, path, reachable

NODES = "abcdefg"
graphs = st.dictionaries(st.sampled_from(NODES), st.sets(st.sampled_from(NODES), max_size=3), max_size=7)


def closure(graph, start):
    """Brute force: nodes reachable by one or more... or zero edges."""
    seen = {start}
    changed = True
    while changed:
        changed = False
        for u in list(seen):
            for v in graph.get(u, ()):
                if v not in seen:
                    seen.add(v)
                    changed = True
    return seen


@settings(max_examples=300, deadline=None)
@given(graphs, st.sets(st.sampled_from(NODES), max_size=3))
def test_reachable_is_the_closure(graph, roots):
    want = set().union(*(closure(graph, r) for r in roots)) if roots else set()
    assert reachable(graph, roots) == want


@settings(max_examples=300, deadline=None)
@given(graphs)
def test_components_partition_and_come_dependencies_first(graph):
    nodes = set(graph) | {v for vs in graph.values() for v in vs}
    comps = components(graph)
    assert sorted(n for c in comps for n in c) == sorted(nodes)
    where = {n: i for i, c in enumerate(comps) for n in c}
    for u in nodes:
        for v in nodes:
            mutual = v in closure(graph, u) and u in closure(graph, v)
            assert (where[u] == where[v]) == mutual
            if v in closure(graph, u) and not mutual:
                assert where[v] < where[u]


@settings(max_examples=300, deadline=None)
@given(graphs, st.sets(st.sampled_from(NODES), min_size=1, max_size=5))
def test_dependency_order_puts_what_a_node_reaches_first(graph, wanted):
    order = dependency_order(graph, wanted)
    assert sorted(order) == sorted(wanted)
    at = {n: i for i, n in enumerate(order)}
    for u in wanted:
        for v in wanted:
            if v in closure(graph, u) and u not in closure(graph, v):
                assert at[v] < at[u]


def test_dependency_order_breaks_ties_by_name():
    assert dependency_order({}, {"c", "a", "b"}) == ["a", "b", "c"]
    assert dependency_order({"a": {"c"}}, {"a", "b", "c"}) == ["b", "c", "a"]
    assert dependency_order({"b": {"c"}, "c": {"b", "e"}}, {"b", "c", "e"}) == ["e", "b", "c"]


@settings(max_examples=300, deadline=None)
@given(graphs, st.sampled_from(NODES), st.sampled_from(NODES))
def test_path_is_a_shortest_path(graph, start, goal):
    found = path(graph, start, goal)
    if goal not in closure(graph, start):
        assert found is None
        return
    assert found[0] == start and found[-1] == goal
    assert all(b in graph.get(a, ()) for a, b in zip(found, found[1:]))
    # no shorter path: breadth-first distance
    dist, frontier, d = {start: 0}, [start], 0
    while frontier:
        d += 1
        frontier = [v for u in frontier for v in graph.get(u, ()) if v not in dist and not dist.update({v: d})]
    assert len(found) - 1 == dist[goal]


def test_path_within_a_set():
    g = {"a": {"b", "x"}, "b": {"c"}, "x": {"c"}}
    assert path(g, "a", "c", within={"b", "c"}) == ["a", "b", "c"]
    assert path(g, "a", "c", within={"c"}) is None
