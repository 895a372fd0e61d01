"""Acyclic directed mixed graphs (ADMGs) as plain data, and the kernel's own graphical criteria.

Written independently of engine/causal/graph.py and identify.py (which the kernel may not
import), and by other algorithms where there is a choice:

  * `Graph(nodes, directed, bidirected)`: frozen; `directed` holds pairs (a, b) for a -> b,
    `bidirected` pairs {a, b} for a <-> b (stored as pairs in a canonical order). An edge with
    an unknown end, a self-loop, or a bidirected "pair" of another length raises `Rejected`.
    Construction does not test acyclicity; `topological_order` does (Rejected on a directed
    cycle), and every criterion below calls it first.
  * `ancestors(g, xs)` / `descendants(g, xs)`: xs itself and every node with a directed path
    into / out of some node of xs.
  * `m_separated(g, xs, ys, zs)`: m-separation (d-separation for ADMGs, Richardson 2003),
    decided by reachability over the states (node, mark of the edge it was entered by): a walk
    may pass a node v entered and left by arrowheads at v (a collider; a bidirected edge has
    arrowheads at both ends) iff v is in An(zs), any other node iff v is not in zs. A walk with
    those rules exists between xs and ys iff an m-connecting path does (a collider in An(zs) \\ zs
    can be detoured down a shortest directed path to zs and back). Not by moralisation, which
    the search uses. xs or ys meeting zs raises Rejected; xs meeting ys: not separated.
  * `project(g, observed)`: the latent projection (Verma & Pearl 1990; Evans 2016, Def. 3.1)
    onto `observed`, the other nodes latent: a -> b iff a directed path a -> ... -> b has only
    latent intermediates; a <-> b (a != b) iff a path between them has only latent, non-collider
    intermediates and arrowheads at both a and b. Computed as: with U(a) the latents having
    a latent-only directed path into a, a <-> b iff U(a) and U(b) meet (a common latent ancestor:
    a <- ... <- l -> ... -> b), or g has u <-> w with u in U(a) + {a} and w in U(b) + {b}.
  * `is_backdoor(g, xs, ys, zs)`: zs contains no descendant of xs (xs included) and no node of
    ys, and zs m-separates xs from ys in g without the directed edges out of xs (Pearl 1995).
  * `is_frontdoor(g, x, y, ms)` (x, y single nodes, ms a non-empty set not containing them,
    x != y): (i) every directed path x -> y meets ms; (ii) x and ms are m-separated given nothing
    in g without x's outgoing edges; (iii) ms and y are m-separated given {x} in g without ms's
    outgoing edges (Pearl 1995).
  * `factorisation_holds(g, order, factors)`: factors is [(a_i, B_i)] with a_i = order[i]; it
    holds iff each B_i lies within order[:i] and a_i is m-separated in g from order[:i] \\ B_i
    given B_i. Then, for any distribution Markov to g (marginalised onto the nodes of `order`),
    the chain rule P(o) = prod_i P(a_i | order[:i]) becomes P(o) = prod_i P(a_i | B_i).
    A factor list not matching `order`, a repeated or unknown variable: Rejected.

Node sets may be given as any iterable of nodes, or one str node.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .terms import Rejected, rejecting as _rejecting

__all__ = ["Graph", "ancestors", "descendants", "topological_order", "m_separated", "project",
           "is_backdoor", "is_frontdoor", "factorisation_holds"]


@dataclass(frozen=True)
class Graph:
    nodes: tuple
    directed: frozenset = frozenset()
    bidirected: frozenset = frozenset()
    _parents: dict = field(default=None, init=False, repr=False, compare=False, hash=False)
    _children: dict = field(default=None, init=False, repr=False, compare=False, hash=False)
    _siblings: dict = field(default=None, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self):
        try:
            nodes = tuple(dict.fromkeys(self.nodes))
            directed = frozenset(tuple(e) for e in self.directed)
            bidirected = [tuple(e) for e in self.bidirected]
        except TypeError as exc:
            raise Rejected(f"a graph needs iterables of nodes and of edges: {exc}") from None
        known = set(nodes)
        for e in directed:
            if len(e) != 2 or e[0] not in known or e[1] not in known:
                raise Rejected(f"the directed edge {e!r} does not join two nodes of the graph")
            if e[0] == e[1]:
                raise Rejected(f"the directed edge {e!r} is a self-loop")
        canon = set()
        for e in bidirected:
            if len(e) != 2 or e[0] not in known or e[1] not in known or e[0] == e[1]:
                raise Rejected(f"the bidirected edge {e!r} does not join two distinct nodes")
            canon.add(tuple(sorted(e, key=repr)))
        parents = {n: set() for n in nodes}
        children = {n: set() for n in nodes}
        siblings = {n: set() for n in nodes}
        for a, b in directed:
            parents[b].add(a)
            children[a].add(b)
        for a, b in canon:
            siblings[a].add(b)
            siblings[b].add(a)
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "directed", directed)
        object.__setattr__(self, "bidirected", frozenset(canon))
        object.__setattr__(self, "_parents", parents)
        object.__setattr__(self, "_children", children)
        object.__setattr__(self, "_siblings", siblings)

    def parents(self, v) -> frozenset:
        return frozenset(self._parents[v])

    def children(self, v) -> frozenset:
        return frozenset(self._children[v])

    def siblings(self, v) -> frozenset:
        return frozenset(self._siblings[v])




def _nodes(g: Graph, xs) -> frozenset:
    if not isinstance(g, Graph):
        raise Rejected(f"{g!r} is not a Graph")
    if isinstance(xs, str):
        xs = (xs,)
    try:
        xs = frozenset(xs)
    except TypeError:
        raise Rejected(f"{xs!r} is not a set of nodes") from None
    unknown = [n for n in xs if n not in g._parents]
    if unknown:
        raise Rejected(f"unknown nodes: {unknown!r}")
    return xs


def _reach(start, step) -> frozenset:
    seen = set(start)
    stack = list(seen)
    while stack:
        for m in step(stack.pop()):
            if m not in seen:
                seen.add(m)
                stack.append(m)
    return frozenset(seen)


@_rejecting
def ancestors(g: Graph, xs) -> frozenset:
    """xs and every node with a directed path into a node of xs."""
    return _reach(_nodes(g, xs), g._parents.__getitem__)


@_rejecting
def descendants(g: Graph, xs) -> frozenset:
    """xs and every node with a directed path from a node of xs."""
    return _reach(_nodes(g, xs), g._children.__getitem__)


@_rejecting
def topological_order(g: Graph) -> tuple:
    """The nodes, every parent before its children (depth-first; ties by the node order).
    Rejected if the directed edges have a cycle."""
    _nodes(g, ())
    state: dict = {}          # 1: on the stack, 2: done
    out: list = []
    for root in g.nodes:
        if root in state:
            continue
        stack = [(root, iter(sorted(g._parents[root], key=g.nodes.index)))]
        state[root] = 1
        while stack:
            v, pending = stack[-1]
            for p in pending:
                if state.get(p) == 1:
                    raise Rejected(f"the directed edges have a cycle through {p!r}")
                if p not in state:
                    state[p] = 1
                    stack.append((p, iter(sorted(g._parents[p], key=g.nodes.index))))
                    break
            else:
                stack.pop()
                state[v] = 2
                out.append(v)
    return tuple(out)


_HEAD, _TAIL = True, False


def _moves(g: Graph, v):
    """(neighbour, mark at v, mark at the neighbour) for every edge at v."""
    for w in g._children[v]:
        yield w, _TAIL, _HEAD
    for w in g._parents[v]:
        yield w, _HEAD, _TAIL
    for w in g._siblings[v]:
        yield w, _HEAD, _HEAD


@_rejecting
def m_separated(g: Graph, xs, ys, zs=()) -> bool:
    """Whether xs and ys are m-separated given zs in g (see the module docstring)."""
    xs, ys, zs = _nodes(g, xs), _nodes(g, ys), _nodes(g, zs)
    topological_order(g)
    if (xs | ys) & zs:
        raise Rejected("the separated sets must not meet the conditioning set")
    if xs & ys:
        return False
    open_colliders = ancestors(g, zs)
    seen: set = set()
    stack = [(w, mark_w) for x in xs for w, _, mark_w in _moves(g, x)]
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        v, entered = state
        if v in ys:
            return False
        for w, mark_v, mark_w in _moves(g, v):
            collider = entered is _HEAD and mark_v is _HEAD
            if (v in open_colliders) if collider else (v not in zs):
                stack.append((w, mark_w))
    return True


@_rejecting
def project(g: Graph, observed) -> Graph:
    """The latent projection of g onto `observed` (see the module docstring)."""
    obs = _nodes(g, observed)
    topological_order(g)
    latent_up: dict = {}
    directed = set()
    for a in obs:
        latent_up[a] = _reach([a], lambda v: [p for p in g._parents[v] if p not in obs]) - {a}
        for b in _reach([a], lambda v: [c for c in g._children[v] if v == a or v not in obs]) - {a}:
            if b in obs:
                directed.add((a, b))
    bidirected = set()
    order = [n for n in g.nodes if n in obs]
    for i, a in enumerate(order):
        ends_a = latent_up[a] | {a}
        across = {w for u in ends_a for w in g._siblings[u]}
        for b in order[i + 1:]:
            ends_b = latent_up[b] | {b}
            if latent_up[a] & latent_up[b] or across & ends_b:
                bidirected.add((a, b))
    return Graph(tuple(order), frozenset(directed), frozenset(bidirected))


def _without_out_edges(g: Graph, cut: frozenset) -> Graph:
    return Graph(g.nodes, frozenset(e for e in g.directed if e[0] not in cut), g.bidirected)


@_rejecting
def is_backdoor(g: Graph, xs, ys, zs) -> bool:
    """Pearl's back-door criterion for the sets xs, ys and the adjustment set zs."""
    xs, ys, zs = _nodes(g, xs), _nodes(g, ys), _nodes(g, zs)
    topological_order(g)
    if zs & descendants(g, xs) or zs & ys:
        return False
    return m_separated(_without_out_edges(g, xs), xs, ys, zs)


def _single(g: Graph, v):
    if v not in g._parents:
        raise Rejected(f"unknown node {v!r}")
    return v


@_rejecting
def is_frontdoor(g: Graph, x, y, ms) -> bool:
    """Pearl's front-door criterion for single nodes x, y and the set ms."""
    x, y, ms = _single(g, x), _single(g, y), _nodes(g, ms)
    topological_order(g)
    if not ms or x == y or x in ms or y in ms:
        return False
    if y in _reach([x], lambda v: [c for c in g._children[v] if c not in ms]):
        return False
    if not m_separated(_without_out_edges(g, frozenset([x])), {x}, ms, ()):
        return False
    return m_separated(_without_out_edges(g, ms), ms, {y}, {x})


@_rejecting
def factorisation_holds(g: Graph, order, factors) -> bool:
    """Whether P(o) = prod P(a | B_a) follows from g (see the module docstring)."""
    order = tuple(order)
    _nodes(g, order)
    topological_order(g)
    if len(set(order)) != len(order):
        raise Rejected("a variable repeats in the order")
    factors = list(factors)
    if len(factors) != len(order):
        raise Rejected("one factor per variable of the order is needed")
    for i, item in enumerate(factors):
        try:
            a, given = item
        except (TypeError, ValueError):
            raise Rejected(f"{item!r} is not a (variable, conditioning set) pair") from None
        if a != order[i]:
            raise Rejected(f"factor {i} is for {a!r}, the order has {order[i]!r}")
        given = _nodes(g, given)
        before = frozenset(order[:i])
        if not given <= before:
            return False
        rest = before - given
        if rest and not m_separated(g, {a}, rest, given):
            return False
    return True
