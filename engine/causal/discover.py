"""Learning causal structure from data: the PC algorithm and Markov equivalence classes.

What is learned. Observational data (or a conditional-independence oracle) can at best fix a
DAG up to its Markov equivalence class: the DAGs with the same d-separations. By Verma & Pearl
(1990) two DAGs are equivalent iff they have the same skeleton and the same v-structures
(a -> c <- b with a, b non-adjacent). The class is represented by its CPDAG (completed
partially directed acyclic graph, "essential graph"): an edge is *directed* when every DAG of
the class orients it the same way (a compelled edge), and *undirected* when the class holds
DAGs with either orientation. `CPDAG.undirected` are exactly the edges whose direction the
data cannot fix: they are reported as undetermined, never oriented by a guess.
`CPDAG.members()` lists the DAGs of the class (for small graphs), `is_member` checks one.

The algorithm. `pc(variables, independent)` is the PC algorithm of Spirtes, Glymour & Scheines
(Causation, Prediction, and Search, 2nd ed. 2000, sec. 5.4.2):
  1. skeleton: start from the complete undirected graph; for level l = 0, 1, ... remove the
     edge x - y as soon as x and y test independent given some S of size l drawn from the
     adjacencies of x (less y); S is recorded as the separating set of {x, y}. This is the
     order-independent "stable" variant (Colombo & Maathuis, JMLR 15, 2014): the adjacency
     sets S is drawn from are frozen at the start of each level, so the skeleton does not
     depend on the order in which edges are visited. Stops when no
     adjacent pair has l other adjacencies left, or after l = max_condition;
  2. v-structures: every unshielded triple x - z - y (x, y non-adjacent) is a collider
     x -> z <- y when z is not in the separating set of {x, y} (orientation="standard", the
     default), or,
     with orientation="conservative" (Ramsey, Zhang & Spirtes, UAI 2006), when z is in none of
     the separating sets of {x, y} found among the subsets of the final adjacencies of x and
     of y; z in all of them makes a non-collider, and a mixed verdict (or no separating set
     among those subsets, possible with a fallible test) an *ambiguous* triple, left
     unoriented and unused by the rules below. The stable skeleton does not depend on the
     variables' order, nor do the conservative verdicts; the separating sets, hence the
     standard verdicts, can when the test is fallible (Colombo & Maathuis 2014). With a
     fallible test two colliders may orient one edge both ways: such an edge is left
     undirected and listed in
     `CPDAG.conflicts` (the data contradict each other there; no direction is guessed);
  3. Meek's rules R1-R4 (Meek, UAI 1995) applied to closure: R1 a -> b - c, a, c
     non-adjacent => b -> c; R2 a -> c -> b, a - b => a -> b; R3 a - b, a - c -> b,
     a - d -> b, c, d non-adjacent => a -> b; R4 a - b, a - c -> d -> b, a adjacent to d,
     c, b non-adjacent => a -> b. The rules use only unshielded triples known to be
     non-colliders (so never an ambiguous one).
Everything iterates in the variables' given order, so a run is deterministic.

`cpdag_of(dag)` builds the true class of a DAG directly (skeleton + its v-structures + Meek's
rules, complete by Meek 1995); with the d-separation oracle `oracle_test(dag)`, PC returns
exactly `cpdag_of(dag)` (Spirtes et al. 2000, ch. 5).

Assumptions, under which the result is the true class: causal sufficiency (no latent common
cause of two measured variables: the graph is a DAG over `variables`, no bidirected edges),
the causal Markov condition, faithfulness (every independence in the data comes from a
d-separation), and a correct independence test. With latent confounders use FCI (not
implemented here). With a statistical test (`g_test`) the output is only as good as the
tests; errors can give conflicts, ambiguous triples, or a PDAG with no member DAG.

Independence tests: `independent(x, y, given: frozenset) -> bool`.
  * `oracle_test(graph)`: d-separation in a known ADMG (a perfect oracle, for tests);
  * `g_test(rows, alpha)`: the G-test (likelihood-ratio chi-square) of x independent of y
    given Z on a table of discrete data (a list of dicts): G = 2 sum O ln(O / E) summed over
    the strata z of Z, E = n(x, z) n(y, z) / n(z). Degrees of freedom are summed over the
    strata with data: a stratum contributes (r_z - 1)(c_z - 1), r_z and c_z the numbers of
    values of x and of y observed in it (strata with no data, and values not seen in a
    stratum, are skipped: their expected counts are zero and carry no information, so they
    add no degrees of freedom). Independence is accepted when the p-value exceeds alpha, and
    also when the adjusted df is 0 (no evidence against independence).
    The p-value is `chi2_sf`, the chi-square survival function computed in pure Python as
    the regularised upper incomplete gamma function Q(df/2, G/2), by its series or its
    continued fraction (modified Lentz) as in Numerical Recipes, 3rd ed., sec. 6.2
    (Press, Teukolsky, Vetterling & Flannery 2007).
"""
from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable, Hashable, Iterable, Mapping, Sequence

from .graph import ADMG, GraphError, d_separated

Node = Hashable
Test = Callable[[Node, Node, frozenset], bool]

__all__ = ["CPDAG", "pc", "cpdag_of", "oracle_test", "g_test", "GTest", "g_statistic", "chi2_sf"]


# ---------------------------------------------------------------------- the result type
@dataclass(frozen=True, eq=False)
class CPDAG:
    """A partially directed graph over `nodes`: the output of `pc` / `cpdag_of`.

    directed: compelled edges (a, b), a -> b in every DAG of the class;
    undirected: frozenset({a, b}) edges whose direction the data cannot fix (undetermined);
    separating_sets: {frozenset({x, y}): S} for each removed (non-adjacent) pair;
    conflicts: edges two colliders oriented both ways (left undirected; data inconsistent);
    ambiguous: unshielded triples x - z - y left unclassified by the conservative rule, as
    (frozenset({x, y}), z) (the form of `v_structures()`).
    Equality compares the node set, directed and undirected only (not the node order)."""
    nodes: tuple
    directed: frozenset
    undirected: frozenset
    separating_sets: Mapping = field(default_factory=dict, compare=False)
    conflicts: frozenset = field(default=frozenset(), compare=False)
    ambiguous: frozenset = field(default=frozenset(), compare=False)

    def __eq__(self, other):
        return (isinstance(other, CPDAG) and set(self.nodes) == set(other.nodes)
                and self.directed == other.directed and self.undirected == other.undirected)

    def __hash__(self):
        return hash((frozenset(self.nodes), self.directed, self.undirected))

    @property
    def undetermined(self) -> frozenset:
        """The edges whose direction is not fixed (same as `undirected`)."""
        return self.undirected

    def _index(self) -> dict:
        return {n: i for i, n in enumerate(self.nodes)}

    def skeleton(self) -> frozenset:
        return frozenset(frozenset(e) for e in self.directed) | self.undirected

    def adjacent(self, a, b) -> bool:
        return frozenset((a, b)) in self.skeleton()

    def v_structures(self) -> frozenset:
        """{(frozenset({a, b}), c)}: a -> c <- b among the directed edges, a, b non-adjacent."""
        return _v_structures(self.directed, self.skeleton())

    def __str__(self):
        idx = self._index()
        parts = [f"{a} -> {b}" for a, b in sorted(self.directed, key=lambda e: (idx[e[0]], idx[e[1]]))]
        parts += [" -- ".join(map(str, sorted(e, key=idx.__getitem__)))
                  for e in sorted(self.undirected, key=lambda e: sorted(idx[n] for n in e))]
        return "CPDAG(" + ", ".join(parts) + ")"

    def is_member(self, dag) -> bool:
        """Whether the DAG (an ADMG without bidirected edges, or a set of edges (a, b)) is in
        the class: same skeleton, same v-structures, acyclic, and the directed edges kept."""
        if isinstance(dag, ADMG):
            if dag.bidirected or set(dag.nodes) != set(self.nodes):
                return False
            edges = dag.directed
        else:
            edges = frozenset(tuple(e) for e in dag)
            if any(n not in self.nodes for e in edges for n in e):
                return False
        skeleton = frozenset(frozenset(e) for e in edges)
        if len(skeleton) != len(edges) or skeleton != self.skeleton() or not self.directed <= edges:
            return False
        if not _acyclic(self.nodes, edges):
            return False
        return _v_structures(edges, skeleton) == self.v_structures()

    def members(self, limit: int | None = None) -> list:
        """The DAGs of the class (as ADMGs), in a deterministic order: every orientation of
        the undirected edges that is acyclic and adds no v-structure. Backtracking with
        pruning; `limit` caps the count. Empty if the directed part is itself cyclic."""
        idx = self._index()
        skeleton = self.skeleton()
        target = self.v_structures()
        if not _acyclic(self.nodes, self.directed):
            return []
        todo = sorted((tuple(sorted(e, key=idx.__getitem__)) for e in self.undirected),
                      key=lambda e: (idx[e[0]], idx[e[1]]))
        out: list = []
        edges = set(self.directed)

        def ok(u, v) -> bool:        # after adding u -> v: no cycle, no new v-structure at v
            if _reaches(edges, v, u):
                return False
            return all(frozenset((p, u)) in skeleton or (frozenset((p, u)), v) in target
                       for p, c in edges if c == v and p != u)

        def extend(i):
            if limit is not None and len(out) >= limit:
                return
            if i == len(todo):
                out.append(ADMG(self.nodes, sorted(edges, key=lambda e: (idx[e[0]], idx[e[1]]))))
                return
            a, b = todo[i]
            for u, v in ((a, b), (b, a)):
                if ok(u, v):
                    edges.add((u, v))
                    extend(i + 1)
                    edges.discard((u, v))

        extend(0)
        return out


def _v_structures(edges, skeleton) -> frozenset:
    parents = defaultdict(list)
    for a, b in edges:
        parents[b].append(a)
    return frozenset((frozenset((a, b)), c) for c, ps in parents.items()
                     for a, b in itertools.combinations(ps, 2) if frozenset((a, b)) not in skeleton)


def _reaches(edges, start, goal) -> bool:
    """Whether a directed path start -> ... -> goal exists in `edges` (start == goal counts)."""
    seen, frontier = {start}, [start]
    while frontier:
        n = frontier.pop()
        if n == goal:
            return True
        for a, b in edges:
            if a == n and b not in seen:
                seen.add(b)
                frontier.append(b)
    return False


def _acyclic(nodes, edges) -> bool:
    indegree = {n: 0 for n in nodes}
    for _, b in edges:
        indegree[b] += 1
    ready = [n for n in nodes if indegree[n] == 0]
    count = 0
    while ready:
        n = ready.pop()
        count += 1
        for a, b in edges:
            if a == n:
                indegree[b] -= 1
                if indegree[b] == 0:
                    ready.append(b)
    return count == len(indegree)


# ---------------------------------------------------------------------- a mutable PDAG
class _PDAG:
    """Working graph for the orientation phases: adjacency plus a set of arrowheads."""

    def __init__(self, nodes: tuple, adjacency: Mapping):
        self.nodes = nodes
        self.adj = {n: set(adjacency[n]) for n in nodes}
        self.arrows: set = set()          # (a, b): a -> b

    def directed(self, a, b) -> bool:
        return (a, b) in self.arrows

    def undirected(self, a, b) -> bool:
        return b in self.adj[a] and (a, b) not in self.arrows and (b, a) not in self.arrows

    def ordered(self, nodes) -> list:
        return [n for n in self.nodes if n in nodes]

    def result(self, separating_sets, conflicts=frozenset(), ambiguous=frozenset()) -> CPDAG:
        undirected = frozenset(frozenset((a, b)) for a in self.nodes for b in self.adj[a]
                               if self.undirected(a, b))
        return CPDAG(self.nodes, frozenset(self.arrows), undirected, dict(separating_sets),
                     frozenset(conflicts), frozenset(ambiguous))


def _meek(g: _PDAG, noncollider: Callable[[Node, Node, Node], bool]) -> None:
    """Apply Meek's rules R1-R4 until none fires. `noncollider(a, b, c)`: the unshielded
    triple a - b - c is known not to be a collider (the rules rely on nothing else)."""
    changed = True
    while changed:
        changed = False
        for a in g.nodes:
            for b in g.ordered(g.adj[a]):
                if not g.undirected(a, b):
                    continue
                if _fires(g, a, b, noncollider):
                    g.arrows.add((a, b))
                    changed = True


def _fires(g: _PDAG, a, b, noncollider) -> bool:
    """Whether one of R1-R4 orients the undirected edge a - b as a -> b."""
    # R1: c -> a - b, c and b non-adjacent
    for c in g.ordered(g.adj[a]):
        if g.directed(c, a) and c != b and b not in g.adj[c] and noncollider(c, a, b):
            return True
    # R2: a -> c -> b
    for c in g.ordered(g.adj[a] & g.adj[b]):
        if g.directed(a, c) and g.directed(c, b):
            return True
    # R3: a - c -> b, a - d -> b, c and d non-adjacent
    cs = [c for c in g.ordered(g.adj[a] & g.adj[b]) if g.undirected(a, c) and g.directed(c, b)]
    for c, d in itertools.combinations(cs, 2):
        if d not in g.adj[c] and noncollider(c, a, d):
            return True
    # R4: a - c -> d -> b, a adjacent to d, c and b non-adjacent
    for d in g.ordered(g.adj[a] & g.adj[b]):
        if not g.directed(d, b):
            continue
        for c in g.ordered(g.adj[a] & g.adj[d]):
            if (c != b and g.undirected(a, c) and g.directed(c, d) and b not in g.adj[c]
                    and noncollider(c, a, b)):
                return True
    return False


# ---------------------------------------------------------------------- PC
def _skeleton(nodes: tuple, independent: Test, max_condition):
    adj = {n: set(nodes) - {n} for n in nodes}
    sepsets: dict = {}
    level = 0
    while max_condition is None or level <= max_condition:
        frozen = {n: [m for m in nodes if m in adj[n]] for n in nodes}     # stable PC
        tested = False
        for x in nodes:
            for y in frozen[x]:
                if y not in adj[x]:
                    continue
                candidates = [m for m in frozen[x] if m != y]
                if len(candidates) < level:
                    continue
                tested = True
                for s in itertools.combinations(candidates, level):
                    if independent(x, y, frozenset(s)):
                        adj[x].discard(y)
                        adj[y].discard(x)
                        sepsets[frozenset((x, y))] = frozenset(s)
                        break
        if not tested:
            break
        level += 1
    return adj, sepsets


def _unshielded_triples(nodes, adj):
    """(x, z, y): x - z - y, x and y non-adjacent, x before y in `nodes`."""
    pos = {n: i for i, n in enumerate(nodes)}
    for z in nodes:
        around = [n for n in nodes if n in adj[z]]
        for x, y in itertools.combinations(around, 2):
            if y not in adj[x]:
                yield (x, z, y) if pos[x] < pos[y] else (y, z, x)


def _all_sepsets(x, y, adj, nodes, independent, max_condition) -> list:
    """Every separating set of {x, y} among the subsets of the final adj(x) and adj(y)."""
    found: list = []
    for side in (x, y):
        pool = [n for n in nodes if n in adj[side] and n not in (x, y)]
        top = len(pool) if max_condition is None else min(len(pool), max_condition)
        for k in range(top + 1):
            for s in itertools.combinations(pool, k):
                s = frozenset(s)
                if s not in found and independent(x, y, s):
                    found.append(s)
    return found


def pc(variables: Iterable[Node], independent: Test, max_condition: int | None = None,
       orientation: str = "standard") -> CPDAG:
    """The PC algorithm (stable skeleton, v-structures, Meek R1-R4): the Markov equivalence
    class, as a CPDAG, of the DAGs faithful to the independences `independent` reports.

    independent(x, y, given: frozenset) -> bool; max_condition caps the size of the
    conditioning sets tried (None: no cap); orientation "standard" or "conservative"
    (see the module docstring). Undirected edges of the result are undetermined."""
    nodes = tuple(dict.fromkeys(variables))
    if orientation not in ("standard", "conservative"):
        raise ValueError(f"orientation must be 'standard' or 'conservative', not {orientation!r}")
    adj, sepsets = _skeleton(nodes, independent, max_condition)
    g = _PDAG(nodes, adj)
    colliders, noncolliders, ambiguous = [], set(), set()
    for x, z, y in _unshielded_triples(nodes, adj):
        pair = frozenset((x, y))
        if orientation == "standard":
            verdict = z not in sepsets[pair]
        else:
            sets = _all_sepsets(x, y, adj, nodes, independent, max_condition)
            inside = [z in s for s in sets]
            verdict = None if not sets or (any(inside) and not all(inside)) else not any(inside)
        if verdict is None:
            ambiguous.add((frozenset((x, y)), z))
        elif verdict:
            colliders.append((x, z, y))
        else:
            noncolliders.add((x, z, y))
    arrows = {(x, z) for x, z, _ in colliders} | {(y, z) for _, z, y in colliders}
    conflicts = frozenset(frozenset(e) for e in arrows if (e[1], e[0]) in arrows)
    g.arrows = {e for e in arrows if frozenset(e) not in conflicts}
    pos = {n: i for i, n in enumerate(nodes)}

    def noncollider(a, b, c) -> bool:
        return ((a, b, c) if pos[a] < pos[c] else (c, b, a)) in noncolliders

    _meek(g, noncollider)
    return g.result(sepsets, conflicts, ambiguous)


def cpdag_of(dag: ADMG) -> CPDAG:
    """The CPDAG of a DAG's Markov equivalence class: its skeleton, its v-structures, then
    Meek's rules. Separating sets: Pa(y) for each non-adjacent pair, y the later of the two
    in a topological order (the parents of a node d-separate it from its non-descendants)."""
    if dag.bidirected:
        raise GraphError("cpdag_of needs a DAG (no bidirected edges)")
    nodes = tuple(dag.nodes)
    adj = {n: set(dag.parents(n)) | set(dag.children(n)) for n in nodes}
    g = _PDAG(nodes, adj)
    vs = _v_structures(dag.directed, frozenset(frozenset(e) for e in dag.directed))
    g.arrows = {(a, c) for pair, c in vs for a in pair}
    _meek(g, lambda a, b, c: not ((frozenset((a, c)), b) in vs))
    rank = {n: i for i, n in enumerate(dag.topological_order())}
    sepsets = {}
    for x, y in itertools.combinations(nodes, 2):
        if y not in adj[x]:
            later = y if rank[y] > rank[x] else x
            sepsets[frozenset((x, y))] = frozenset(dag.parents(later))
    return g.result(sepsets)


# ---------------------------------------------------------------------- independence tests
def oracle_test(graph: ADMG) -> Test:
    """A perfect conditional-independence oracle: d-separation in `graph`."""
    def independent(x, y, given=frozenset()) -> bool:
        return d_separated(graph, x, y, given)
    return independent


def chi2_sf(x: float, df: float) -> float:
    """P(X >= x) for X chi-square with `df` degrees of freedom: Q(df / 2, x / 2)."""
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    if x <= 0:
        return 1.0
    return _gammaq(df / 2.0, x / 2.0)


_EPS = 1e-15
_FPMIN = 1e-300


def _gammaq(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) (Numerical Recipes 3rd ed., sec. 6.2)."""
    if x < a + 1.0:
        return 1.0 - _gser(a, x)
    return _gcf(a, x)


def _gser(a: float, x: float) -> float:
    """P(a, x) by its series: e^-x x^a / Gamma(a+1) * sum x^n / ((a+1)...(a+n))."""
    ap, total = a, 1.0 / a
    term = total
    for _ in range(10000):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gcf(a: float, x: float) -> float:
    """Q(a, x) by its continued fraction, evaluated by the modified Lentz method."""
    b = x + 1.0 - a
    c = 1.0 / _FPMIN
    d = 1.0 / b
    h = d
    for i in range(1, 10000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _FPMIN:
            d = _FPMIN
        c = b + an / c
        if abs(c) < _FPMIN:
            c = _FPMIN
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def g_statistic(rows: Sequence[Mapping], x, y, given=(), weights: Sequence | None = None):
    """(G, df) of the G-test of x independent of y given `given` on `rows` (dicts of discrete
    values; `weights`, if given, the count of each row). df is summed over strata with data,
    (r_z - 1)(c_z - 1) each, r_z, c_z the values of x and of y seen in the stratum."""
    given = tuple(sorted(given, key=str)) if not isinstance(given, str) else (given,)
    cells: Counter = Counter()
    for i, row in enumerate(rows):
        w = 1 if weights is None else weights[i]
        if w:
            cells[(tuple(row[v] for v in given), row[x], row[y])] += w
    strata = defaultdict(dict)
    for (z, a, b), n in cells.items():
        strata[z][(a, b)] = n
    g, df = 0.0, 0
    for table in strata.values():
        nx, ny, nz = Counter(), Counter(), 0
        for (a, b), n in table.items():
            nx[a] += n
            ny[b] += n
            nz += n
        df += (len(nx) - 1) * (len(ny) - 1)
        for (a, b), n in table.items():
            g += 2.0 * n * math.log(n * nz / (nx[a] * ny[b]))
    return max(g, 0.0), df


class GTest:
    """The G-test as an `independent(x, y, given)` callable over a data table; results are
    cached (the test is symmetric in x and y). `p_value(x, y, given)` exposes the p-value
    (1.0 when the adjusted df is 0)."""

    def __init__(self, rows: Sequence[Mapping], alpha: float = 0.01, weights: Sequence | None = None):
        self.rows = list(rows)
        self.weights = None if weights is None else list(weights)
        self.alpha = alpha
        self._cache: dict = {}

    def p_value(self, x, y, given=frozenset()) -> float:
        key = (frozenset((x, y)), frozenset(given))
        if key not in self._cache:
            g, df = g_statistic(self.rows, x, y, frozenset(given), self.weights)
            self._cache[key] = 1.0 if df == 0 else chi2_sf(g, df)
        return self._cache[key]

    def __call__(self, x, y, given=frozenset()) -> bool:
        return self.p_value(x, y, given) > self.alpha


def g_test(rows: Sequence[Mapping], alpha: float = 0.01, weights: Sequence | None = None) -> GTest:
    """The G-test of conditional independence over `rows` at level `alpha` (see GTest)."""
    return GTest(rows, alpha, weights)
