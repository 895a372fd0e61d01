"""A ground query on a transitive-closure predicate, answered by one breadth-first search.

Why (measured, 5,000 nodes / 12,000 edges, `path(X, Z) :- edge(X, Y), path(Y, Z).`): magic sets
turn `path(n1, n2)` into `path@bb(X, Z) :- path@bb?(X, Z), edge(X, Y), path@bb(Y, Z).`, whose
magic relation holds (y, n2) for every y reachable from n1. In the semi-naive round on the
delta of `path@bb(Y, Z)` the join planner (engine/horn/compile.py `plan`) sees two literals with
one bound argument each and takes the smaller relation, the magic one, through its index on
Z -- but Z is n2 in every magic tuple, so each new `path@bb` fact scans the whole magic set:
|reachable|^2 work (1.5 s of the 1.9 s there; 260 s at 20,000 nodes / 48,000 edges). The
left-recursive form happens to join in a good order; the non-linear one is cubic.

Here, where the predicate's rules have a shape engine/horn/closure_shape.py recognises, the
least model of p is a regular language over base relations (A* B L*, or B+), so `p(a, b)` holds
iff a breadth-first search from a reaches b: one pass over the edges at most, stopping at the
goal, parents kept. The answer is a `Witness` with the Model interface (engine/horn/core.py)
holding the facts of the shortest walk found, each with a derivation by an original rule, so
engine/reason/prove.py builds the usual rule-by-rule proof and the kernel checks it. A miss
is a complete search: the atom is not in the least model. Anything else returns None and the
caller keeps magic sets.
"""
from __future__ import annotations

from .closure_shape import closure_shape
from .core import Derivation

STATED = None      # the label of a step that is a stated fact of p itself


def point(rules, facts: dict, pred: str, values: tuple):
    """A Witness deciding the ground binary atom pred(values), or None where the search does
    not apply (not binary, or a rule of pred of another shape)."""
    if len(values) != 2 or None in values:
        return None
    shape = closure_shape(rules, pred)
    if shape is None:
        return None
    indexes: dict = {}
    relations = lambda edges: [(e, _index(indexes, facts, e.pred, e.flip)) for e in edges]
    base = [(STATED, _index(indexes, facts, pred, False))] + relations(shape.exits)
    source, goal = values
    if shape.transitive is not None:
        walk = _closure_walk(base, source, goal)
        found = _transitive_facts(walk, shape.transitive, pred) if walk else {}
    else:
        walk = _linear_walk(relations(shape.rights), base, relations(shape.lefts), source, goal)
        found = _linear_facts(walk, pred, goal) if walk else {}
    return Witness(found, facts)


def _index(indexes: dict, facts: dict, pred: str, flip: bool) -> tuple:
    """pred's tuples (reversed where `flip`) sorted by their first value, and the offset of
    each first value's run; one per (pred, flip). Not a dict of lists: that allocates an object
    per node and per edge, and with a large KB in memory each tracked allocation brings the next
    full collection nearer (measured: a dict of lists cost 1.5 s there, 45 ms alone); ints are
    not tracked."""
    key = (pred, flip)
    if key not in indexes:
        tuples = facts.get(pred, ())
        ordered = sorted(tuples if not flip else [(v, u) for u, v in tuples], key=_first)
        starts: dict = {}
        for k, t in enumerate(ordered):
            starts.setdefault(t[0], k)
        indexes[key] = (ordered, starts)
    return indexes[key]


def _first(t: tuple) -> tuple:
    """The sort key of a tuple: its first value, numbers before names (a name and a number
    do not compare)."""
    return type(t[0]) is str, t[0]


def _successors(relations: list, u):
    """(successor, label) of u over relations [(label, index)]."""
    for label, (ordered, starts) in relations:
        k = starts.get(u)
        if k is None:
            continue
        n = len(ordered)
        while k < n:
            t = ordered[k]
            if t[0] != u:
                break
            yield t[1], label
            k += 1


# ---------------------------------------------------------------- searches
def _linear_walk(rights: list, base: list, lefts: list, source, goal):
    """A shortest walk in A* B L* from source to goal, as [((phase, node), (previous state,
    label) or None)] from the start; None when there is none. States are (phase, node): phase 0
    before the B step, phase 1 after it; the parents of each phase in a dict of their own."""
    parents = ({source: None}, {})
    frontier = [(0, source)]
    while frontier:
        nxt = []
        for phase, u in frontier:
            moves = ((0, rights), (1, base)) if phase == 0 else ((1, lefts),)
            for to, relations in moves:
                seen = parents[to]
                for v, label in _successors(relations, u):
                    if v not in seen:
                        seen[v] = (phase, u, label)
                        if to == 1 and v == goal:
                            return _unwind(parents, (1, goal))
                        nxt.append((to, v))
        frontier = nxt
    return None


def _closure_walk(base: list, source, goal):
    """A shortest walk of one or more B steps from source to goal (source == goal: a cycle),
    in the form of `_linear_walk`'s, every state in phase 0."""
    parents = ({source: None},)
    frontier = [source]
    while frontier:
        nxt = []
        for u in frontier:
            for v, label in _successors(base, u):
                if v == goal:
                    return _unwind(parents, (0, u)) + [((0, v), ((0, u), label))]
                if v not in parents[0]:
                    parents[0][v] = (0, u, label)
                    nxt.append(v)
        frontier = nxt
    return None


def _unwind(parents: tuple, end) -> list:
    """[(state, (previous state, label) or None)] from the start to `end`."""
    out = []
    while end is not None:
        found = parents[end[0]][end[1]]
        step = None if found is None else ((found[0], found[1]), found[2])
        out.append((end, step))
        end = step[0] if step is not None else None
    out.reverse()
    return out


# ---------------------------------------------------------------- the facts of a walk
def _linear_facts(walk: list, pred: str, goal) -> dict:
    """(pred, tuple) -> (round, Derivation or None) for the facts of p that a walk
    u0 -A-> .. -A-> ut -B-> v0 -L-> .. -L-> vm = goal derives: p(ut, v0) by B, p(ut, vj) by the
    left rules, then p(ui, goal) by the right rules, from i = t-1 down to 0."""
    out: dict = {}
    b = next(k for k, ((phase, _), _) in enumerate(walk) if phase == 1)
    ut, (v0, label) = walk[b - 1][0][1], (walk[b][0][1], walk[b][1][1])
    stamp = _put(out, pred, (ut, v0), label, {"x": ut, "z": v0}, 1)
    prev = v0
    for (_, v), (_, label) in walk[b + 1:]:
        stamp = _put(out, pred, (ut, v), label, {"x": ut, "y": prev, "z": v}, stamp + 1)
        prev = v
    nxt = ut
    for k in range(b - 2, -1, -1):
        u, label = walk[k][0][1], walk[k + 1][1][1]
        stamp = _put(out, pred, (u, goal), label, {"x": u, "y": nxt, "z": goal}, stamp + 1)
        nxt = u
    return out


def _transitive_facts(walk: list, rule, pred: str) -> dict:
    """The facts of a walk w0 -B-> w1 .. -B-> wk: each step p(w(i-1), wi) by B, and
    p(w0, wi) for i >= 2 by the transitive rule from p(w0, w(i-1)) and p(w(i-1), wi)."""
    out: dict = {}
    w0 = walk[0][0][1]
    prev = w0
    for i, ((_, w), (_, label)) in enumerate(walk[1:], start=1):
        _put(out, pred, (prev, w), label, {"x": prev, "z": w}, 1)
        if i >= 2:
            _put(out, pred, (w0, w), _Transitive(rule), {"x": w0, "y": prev, "z": w}, i)
        prev = w
    return out


class _Transitive:
    """The label of a transitive-rule step (its `rule`, like an Edge's)."""

    def __init__(self, rule):
        self.rule = rule


def _put(out: dict, pred: str, tup: tuple, label, roles: dict, stamp: int) -> int:
    """Record p(tup), derived in round `stamp` by the rule of `label` (a stated fact: round 0,
    no derivation); `roles` gives the values of the rule's head variables (x, z) and its
    middle one (y). A fact already recorded keeps its first derivation."""
    key = (pred, tup)
    if key not in out:
        out[key] = (0, None) if label is STATED else (stamp, _instance(label.rule, roles))
    return stamp


def _instance(rule, roles: dict) -> Derivation:
    """The instance of `rule` whose head variables take roles x, z and whose third one y."""
    x, z = (a.name for a in rule.head[1])
    value = {x: roles["x"], z: roles["z"]}
    for lit in rule.body:
        for a in lit[2]:
            if a.name not in value:
                value[a.name] = roles["y"]
    premises = tuple((lit[1], tuple(value[a.name] for a in lit[2])) for lit in rule.body)
    return Derivation(rule.index, value, premises, ())


# ---------------------------------------------------------------- the answer
class Witness:
    """The Model interface (engine/horn/core.py) over the facts of one walk: p's facts on it,
    with their derivations and rounds, and the base facts they use. Complete for the query
    it answers (empty when the search found no walk); every fact it holds is true."""

    def __init__(self, derived: dict, facts: dict):
        self._derived = derived                     # (pred, tuple) -> (round, Derivation or None)
        self._held: dict = {}                       # pred -> set of tuples
        for (p, t), (_, d) in derived.items():
            self._held.setdefault(p, set()).add(t)
            for q, u in (d.premises if d is not None else ()):
                if q != p or (p, u) not in derived:
                    self._held.setdefault(q, set()).add(u)
        self._facts = facts

    def contains(self, pred: str, tup: tuple) -> bool:
        return tuple(tup) in self._held.get(pred, ())

    def tuples(self, pred: str):
        return iter(self._held.get(pred, ()))

    def match(self, pred: str, pattern: tuple):
        return iter([t for t in self._held.get(pred, ())
                     if all(v is None or v == w for v, w in zip(pattern, t))])

    def size(self, pred: str) -> int:
        return len(self._held.get(pred, ()))

    def predicates(self) -> list:
        return sorted(self._held)

    def facts_count(self) -> int:
        return sum(len(ts) for ts in self._held.values())

    def stamp(self, pred: str, tup: tuple):
        tup = tuple(tup)
        found = self._derived.get((pred, tup))
        if found is not None:
            return found[0]
        return 0 if tup in self._held.get(pred, ()) else None

    def derivation(self, pred: str, tup: tuple):
        found = self._derived.get((pred, tuple(tup)))
        return found[1] if found is not None else None

    def rounds(self) -> list:
        """(round, pred, facts) for the derived facts, rounds ascending: each has a rule
        instance over base facts and facts of earlier rounds."""
        by_round: dict = {}
        for (p, t), (stamp, d) in self._derived.items():
            if d is not None:
                by_round.setdefault((stamp, p), set()).add(t)
        return [(stamp, p, ts) for (stamp, p), ts in sorted(by_round.items())]
