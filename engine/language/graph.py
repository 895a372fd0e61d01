"""Graphs of predicates: reachability, strongly connected components in dependency order,
and a path between two nodes. A graph is a dict from a node to an iterable of its successors
(the predicates a rule's head depends on, or the predicates linked to one); a node without an
entry has no successors. The search's static checks, Horn core and theory use these; the
kernel keeps its own (engine/kernel/closure.py), on purpose."""
from __future__ import annotations


def reachable(graph: dict, roots) -> set:
    """The nodes reachable from `roots`, roots included."""
    seen = set(roots)
    stack = list(seen)
    while stack:
        for nxt in graph.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def components(graph: dict, nodes=()) -> list:
    """The strongly connected components (frozensets) of the graph restricted to the nodes
    reachable from its keys and `nodes`, dependencies first: a component comes after every
    component its nodes reach (iterative Tarjan, roots and successors in sorted order)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    succ = lambda n: iter(sorted(graph.get(n, ())))
    for root in sorted(set(graph) | set(nodes)):
        if root in index:
            continue
        work = [(root, succ(root))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        p = stack.pop()
                        on.discard(p)
                        comp.append(p)
                        if p == node:
                            break
                    out.append(frozenset(comp))
            elif nxt not in index:
                index[nxt] = low[nxt] = len(index)
                stack.append(nxt)
                on.add(nxt)
                work.append((nxt, succ(nxt)))
            elif nxt in on:
                low[node] = min(low[node], index[nxt])
    return out


def dependency_order(graph: dict, nodes) -> list:
    """`nodes` in the order the language settles closed predicates: repeatedly the smallest
    name among those whose every reachable node (of `nodes`) is placed or reaches it back. So
    each comes after what it depends on, members of one cycle and unrelated nodes by name (the
    lexicographically least such order). The kernel computes the same order on its own."""
    wanted = set(nodes)
    reach = {p: reachable(graph, graph.get(p, ())) & wanted for p in wanted}
    order, left = [], set(wanted)
    while left:
        p = min(q for q in left if all(r not in left or r == q or q in reach[r] for r in reach[q]))
        order.append(p)
        left.remove(p)
    return order


def path(graph: dict, start, goal, within=None) -> list | None:
    """A shortest path start -> ... -> goal (a list of nodes), through nodes of `within` when
    given; None when there is none."""
    prev, frontier = {start: None}, [start]
    while frontier and goal not in prev:
        nxt = []
        for n in frontier:
            for m in sorted(graph.get(n, ())):
                if m not in prev and (within is None or m in within):
                    prev[m] = n
                    nxt.append(m)
        frontier = nxt
    if goal not in prev:
        return None
    out, node = [], goal
    while node is not None:
        out.append(node)
        node = prev[node]
    return out[::-1]
