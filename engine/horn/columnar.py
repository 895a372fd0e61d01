"""Large Horn programs, evaluated column-wise in DuckDB (embedded, in-process).

    saturate(rules, facts, threshold)  -> core.Model (nothing went columnar) | ColumnarModel

Components of the predicate graph (compile.strata) are evaluated dependencies first, as in
core.evaluate_components, and each one where it is cheapest: a component whose input relations
(what its rules read, its own base facts included) hold at least `threshold` tuples runs in
DuckDB, a smaller one in the in-memory semi-naive core. `threshold` is the limit for recursive
components (recursion can square the size: a 1,000-edge graph can close to a million paths);
non-recursive ones, which produce at most a join of their inputs, stay in memory up to
NONRECURSIVE_FACTOR times more. `threshold=0` sends everything to DuckDB. A relation is copied
to the other store when a component there reads it.

In DuckDB every value is a 32-bit code (engine/horn/encoding.py) and each component runs as

    "union"  a non-recursive component: one INSERT of the union of its rules' SELECTs
    "cte"    linear recursion (one predicate, each rule with at most one atom of it):
             WITH RECURSIVE ... UNION, set semantics, DuckDB's own fixpoint
    "loop"   everything else (non-linear or mutual recursion): a semi-naive loop driven from
             Python over delta tables, `(variants) EXCEPT full`, until no delta has a row.

A non-linear rule is never put inside a recursive CTE (DuckDB answers it incompletely). What
the SQL cannot reproduce exactly (engine/horn/sql.py `supported`, or an arithmetic result out
of range at run time) is evaluated in memory: a wrong fact is the worst bug.
"""
from __future__ import annotations

import os
from collections import defaultdict

from .columnar_model import ColumnarModel, Rows
from .compile import Clause
from . import core
from .core import Model, Program, Relation
from .duck import INEXACT, Database
from .sql import clause_sql, supported
from ..language.syntax import Op, Var

__all__ = ["saturate", "default_threshold", "ColumnarModel", "Rows", "DEFAULT_THRESHOLD",
           "NONRECURSIVE_FACTOR", "THRESHOLD_ENV"]

DEFAULT_THRESHOLD = 1_000          # input tuples of a recursive component
NONRECURSIVE_FACTOR = 200          # a non-recursive component: 200,000 input tuples
THRESHOLD_ENV = "SCIENTIA_COLUMNAR_THRESHOLD"


def default_threshold() -> int:
    """SCIENTIA_COLUMNAR_THRESHOLD if set (an int), else DEFAULT_THRESHOLD."""
    value = os.environ.get(THRESHOLD_ENV)
    return int(value) if value not in (None, "") else DEFAULT_THRESHOLD


def saturate(rules, facts: dict, threshold: int | None = None):
    """The least model of the stratified program `rules` over `facts`: a core Model when every
    component was small enough for memory, else a ColumnarModel."""
    if threshold is None:
        threshold = default_threshold()
    return _Run(Program(rules), facts, threshold).evaluate()


class _Run:
    """One evaluation: which relations are in which store, and the plan taken."""

    def __init__(self, program: Program, facts: dict, threshold: int):
        # facts given as one-shot iterables are read once here (sizes and both stores read them)
        facts = {p: ts if hasattr(ts, "__len__") else frozenset(ts) for p, ts in facts.items()}
        self.program, self.facts, self.threshold = program, facts, threshold
        self.rels: dict = {}            # pred -> core Relation (the in-memory store)
        self.db: Database | None = None
        self.clock = [0]
        self.plan: list = []            # (sorted preds of a component, how, why)
        self.arity = _arities(program.clauses, facts)

    # ------------------------------------------------------------ driver
    def evaluate(self):
        for comp in self.program.components:
            clauses = [c for p in sorted(comp) for c in self.program.by_head.get(p, ())]
            if clauses:
                self._component(comp, clauses)
        if not any(how != "memory" for _, how, _ in self.plan):
            if self.db is not None:      # opened, then every component refused: not needed
                self.db.close()
            for p, ts in self.facts.items():
                self.rels.setdefault(p, Relation(ts))
            for comp in self.program.components:
                for p in comp:
                    self.rels.setdefault(p, Relation())
            return Model(self.rels, self.program.by_head)
        return ColumnarModel(self.db, self.rels, self.facts, self.program, tuple(self.plan))

    def _component(self, comp: set, clauses: list) -> None:
        reads = {l.pred for c in clauses for l in c.body if l.is_atom}
        recursive = bool(reads & comp)
        inputs = sum(self._size(p) for p in reads - comp) + sum(self._base_size(p) for p in comp)
        limit = self.threshold if recursive else self.threshold * NONRECURSIVE_FACTOR
        key = tuple(sorted(comp))
        if inputs < limit:
            return self._in_memory(comp, clauses, key, "small")
        why = self._refused(comp, clauses)
        if why is None:
            why = self._columnar(comp, clauses, recursive, key)
        if why is not None:
            self._in_memory(comp, clauses, key, why)

    def _refused(self, comp, clauses):
        preds = set(comp) | {l.pred for c in clauses for l in c.body if l.is_atom}
        if any(len(self.arity.get(p, ())) > 1 for p in preds):
            return "a predicate used with several arities"
        if any(not self.arity.get(p) or 0 in self.arity[p] for p in preds):
            return "a nullary predicate"
        if self.db is None:
            self.db = Database()
        for c in clauses:     # constants first: a non-small number among them makes `exotic`
            for v in _constants(c):
                self.db.encoder.code(v)
        try:
            for p in preds - set(comp):
                self._to_db(p)
            for p in comp:
                self.db.load(p, self.arity_of(p), self.facts.get(p, ()))
        except ValueError:
            return "facts of mixed arities"
        for c in clauses:
            why = supported(c, self.db.encoder.exotic)
            if why is not None:
                return why
        return None

    # ------------------------------------------------------------ the two stores
    def _size(self, p: str) -> int:
        if p in self.rels:
            return len(self.rels[p].full)
        if self.db is not None and p in self.db.tables:
            return self.db.count(p)
        return self._base_size(p)

    def _base_size(self, p: str) -> int:
        return len(self.facts.get(p, ()))

    def _to_memory(self, p: str) -> Relation:
        rel = self.rels.get(p)
        if rel is None:
            if self.db is not None and p in self.db.tables:
                rel = Relation(self.db.export(p))
            else:
                rel = Relation(self.facts.get(p, ()))
            self.rels[p] = rel
        return rel

    def _to_db(self, p: str) -> None:
        if p in self.db.tables:
            return
        source = self.rels[p].full if p in self.rels else self.facts.get(p, ())
        self.db.load(p, _arity(self.arity, p), source)

    def _in_memory(self, comp, clauses, key, why: str) -> None:
        for c in clauses:
            for l in c.body:
                if l.is_atom and l.pred not in comp:
                    self._to_memory(l.pred)
        for p in comp:
            if self.db is not None:
                self.db.drop(p)
            self.rels[p] = Relation(self.facts.get(p, ()))
        core._fixpoint(comp, clauses, self.rels, self.clock)   # looked up here: patchable
        self.plan.append((key, "memory", why))

    # ------------------------------------------------------------ DuckDB
    def _columnar(self, comp, clauses, recursive: bool, key):
        """Evaluate in DuckDB; the reason to fall back to memory if the SQL cannot be exact."""
        db = self.db
        linear = len(comp) == 1 and all(
            sum(1 for l in c.body if l.kind == "pos" and l.pred in comp) <= 1 for c in clauses)
        how = "loop" if recursive and not linear else "cte" if recursive else "union"
        try:
            if how == "loop":
                self._loop(comp, clauses)
            else:
                self._single(next(iter(comp)), clauses, how == "cte")
        except INEXACT as e:
            for p in comp:
                db.drop(p)
            return f"arithmetic out of range in SQL ({type(e).__name__})"
        for p in comp:
            db.forget_count(p)
        self.plan.append((key, how, "columnar"))
        return None

    def arity_of(self, p: str) -> int:
        return _arity(self.arity, p)

    def _single(self, p: str, clauses: list, recursive: bool) -> None:
        """A non-recursive predicate, or a linearly recursive one as one recursive CTE."""
        db = self.db
        full = db.tables[p]
        arity = self.arity_of(p)
        code = db.encoder.code
        if not recursive:
            union = " UNION ".join(clause_sql(c, self._tables(c), code) for c in clauses)
            db.sql(f"INSERT INTO {full} SELECT * FROM ({union}) EXCEPT SELECT * FROM {full}")
            return
        rec = db.fresh("rec")
        base = [f"SELECT * FROM {full}"] + [
            clause_sql(c, self._tables(c), code) for c in clauses if not _reads(c, p)]
        steps = [clause_sql(c, self._tables(c, {p: rec}), code) for c in clauses if _reads(c, p)]
        out = db.fresh("r")
        db.sql(f"CREATE TABLE {out} AS WITH RECURSIVE {rec}({db.columns(arity)}) AS ("
               f"{' UNION '.join(base)} UNION ({' UNION '.join(steps)})) SELECT * FROM {rec}")
        db.sql(f"DROP TABLE {full}")
        db.tables[p] = out

    def _loop(self, comp: set, clauses: list) -> None:
        """Semi-naive evaluation over delta tables, driven from here."""
        db, code = self.db, self.db.encoder.code
        heads = sorted(comp)
        first = defaultdict(list)    # head -> SELECTs of round one
        later = defaultdict(list)    # head -> (delta pred, SELECT reading that delta)
        deltas = {p: db.fresh("d") for p in heads}
        for c in clauses:
            first[c.pred].append(clause_sql(c, self._tables(c), code))
            for i, lit in enumerate(c.body):
                if lit.kind == "pos" and lit.pred in comp:
                    tables = self._tables(c)
                    tables[i] = deltas[lit.pred]
                    later[c.pred].append((lit.pred, clause_sql(c, tables, code)))
        for p in heads:
            db.sql(f"CREATE TABLE {deltas[p]} ({db.columns(self.arity_of(p), 'INTEGER')})")
        live = set(heads)            # preds whose delta is not empty (round one: all of them)
        rnd = first
        while True:
            new = {}
            for p in heads:
                selects = rnd[p] if rnd is first else [s for d, s in later[p] if d in live]
                if not selects:
                    continue
                name = new[p] = db.fresh("n")
                db.sql(f"CREATE TABLE {name} AS SELECT * FROM ({' UNION '.join(selects)}) "
                       f"EXCEPT SELECT * FROM {db.tables[p]}")
            live = set()
            for p, name in new.items():
                db.sql(f"INSERT INTO {db.tables[p]} SELECT * FROM {name}")
                db.sql(f"DROP TABLE {deltas[p]}")
                db.sql(f"ALTER TABLE {name} RENAME TO {deltas[p]}")
                if db.sql(f"SELECT count(*) FROM {deltas[p]}").fetchone()[0]:
                    live.add(p)
            for p in heads:     # a delta not recomputed this round is empty now
                if p not in new:
                    db.sql(f"DELETE FROM {deltas[p]}")
            if not live:
                break
            rnd = later
        for p in heads:
            db.sql(f"DROP TABLE {deltas[p]}")

    def _tables(self, c: Clause, override=None) -> list:
        """The table each body literal reads (None for a comparison)."""
        override = override or {}
        return [override.get(l.pred, self.db.tables.get(l.pred)) if l.is_atom else None
                for l in c.body]


def _reads(c: Clause, p: str) -> bool:
    return any(l.kind == "pos" and l.pred == p for l in c.body)


def _constants(c: Clause):
    for t in c.args:
        if not isinstance(t, Var):
            yield t
    for l in c.body:
        for t in l.args:
            yield from _leaves(t)


def _leaves(t):
    if isinstance(t, Op):
        for a in t.args:
            yield from _leaves(a)
    elif not isinstance(t, Var):
        yield t


def _arities(clauses, facts: dict) -> dict:
    """pred -> the set of arities it is used with (in facts, heads and body atoms)."""
    out = defaultdict(set)
    for c in clauses:
        out[c.pred].add(len(c.args))
        for l in c.body:
            if l.is_atom:
                out[l.pred].add(len(l.args))
    for p, ts in facts.items():
        for t in ts:
            out[p].add(len(t))
            break
    return out


def _arity(arity: dict, p: str) -> int:
    (n,) = arity[p]
    return n
