"""Identification of causal effects P(y | do(x)) from an ADMG and the observational distribution.

`identify(graph, y, x)` runs the ID algorithm of Shpitser & Pearl ("Identification of joint
interventional distributions in recursive semi-Markovian causal models", AAAI 2006), which is
sound and complete: it returns an `Estimand` (an expression over the observed joint
distribution, see estimand.py) exactly when P(y | do(x)) is identifiable, and otherwise a
`Hedge`, the witness of non-identifiability (two C-forests F' ⊂ F, Shpitser & Pearl's
Theorem 4). The lines, for the observed nodes V of G, a fixed topological order π and P the
current distribution over V:

  1. x = ∅:                                  Σ_{v \\ y} P(v)
  2. V ≠ An(Y):                               ID(y, x ∩ An(Y), Σ_{V \\ An(Y)} P, G[An(Y)])
  3. W = (V \\ X) \\ An(Y) in G with arrows into X cut, W ≠ ∅:  ID(y, x ∪ w, P, G)
  4. G[V \\ X] has districts S_1..S_k, k > 1:  Σ_{v \\ (y ∪ x)} Π_i ID(s_i, v \\ s_i, P, G)
  5. its one district S, and G is a single district:    FAIL (hedge G, S)
  6. S a district of G:                       Σ_{s \\ y} Π_{V_i ∈ S} P(v_i | v_π^(i-1))
  7. S ⊂ S' a district of G:                  ID(y, x ∩ S', Π_{V_i ∈ S'} P(V_i | V_π^(i-1)), G[S'])

Variables stand for values with lexical scope (estimand.py), so the values fixed in line 7
(v_π^(i-1) \\ S', all intervened) are simply free variables bound by the caller. Line 3 may
leave free a variable W on which the result does not depend (any value of W gives the same
number under positivity): such variables are listed in `Estimand.arbitrary`.

The expressions are simplified as they are built, so the classic formulas come out in their
classic shape: Σ_v P(A | B) = P(A \\ {v} | B) when v occurs in no other factor (the chain
rule), a conditional of the full joint P(V) is a single term P(v_i | pre), and common factors
of a quotient cancel.

Also the classic criteria (Pearl 1995, *Causality* ch. 3.3):
  * back-door: Z contains no descendant of X and d-separates X from Y once the edges out of
    X are removed; formula Σ_z P(y | x, z) P(z) (`backdoor_estimand`, `find_backdoor_set`);
  * front-door: M intercepts every directed path from X to Y, no open back-door path from X
    to M, and X blocks every back-door path from M to Y; formula
    Σ_m P(m | x) Σ_{x'} P(y | m, x') P(x') (`is_frontdoor_set`, `frontdoor_estimand`).
"""
from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Mapping

from .estimand import ONE, Expr, Joint, Prob, Product, Quotient, Sum, evaluate, to_text
from .graph import ADMG, GraphError, _as_set, d_separated


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class Estimand:
    """P(y | do(x)) = `expr`, an expression over the observed joint distribution."""
    y: tuple
    x: tuple
    expr: Expr
    arbitrary: tuple = ()

    def text(self) -> str:
        text = to_text(self.expr, self.expr.free())
        if self.arbitrary:
            text += f"  (for any value of {', '.join(map(str, self.arbitrary))})"
        return text

    __str__ = text

    def evaluate(self, joint: Joint, values: Mapping) -> Fraction:
        """The estimand's value with Y and X at `values` (arbitrary variables at their first value)."""
        env = {v: joint.domains[v][0] for v in self.arbitrary}
        env.update(values)
        return evaluate(self.expr, joint, env)


@dataclass(frozen=True)
class Hedge:
    """P(y | do(x)) is not identifiable: `forest` and `subforest` are the two C-forests
    (F' = subforest ⊂ F = forest) of Shpitser & Pearl's hedge, found at line 5 of ID."""
    y: tuple
    x: tuple
    forest: frozenset
    subforest: frozenset
    reason: str = field(default="")

    def __str__(self):
        return self.reason


class _Fail(Exception):
    def __init__(self, forest, subforest):
        self.forest, self.subforest = frozenset(forest), frozenset(subforest)


# ---------------------------------------------------------------------- expression building
class _Builder:
    """Builds simplified expressions; variables are kept in the order `rank`."""

    def __init__(self, order):
        self.rank = {v: i for i, v in enumerate(order)}

    def sort(self, vs) -> tuple:
        return tuple(sorted(set(vs), key=self.rank.__getitem__))

    def prob(self, head, given=()) -> Expr:
        head = self.sort(head)
        return Prob(head, self.sort(given)) if head else ONE

    def product(self, factors) -> Expr:
        flat = []
        for f in factors:
            flat.extend(f.factors if isinstance(f, Product) else [f])
        return flat[0] if len(flat) == 1 else Product(tuple(flat))

    def marginalize(self, p: Expr, over) -> Expr:
        """Σ_{over} p, simplified."""
        over = self.sort(over)
        if not over:
            return p
        if isinstance(p, Sum):
            return self.marginalize(p.body, set(p.over) | set(over))
        factors = list(p.factors) if isinstance(p, Product) else [p]
        remaining = []
        for v in reversed(over):
            if not self._sum_out(factors, v):
                remaining.append(v)
        body = self.product(f for f in factors if f != ONE) if factors else ONE
        if isinstance(body, Product) and not body.factors:
            body = ONE
        return Sum(self.sort(remaining), body) if remaining else body

    def _sum_out(self, factors: list, v) -> bool:
        """Σ_v in place, when v occurs in one factor only, as the head of a Prob."""
        holders = [i for i, f in enumerate(factors) if v in f.free()]
        if not holders:
            return True
        if len(holders) == 1 and isinstance(factors[holders[0]], Prob):
            f = factors[holders[0]]
            if v in f.head:
                factors[holders[0]] = self.prob(set(f.head) - {v}, f.given)
                return True
        return False

    def conditional(self, p: Expr, nodes, v, pre) -> Expr:
        """p(v | pre), for p a distribution over `nodes`."""
        if isinstance(p, Prob) and not p.given and set(p.head) == set(nodes):
            return self.prob([v], pre)
        num = self.marginalize(p, set(nodes) - set(pre) - {v})
        den = self.marginalize(p, set(nodes) - set(pre))
        return self.quotient(num, den)

    def quotient(self, num: Expr, den: Expr) -> Expr:
        if den == ONE:
            return num
        if isinstance(num, Prob) and isinstance(den, Prob) and num.given == den.given \
                and set(den.head) <= set(num.head):
            return self.prob(set(num.head) - set(den.head), set(den.head) | set(num.given))
        nf = Counter(num.factors if isinstance(num, Product) else [num])
        df = Counter(den.factors if isinstance(den, Product) else [den])
        if not df - nf:
            rest = nf - df
            return self.product(list(rest.elements())) if rest else ONE
        return Quotient(num, den)


# ---------------------------------------------------------------------- the ID algorithm
class _ID:
    def __init__(self, graph: ADMG):
        self.order = graph.topological_order()
        self.b = _Builder(self.order)

    def run(self, y: frozenset, x: frozenset, p: Expr, g: ADMG) -> Expr:
        v = frozenset(g.nodes)
        if not x:                                                       # line 1
            return self.b.marginalize(p, v - y)
        an_y = g.ancestors(y)
        if an_y != v:                                                   # line 2
            return self.run(y, x & an_y, self.b.marginalize(p, v - an_y), g.subgraph(an_y))
        w = (v - x) - g.remove_incoming(x).ancestors(y)
        if w:                                                           # line 3
            return self.run(y, x | w, p, g)
        districts = g.subgraph(v - x).districts()
        if len(districts) > 1:                                          # line 4
            terms = [self.run(s, v - s, p, g) for s in districts]
            return self.b.marginalize(self.b.product(terms), v - (y | x))
        return self._single_district(y, x, p, g, districts[0])

    def _single_district(self, y, x, p, g: ADMG, s: frozenset) -> Expr:
        g_districts = g.districts()
        if len(g_districts) == 1:                                       # line 5
            raise _Fail(g.nodes, s)
        if s in g_districts:                                            # line 6
            return self.b.marginalize(self._factorize(p, g, s), s - y)
        bigger = next(d for d in g_districts if s < d)                  # line 7
        return self.run(y, x & bigger, self._factorize(p, g, bigger), g.subgraph(bigger))

    def _factorize(self, p: Expr, g: ADMG, s: frozenset) -> Expr:
        """Π_{V_i ∈ S} p(v_i | v_π^(i-1)), the order π restricted to g's nodes."""
        nodes = self.b.sort(g.nodes)
        factors = [self.b.conditional(p, nodes, vi, nodes[:i])
                   for i, vi in enumerate(nodes) if vi in s]
        return self.b.product(factors)


def _query_sets(graph: ADMG, y, x) -> tuple[frozenset, frozenset]:
    y, x = graph._known(y), graph._known(x)
    if not y:
        raise GraphError("the outcome set Y is empty")
    if x & y:
        raise GraphError("the treatment and outcome sets meet")
    return y, x


def identify(graph: ADMG, y, x) -> Estimand | Hedge:
    """P(y | do(x)) as an `Estimand` over the observed distribution of graph's nodes, or the
    `Hedge` showing it is not identifiable. y and x are nodes or sets of nodes."""
    y, x = _query_sets(graph, y, x)
    algo = _ID(graph)
    try:
        expr = algo.run(y, x, algo.b.prob(graph.nodes), graph)
    except _Fail as fail:
        return Hedge(algo.b.sort(y), algo.b.sort(x), fail.forest, fail.subforest,
                     f"not identifiable: hedge with C-forests F = {sorted(fail.forest, key=str)}"
                     f" and F' = {sorted(fail.subforest, key=str)}")
    arbitrary = algo.b.sort(expr.free() - y - x)
    return Estimand(algo.b.sort(y), algo.b.sort(x), expr, arbitrary)


# ---------------------------------------------------------------------- back-door
def is_backdoor_set(graph: ADMG, x, y, z) -> bool:
    """Pearl's back-door criterion for the sets X, Y and the adjustment set Z."""
    x, y, z = graph._known(x), graph._known(y), graph._known(z)
    if z & (x | y) or z & graph.descendants(x):
        return False
    return d_separated(graph.remove_outgoing(x), x, y, z)


def find_backdoor_set(graph: ADMG, x, y):
    """A smallest back-door adjustment set for (X, Y) as a tuple, or None if there is none."""
    x, y = graph._known(x), graph._known(y)
    candidates = [n for n in graph.nodes if n not in graph.descendants(x) and n not in y]
    for size in range(len(candidates) + 1):
        for z in itertools.combinations(candidates, size):
            if is_backdoor_set(graph, x, y, z):
                return z
    return None


def backdoor_estimand(graph: ADMG, x, y, z) -> Estimand:
    """Σ_z P(y | x, z) P(z), for a back-door set Z (checked)."""
    x, y, z = _as_set(x), _as_set(y), _as_set(z)
    if not is_backdoor_set(graph, x, y, z):
        raise ValueError(f"{sorted(z, key=str)} is not a back-door set for {sorted(x, key=str)}")
    b = _Builder(graph.topological_order())
    if not z:
        return Estimand(b.sort(y), b.sort(x), b.prob(y, x))
    expr = Sum(b.sort(z), b.product([b.prob(y, x | z), b.prob(z)]))
    return Estimand(b.sort(y), b.sort(x), expr)


# ---------------------------------------------------------------------- front-door
def is_frontdoor_set(graph: ADMG, x, y, m) -> bool:
    """Pearl's front-door criterion: M intercepts every directed path X -> Y, there is no
    open back-door path from X to M, and X blocks every back-door path from M to Y."""
    x, y, m = graph._known(x), graph._known(y), graph._known(m)
    if m & (x | y) or not m or x & y:
        return False
    cut = graph.subgraph(set(graph.nodes) - m)
    if cut.descendants(x) & y:
        return False
    if not d_separated(graph.remove_outgoing(x), x, m, ()):
        return False
    return d_separated(graph.remove_outgoing(m), m, y, x)


def frontdoor_estimand(graph: ADMG, x, y, m) -> Estimand:
    """Σ_m P(m | x) Σ_{x'} P(y | m, x') P(x'), for a front-door set M (checked)."""
    x, y, m = _as_set(x), _as_set(y), _as_set(m)
    if not is_frontdoor_set(graph, x, y, m):
        raise ValueError(f"{sorted(m, key=str)} is not a front-door set")
    b = _Builder(graph.topological_order())
    inner = Sum(b.sort(x), b.product([b.prob(y, m | x), b.prob(x)]))
    expr = Sum(b.sort(m), b.product([b.prob(m, x), inner]))
    return Estimand(b.sort(y), b.sort(x), expr)
