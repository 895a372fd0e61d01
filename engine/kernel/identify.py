"""The kernel's own ID algorithm (Shpitser and Pearl, "Identification of joint interventional
distributions in recursive semi-Markovian causal models", AAAI 2006; Tian and Pearl 2002),
evaluated directly on the observed distribution: it computes P(y | do(x)) as an exact rational
function (engine/kernel/poly.py) of the observed joint, or rejects (a hedge: not identifiable).
Written apart from engine/causal/identify.py, which builds estimand expressions; the kernel
compares values, not expressions.

A distribution is a pair (variables, function of an assignment to at least those variables);
an assignment carries the values of the query's y and x throughout, and the values being summed.
The lines of the algorithm, for the graph G over V and the distribution P:
  1  x empty:                 sum_{V \\ y} P
  2  V is not An(y):          ID(y, x & An(y), sum_{V \\ An(y)} P, G[An(y)])
  3  W = (V \\ x) \\ An(y) in G with the edges into x cut, not empty:  ID(y, x | W, P, G)
  4  G[V \\ x] has districts S_1..S_k, k > 1:   sum_{V \\ (y | x)} prod_i ID(S_i, V \\ S_i, P, G)
  5  one district S, and G is one district:   fail (a hedge)
  6  S is a district of G:    sum_{S \\ y} prod_{v in S} P(v | the variables before v)
  7  S inside a district S' of G:  ID(y, x & S', prod_{v in S'} P(v | those before v), G[S'])
"""
from __future__ import annotations

import itertools

from . import mgraph
from .poly import Ratio
from .terms import Rejected


def districts(g: mgraph.Graph, nodes) -> list:
    """The districts (connected by bidirected edges) of g restricted to `nodes`, in g's order."""
    nodes = [v for v in g.nodes if v in set(nodes)]
    left, out = set(nodes), []
    for v in nodes:
        if v not in left:
            continue
        part, stack = set(), [v]
        while stack:
            u = stack.pop()
            if u in part:
                continue
            part.add(u)
            stack.extend(w for w in g.siblings(u) if w in left and w not in part)
        left -= part
        out.append(frozenset(part))
    return out


def _sub(g: mgraph.Graph, keep) -> mgraph.Graph:
    keep = set(keep)
    return mgraph.Graph(tuple(v for v in g.nodes if v in keep),
                        frozenset((a, b) for a, b in g.directed if a in keep and b in keep),
                        frozenset(e for e in g.bidirected if set(e) <= keep))


def _cut_into(g: mgraph.Graph, xs) -> mgraph.Graph:
    xs = set(xs)
    return mgraph.Graph(g.nodes, frozenset((a, b) for a, b in g.directed if b not in xs),
                        frozenset(e for e in g.bidirected if not set(e) & xs))


class _Hedge(Exception):
    pass


class _ID:
    def __init__(self, domains, order):
        self.domains = domains
        self.order = list(order)

    def sum_over(self, names, f):
        names = sorted(names, key=self.order.index)

        def g(a):
            total = Ratio(0)
            for vals in itertools.product(*(self.domains[n] for n in names)):
                total = total + f({**a, **dict(zip(names, vals))})
            return total
        return g if names else f

    def conditional(self, p, nodes, v, before):
        """P(v | before) for p a distribution over `nodes`."""
        num = self.sum_over(set(nodes) - set(before) - {v}, p)
        den = self.sum_over(set(nodes) - set(before), p)

        def f(a):
            d = den(a)
            if d.num.is_zero():
                raise Rejected("a conditional given an event of probability zero (positivity)")
            return num(a) / d
        return f

    def factorize(self, p, g, s):
        nodes = [v for v in self.order if v in set(g.nodes)]
        factors = [self.conditional(p, nodes, v, nodes[:i]) for i, v in enumerate(nodes) if v in s]

        def f(a):
            out = Ratio(1)
            for h in factors:
                out = out * h(a)
            return out
        return f

    def run(self, y, x, p, g):
        v = frozenset(g.nodes)
        if not x:                                                       # line 1
            return self.sum_over(v - y, p)
        an = mgraph.ancestors(g, y)
        if an != v:                                                     # line 2
            return self.run(y, x & an, self.sum_over(v - an, p), _sub(g, an))
        w = (v - x) - mgraph.ancestors(_cut_into(g, x), y)
        if w:                                                           # line 3
            inner = self.run(y, x | w, p, g)
            fixed = {u: self.domains[u][0] for u in w}       # P_{x, w}(y) does not depend on w: any value

            def line3(a):
                return inner({**fixed, **a})
            return line3
        parts = districts(g, v - x)
        if len(parts) > 1:                                              # line 4
            terms = [self.run(s, v - s, p, g) for s in parts]

            def product(a):
                out = Ratio(1)
                for t in terms:
                    out = out * t(a)
                return out
            return self.sum_over(v - (y | x), product)
        s = parts[0]
        whole = districts(g, v)
        if len(whole) == 1:                                             # line 5
            raise _Hedge()
        if s in whole:                                                  # line 6
            return self.sum_over(s - y, self.factorize(p, g, s))
        bigger = next(d for d in whole if s < d)                        # line 7
        return self.run(y, x & bigger, self.factorize(p, g, bigger), _sub(g, bigger))


def interventional(g: mgraph.Graph, domains, joint_fn, event: dict, do: dict) -> Ratio:
    """P(event | do) by the ID algorithm, joint_fn(assignment of every node of g) the observed
    joint. Rejected when the effect is not identifiable (the algorithm meets a hedge)."""
    order = mgraph.topological_order(g)
    y, x = frozenset(event), frozenset(do)
    if not y or y & x or not (y | x) <= set(g.nodes):
        raise Rejected("a query of the ID algorithm names unknown or overlapping variables")
    try:
        f = _ID(domains, order).run(y, x, lambda a: joint_fn({v: a[v] for v in g.nodes}), g)
    except _Hedge:
        raise Rejected("not identifiable: the ID algorithm meets a hedge") from None
    return f({**event, **do})
