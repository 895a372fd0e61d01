"""Acyclic directed mixed graphs (ADMGs): the causal diagrams of semi-Markovian models.

A directed edge X -> Y says X is an argument of Y's structural equation; a bidirected edge
X <-> Y says the equations of X and Y share an unobserved (exogenous) argument, a latent
confounder. The directed part must be acyclic: `ADMG(...)` raises `CycleError` naming a cycle.

Nodes are any hashable, sortable names (strings in practice). The order in which nodes are
given is kept and used to break ties, so every listing below is deterministic.

Operations used by the ID algorithm (Shpitser & Pearl 2006; Tian & Pearl 2002):
  * `subgraph(S)`: G[S], the nodes S with every edge of either kind between them;
  * `remove_incoming(X)`: G with every edge into X removed (directed edges into X and
    bidirected edges touching X), the graph of the intervention do(X);
  * `remove_outgoing(X)`: G with the directed edges out of X removed (used by back-door tests);
  * `districts()`: the c-components, the classes of the bidirected part's connectivity.

d-separation (`d_separated`) is m-separation for ADMGs, decided on the canonical DAG in which
every bidirected edge a <-> b becomes a fresh latent parent of a and b (Richardson 2003):
X and Y are m-separated by Z iff they are disconnected in the moral graph of the ancestral
set An(X ∪ Y ∪ Z) of that DAG once Z is removed (Lauritzen, Dawid, Larsen & Leimer 1990).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Iterable

Node = Hashable


class CycleError(ValueError):
    """The directed edges of a would-be ADMG contain a cycle (listed in `cycle`)."""

    def __init__(self, cycle):
        self.cycle = tuple(cycle)
        super().__init__("directed cycle: " + " -> ".join(map(str, self.cycle)))


class GraphError(ValueError):
    """An edge names an unknown node, a self-loop, or an argument is not a set of nodes."""


@dataclass(frozen=True)
class _Latent:
    """The latent parent standing for one bidirected edge in the canonical DAG."""
    ends: frozenset


def _as_set(nodes) -> frozenset:
    """A single node or an iterable of nodes, as a frozenset (strings count as one node)."""
    if isinstance(nodes, (str, bytes)) or not isinstance(nodes, Iterable):
        return frozenset([nodes])
    return frozenset(nodes)


class ADMG:
    """An acyclic directed mixed graph. Immutable; operations return new graphs."""

    def __init__(self, nodes: Iterable[Node] = (), directed: Iterable = (), bidirected: Iterable = ()):
        order = list(dict.fromkeys(nodes))
        directed = list(dict.fromkeys(tuple(e) for e in directed))
        bidirected = list(dict.fromkeys(frozenset(e) for e in bidirected))
        for a, b in directed:
            order.extend(n for n in (a, b) if n not in order)
        for e in bidirected:
            order.extend(n for n in sorted(e, key=str) if n not in order)
        self._check_edges(directed, bidirected)
        self.nodes: tuple = tuple(order)
        self.directed: frozenset = frozenset(directed)
        self.bidirected: frozenset = frozenset(bidirected)
        self._index = {n: i for i, n in enumerate(self.nodes)}
        self._order = self._topological_order()

    @staticmethod
    def _check_edges(directed, bidirected):
        for a, b in directed:
            if a == b:
                raise CycleError([a, a])
        for e in bidirected:
            if len(e) != 2:
                raise GraphError(f"a bidirected edge needs two distinct nodes: {sorted(e, key=str)}")

    # ------------------------------------------------------------------ helpers
    def _sorted(self, nodes) -> tuple:
        """`nodes` in the graph's node order."""
        return tuple(sorted(nodes, key=self._index.__getitem__))

    def _known(self, nodes) -> frozenset:
        nodes = _as_set(nodes)
        unknown = [n for n in nodes if n not in self._index]
        if unknown:
            raise GraphError(f"unknown nodes: {unknown}")
        return nodes

    def __repr__(self):
        d = ", ".join(f"{a}->{b}" for a, b in sorted(self.directed, key=str))
        b = ", ".join("<->".join(map(str, self._sorted(e))) for e in sorted(self.bidirected, key=str))
        return f"ADMG(nodes={list(self.nodes)}, directed=[{d}], bidirected=[{b}])"

    def __eq__(self, other):
        return (isinstance(other, ADMG) and set(self.nodes) == set(other.nodes)
                and self.directed == other.directed and self.bidirected == other.bidirected)

    def __hash__(self):
        return hash((frozenset(self.nodes), self.directed, self.bidirected))

    # ------------------------------------------------------------------ neighbourhoods
    def parents(self, nodes) -> tuple:
        """Nodes with a directed edge into some node of `nodes` (excluding `nodes` themselves)."""
        nodes = self._known(nodes)
        return self._sorted({a for a, b in self.directed if b in nodes} - nodes)

    def children(self, nodes) -> tuple:
        nodes = self._known(nodes)
        return self._sorted({b for a, b in self.directed if a in nodes} - nodes)

    def siblings(self, nodes) -> tuple:
        """Nodes joined by a bidirected edge to some node of `nodes`."""
        nodes = self._known(nodes)
        return self._sorted({n for e in self.bidirected if e & nodes for n in e} - nodes)

    def _closure(self, nodes, step) -> frozenset:
        seen = set(self._known(nodes))
        frontier = list(seen)
        while frontier:
            for n in step(frontier.pop()):
                if n not in seen:
                    seen.add(n)
                    frontier.append(n)
        return frozenset(seen)

    def ancestors(self, nodes) -> frozenset:
        """An(nodes): `nodes` and every node with a directed path into them."""
        return self._closure(nodes, self.parents)

    def descendants(self, nodes) -> frozenset:
        """De(nodes): `nodes` and every node reachable from them by a directed path."""
        return self._closure(nodes, self.children)

    # ------------------------------------------------------------------ order
    def _topological_order(self) -> tuple:
        """Kahn's algorithm, ties broken by node order; a leftover means a cycle."""
        indegree = {n: 0 for n in self.nodes}
        for _, b in self.directed:
            indegree[b] += 1
        ready = [n for n in self.nodes if indegree[n] == 0]
        out = []
        while ready:
            ready.sort(key=self._index.__getitem__)
            n = ready.pop(0)
            out.append(n)
            for a, b in self.directed:
                if a == n:
                    indegree[b] -= 1
                    if indegree[b] == 0:
                        ready.append(b)
        if len(out) < len(self.nodes):
            raise CycleError(self._find_cycle(set(self.nodes) - set(out)))
        return tuple(out)

    def _find_cycle(self, stuck) -> list:
        """A directed cycle among `stuck` (every node there has a parent there)."""
        n = min(stuck, key=self._index.__getitem__)
        path = []
        while n not in path:
            path.append(n)
            n = next(a for a, b in sorted(self.directed, key=str) if b == n and a in stuck)
        cycle = path[path.index(n):] + [n]
        return cycle[::-1]

    def topological_order(self) -> tuple:
        return self._order

    # ------------------------------------------------------------------ subgraphs
    def subgraph(self, nodes) -> "ADMG":
        """G[S]: the nodes S and every edge with both ends in S."""
        keep = self._known(nodes)
        return ADMG([n for n in self.nodes if n in keep],
                    [e for e in self.directed if e[0] in keep and e[1] in keep],
                    [e for e in self.bidirected if e <= keep])

    def remove_incoming(self, nodes) -> "ADMG":
        """G with every arrowhead into `nodes` removed: directed edges into them, bidirected edges at them."""
        cut = self._known(nodes)
        return ADMG(self.nodes, [e for e in self.directed if e[1] not in cut],
                    [e for e in self.bidirected if not e & cut])

    def remove_outgoing(self, nodes) -> "ADMG":
        """G with the directed edges out of `nodes` removed."""
        cut = self._known(nodes)
        return ADMG(self.nodes, [e for e in self.directed if e[0] not in cut], self.bidirected)

    # ------------------------------------------------------------------ districts
    def district_of(self, node) -> frozenset:
        """The c-component (district) containing `node`."""
        return self._closure([node], self.siblings)

    def districts(self) -> list:
        """The c-components: classes of nodes joined by bidirected paths, in node order."""
        out, seen = [], set()
        for n in self.nodes:
            if n not in seen:
                d = self.district_of(n)
                seen |= d
                out.append(d)
        return out

    # ------------------------------------------------------------------ the canonical DAG
    def latent_parents(self) -> dict:
        """node -> the latents (one per bidirected edge at it) of the canonical DAG."""
        out = {n: [] for n in self.nodes}
        for e in self.bidirected:
            for n in e:
                out[n].append(_Latent(e))
        return out


def _moral_ancestral_graph(g: ADMG, nodes: frozenset) -> dict:
    """The moral graph of An(nodes) in g's canonical DAG, as an adjacency dict."""
    keep = g.ancestors(nodes)
    latents = g.latent_parents()
    adjacency = {n: set() for n in keep}
    for child in keep:
        pars = [p for p in g.parents(child) if p in keep] + latents[child]
        for p in pars:
            adjacency.setdefault(p, set()).add(child)
            adjacency[child].add(p)
        for i, p in enumerate(pars):          # marry the parents
            for q in pars[i + 1:]:
                adjacency.setdefault(p, set()).add(q)
                adjacency.setdefault(q, set()).add(p)
    return adjacency


def d_separated(g: ADMG, x, y, z=()) -> bool:
    """Whether every x in X is d-separated (m-separated) from every y in Y given Z in g.

    X, Y, Z are nodes or sets of nodes; X and Y must not meet Z. Overlapping X and Y are
    never separated. Decided by reachability in the moralised ancestral graph, Z removed."""
    x, y, z = g._known(x), g._known(y), g._known(z)
    if (x | y) & z:
        raise GraphError("X and Y must not meet the conditioning set Z")
    if x & y:
        return False
    adjacency = _moral_ancestral_graph(g, x | y | z)
    seen, frontier = set(x), list(x)
    while frontier:
        for m in adjacency[frontier.pop()]:
            if m in y:
                return False
            if m not in seen and m not in z:
                seen.add(m)
                frontier.append(m)
    return True
