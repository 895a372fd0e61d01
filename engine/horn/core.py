"""The Horn core: stratified Datalog with arithmetic tests, evaluated bottom-up.

    saturate(rules, facts)            the whole least model, stratum by stratum
    (engine/horn/magic.py `solve`: only what one query needs, by magic sets)

Each strongly connected component of the predicate graph is evaluated
semi-naively: one round joins every rule once with the relations as they
stand, and each later round joins only the facts new in the round before
(one compiled variant per recursive body literal, see `codegen.py`).

Provenance is kept as the round in which each fact first appeared. A fact
first derived in round r has a rule instance whose positive premises all
appeared before r, so `Model.derivation` finds one by a small indexed search
from the head, and following derivations always ends at base facts.
"""
from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from operator import itemgetter
from typing import NamedTuple

from .codegen import compile_derivation, compile_join
from .compile import Clause, HornError, HornRule, check_safe, normalize, plan, strata
from ..language.syntax import Var

__all__ = ["HornRule", "HornError", "Derivation", "Model", "Program", "saturate"]


class Derivation(NamedTuple):
    """How a derived fact follows: rule `rule_index` under `subst`, from `premises`
    (the positive body atoms, in body order) and `absent` (the negated ones, as patterns:
    None at a `_`, where no tuple of the predicate matches the rest). A named
    tuple: a long proof builds two per step, and a frozen dataclass costs 3x as much."""

    rule_index: int
    subst: dict
    premises: tuple
    absent: tuple


# ---------------------------------------------------------------- relations
class Relation:
    """One predicate's extension: base facts, all facts, hash indexes, and the
    round in which each derived fact appeared (for provenance). Rounds of at
    most SMALL facts are stamped in a dict; larger ones are kept as the set of
    that round, which costs nothing to keep and is scanned on demand."""

    SMALL = 256
    __slots__ = ("base", "full", "indexes", "rounds", "stamps", "small")

    def __init__(self, base=()):
        self.base = frozenset(base)
        self.full = set(self.base)
        self.indexes: dict = {}
        self.rounds: list = []   # the large rounds' sets
        self.stamps: list = []   # their round numbers, ascending
        self.small: dict = {}    # fact of a small round -> round number

    def index(self, cols: tuple) -> dict:
        """The hash index on columns `cols`: key (a value, or a tuple) -> tuples."""
        idx = self.indexes.get(cols)
        if idx is None:
            idx = self.indexes[cols] = defaultdict(list)
            _extend(idx, cols, self.full)
        return idx

    def add(self, new: set, stamp: int) -> None:
        self.full.update(new)
        for cols, idx in self.indexes.items():
            _extend(idx, cols, new)
        if len(new) <= self.SMALL:
            self.small.update(dict.fromkeys(new, stamp))
        else:
            self.rounds.append(new)
            self.stamps.append(stamp)

    def stamp(self, t):
        """The round in which t appeared: 0 for a base fact, None if absent."""
        if t in self.base:
            return 0
        if t not in self.full:
            return None
        found = self.small.get(t)
        if found is None:
            found = next(s for s, new in zip(self.stamps, self.rounds) if t in new)
        return found

    def before(self, t, stamp: int) -> bool:
        """Whether t holds and appeared before round `stamp`; scans the shorter side."""
        if t in self.base:
            return True
        if t not in self.full:
            return False
        found = self.small.get(t)
        if found is not None:
            return found < stamp
        k = bisect_left(self.stamps, stamp)
        if k <= len(self.rounds) - k:
            return any(t in new for new in self.rounds[:k])
        return not any(t in new for new in self.rounds[k:])

    def derived(self) -> list:
        """(round, the facts first derived in it) for every round that added facts to this relation."""
        small: dict = {}
        for t, stamp in self.small.items():
            small.setdefault(stamp, []).append(t)
        return sorted([*small.items(), *zip(self.stamps, self.rounds)], key=lambda r: r[0])

    def match(self, pattern: tuple):
        cols = tuple(k for k, v in enumerate(pattern) if v is not None)
        if not cols:
            return iter(self.full)
        if len(cols) == len(pattern):
            return iter((pattern,) if pattern in self.full else ())
        key = pattern[cols[0]] if len(cols) == 1 else tuple(pattern[k] for k in cols)
        return iter(self.index(cols).get(key, ()))


def _extend(idx, cols: tuple, tuples) -> None:
    key = itemgetter(*cols)
    for t in tuples:
        idx[key(t)].append(t)


# ---------------------------------------------------------------- the model
class Model:
    """The facts computed by `saturate` or `solve`, with their derivations."""

    def __init__(self, rels: dict, clauses: dict):
        self._rels = rels
        self._clauses = clauses  # pred -> clauses with that head
        self._finders: dict = {}   # id(clause) -> compiled derivation search (run, names)

    def contains(self, pred: str, tup: tuple) -> bool:
        rel = self._rels.get(pred)
        return rel is not None and tuple(tup) in rel.full

    def tuples(self, pred: str):
        rel = self._rels.get(pred)
        return iter(rel.full) if rel is not None else iter(())

    def size(self, pred: str) -> int:
        rel = self._rels.get(pred)
        return len(rel.full) if rel is not None else 0

    def predicates(self) -> list:
        return sorted(self._rels)

    def match(self, pred: str, pattern: tuple):
        """Tuples of pred agreeing with pattern (entries: value, or None for any)."""
        rel = self._rels.get(pred)
        return rel.match(tuple(pattern)) if rel is not None else iter(())

    def facts_count(self) -> int:
        return sum(len(rel.full) for rel in self._rels.values())

    def stamp(self, pred: str, tup: tuple):
        """The round in which a fact first held: 0 for a base fact, None if absent."""
        rel = self._rels.get(pred)
        return rel.stamp(tuple(tup)) if rel is not None else None

    def rounds(self) -> list:
        """The derived facts in the order they were derived: (round, pred, facts) for every
        round and predicate, rounds ascending. A fact of round r has a rule instance whose
        premises are base facts or facts of earlier rounds: a certificate the kernel re-checks
        (engine/kernel/bulk.py)."""
        out = [(stamp, p, facts) for p, rel in self._rels.items() for stamp, facts in rel.derived()]
        out.sort(key=lambda r: r[0])
        return out

    def derivation(self, pred: str, tup: tuple):
        """None for a base fact (or a fact not in the model); else a Derivation
        whose premises all appeared in earlier rounds."""
        tup, rel = tuple(tup), self._rels.get(pred)
        stamp = rel.stamp(tup) if rel is not None else None
        if not stamp:
            return None
        for c in self._clauses.get(pred, ()):
            compiled = self._finders.get(id(c))
            if compiled is None:
                compiled = self._finders[id(c)] = self._compile(c)
            run, names = compiled
            found = run(tup, stamp)
            if found is not None:
                values, premises, absent = found
                return Derivation(c.index, dict(zip(names, values)), premises, absent)
        raise AssertionError(f"no rule derives {pred}{tup}")  # pragma: no cover

    def _compile(self, c: Clause):
        empty = Relation()
        relation = lambda p: self._rels.get(p, empty)
        head = {a.name for a in c.args if isinstance(a, Var)}
        order = plan(c, bound=head, size=lambda p: len(relation(p).full))
        return compile_derivation(c, order, relation)


# ---------------------------------------------------------------- evaluation
class Program:
    """Rules normalized, checked and stratified once, to evaluate on many fact sets."""

    def __init__(self, rules):
        self.rules = tuple(rules)
        self.clauses = tuple(normalize(r) for r in self.rules)
        for c in self.clauses:
            check_safe(c)
        self.by_head: dict = defaultdict(list)
        for c in self.clauses:
            self.by_head[c.pred].append(c)
        self.components = strata(self.clauses, ())

    def saturate(self, facts: dict) -> Model:
        return evaluate_components(self.components, self.by_head, facts)


def saturate(rules, facts: dict) -> Model:
    """The least model of the stratified program `rules` over `facts`."""
    return Program(rules).saturate(facts)


def evaluate_components(components, by_head: dict, facts: dict) -> Model:
    """Evaluate each component, dependencies first, over fresh relations."""
    rels = {p: Relation(ts) for p, ts in facts.items()}
    for comp in components:
        for p in comp:
            rels.setdefault(p, Relation())
    clock = [0]
    for comp in components:
        clauses = [c for p in sorted(comp) for c in by_head.get(p, ())]
        if clauses:
            _fixpoint(comp, clauses, rels, clock)
    return Model(rels, by_head)


def _fixpoint(comp, clauses: list, rels: dict, clock: list) -> None:
    """Semi-naive iteration of one component until no round adds a fact."""
    first, deltas = _variants(comp, clauses, rels)
    new = _round(first, None)
    while new:
        clock[0] += 1
        for p, s in new.items():
            rels[p].add(s, clock[0])
        new = _round(deltas, new)


def _round(variants: list, delta) -> dict:
    """The facts new in one round, by predicate: each variant run on the delta
    of its recursive literal (or once, with no delta, in the first round)."""
    out: dict = {}
    for run, head, pred in variants:
        d = delta.get(pred) if delta is not None else None
        if d or delta is None:
            s = run(d)
            if s:
                cur = out.get(head)
                if cur is None:
                    out[head] = s
                else:
                    cur |= s
    return out


def _variants(comp, clauses: list, rels: dict):
    """The compiled joins: each clause once, and once per recursive body atom."""
    def full(p):
        return rels.setdefault(p, Relation()).full

    def index(p, cols):
        return rels.setdefault(p, Relation()).index(cols)

    def size(p):
        return len(rels[p].full) if p in rels else 0

    first, deltas = [], []
    for c in clauses:
        first.append((compile_join(c, plan(c, size=size), None, full, index), c.pred, None))
        for i, lit in enumerate(c.body):
            if lit.kind == "pos" and lit.pred in comp:
                run = compile_join(c, plan(c, first=i, size=size), i, full, index)
                deltas.append((run, c.pred, lit.pred))
    return first, deltas
