"""The least model computed by engine/horn/columnar.py: some relations in DuckDB, some in memory.

Reads like core.Model (contains, tuples, size, match, predicates, facts_count, derivation), plus
`select(pred, pattern)`: a lazy `Rows` over the coded table, decoded only as it is read.

A relation in DuckDB with fewer than MIRROR tuples is copied into a Python set (a core Relation,
with its hash indexes) on first read, so `contains` and `match` are dict lookups; a larger one
is queried in SQL.

No provenance is kept in the fixpoint (that is what makes it cheap): `rounds()` is None. A
derivation is found goal-directed: the in-memory magic-set `solve` (engine/horn/magic.py) for
the fact's cone. The last few cone models are kept, most recently used first, and `derivation`
asks them first: the premises of a derivation lie in the same cone, so a whole proof needs one
solve, and every fact of it is derived in the one cone (its derivations are well founded there).
"""
from __future__ import annotations

from .core import Relation
from .magic import solve

MIRROR = 100_000     # relations smaller than this are mirrored into Python sets
CONES = 4            # goal-directed cone models kept for `derivation`
BATCH = 65_536       # rows per fetched batch


class ColumnarModel:
    """The facts of a columnar evaluation. `plan`: (component preds, how, why) per component,
    how in "memory" | "union" | "cte" | "loop"."""

    def __init__(self, db, rels: dict, facts: dict, program, plan: tuple):
        self._db, self._rels, self._facts, self._program = db, rels, facts, program
        self.plan = plan
        self._cones: list = []
        self._preds = set(rels) | set(db.tables) | set(facts) | {
            p for comp in program.components for p in comp}

    def close(self) -> None:
        """Close the DuckDB connection now (else it closes when the model is collected)."""
        self._db.close()

    def how(self, pred: str):
        """How pred's component was evaluated ("memory", "union", "cte", "loop"), or None."""
        for preds, how, _ in self.plan:
            if pred in preds:
                return how
        return None

    # ------------------------------------------------------------ the two stores
    def _relation(self, pred: str):
        """The in-memory Relation of pred (mirrored if small), or None for a large DuckDB one."""
        rel = self._rels.get(pred)
        if rel is not None:
            return rel
        if pred in self._db.tables:
            if self._db.count(pred) >= MIRROR:
                return None
            rel = Relation(self._db.export(pred))
        else:
            rel = Relation(self._facts.get(pred, ()))
        self._rels[pred] = rel
        return rel

    def contains(self, pred: str, tup: tuple) -> bool:
        tup = tuple(tup)
        rel = self._relation(pred)
        if rel is not None:
            return tup in rel.full
        if len(tup) != self._db.arity[pred]:
            return False
        return len(self.select(pred, tup)) > 0

    def tuples(self, pred: str):
        rel = self._relation(pred)
        return iter(rel.full) if rel is not None else iter(self.select(pred))

    def size(self, pred: str) -> int:
        rel = self._rels.get(pred)
        if rel is not None:
            return len(rel.full)
        if pred in self._db.tables:
            return self._db.count(pred)
        ts = self._facts.get(pred, ())
        if isinstance(ts, (set, frozenset)):     # base facts only: no copy to count them
            return len(ts)
        return len(self._relation(pred).full)

    def predicates(self) -> list:
        return sorted(self._preds)

    def match(self, pred: str, pattern: tuple):
        """Tuples of pred agreeing with pattern (entries: value, or None for any)."""
        rel = self._relation(pred)
        if rel is not None:
            return rel.match(tuple(pattern))
        return iter(self.select(pred, pattern))

    def facts_count(self) -> int:
        return sum(self.size(p) for p in self._preds)

    def select(self, pred: str, pattern: tuple | None = None) -> "Rows":
        """The tuples of pred matching pattern (None: all), lazily: see Rows."""
        if pred in self._db.tables and pred not in self._rels:
            return Rows(self._db, pred, pattern)
        rel = self._relation(pred)
        return Rows.of_list(list(rel.match(tuple(pattern)) if pattern is not None else rel.full))

    # ------------------------------------------------------------ provenance, goal-directed
    def rounds(self):
        """None: the columnar fixpoint keeps no derivation order (see `derivation`)."""
        return None

    def certificate(self, pred: str, pattern: tuple):
        """A derivation-order certificate (as core.Model.rounds) for the tuples of pred matching
        pattern: the rounds of the goal-directed (magic-set) model of that query, in memory. For
        a caller that needs `rounds` of a ColumnarModel's answers (the kernel's bulk check);
        costly where the query's cone is large."""
        return solve(self._program.rules, self._facts, pred, tuple(pattern)).rounds()

    def stamp(self, pred: str, tup: tuple):
        """0 for a base fact, None for a fact not in the model, 1 for a derived one (no order)."""
        tup = tuple(tup)
        if not self.contains(pred, tup):
            return None
        return 0 if self._base(pred, tup) else 1

    def _base(self, pred: str, tup: tuple) -> bool:
        return tup in self._facts.get(pred, ())

    def derivation(self, pred: str, tup: tuple):
        """None for a base fact (or a fact not in the model); else a core Derivation, from the
        goal-directed model of the fact's cone (solved once, then reused for its premises)."""
        tup = tuple(tup)
        if self._base(pred, tup):
            return None
        for i, cone in enumerate(self._cones):   # a cone's facts all hold: no lookup here first
            if cone.contains(pred, tup):
                if i:
                    self._cones.insert(0, self._cones.pop(i))
                return cone.derivation(pred, tup)
        if not self.contains(pred, tup):
            return None
        cone = solve(self._program.rules, self._facts, pred, tup)
        self._cones.insert(0, cone)
        del self._cones[CONES:]
        return cone.derivation(pred, tup)


class Rows:
    """A lazy selection of a relation: len (COUNT, cached), iteration (decoded, in batches),
    indexing (stable: the selection is materialised once as a table, read by rowid),
    to_arrow / to_pandas (decoded), batches(n)."""

    def __init__(self, db, pred: str = None, pattern=None):
        self._db, self._list, self._len, self._table = db, None, None, None
        if db is None:
            return
        self._arity = db.arity[pred]
        conds, codes = [], []
        for k, v in enumerate(pattern or ()):
            if v is None:
                continue
            c = db.encoder.lookup(v)
            if c is None:          # a value never coded: no tuple holds it
                conds.append("FALSE")
                break
            conds.append(f"c{k} = {c}")
        self._from = db.tables[pred] + (f" WHERE {' AND '.join(conds)}" if conds else "")
        if pattern is not None and len(pattern) != self._arity:
            self._from = db.tables[pred] + " WHERE FALSE"
        elif not conds:      # the whole relation: its table's rowids are already stable (0..n-1)
            self._table = db.tables[pred]

    @classmethod
    def of_list(cls, rows: list) -> "Rows":
        out = cls(None)
        out._list = rows
        return out

    def __len__(self) -> int:
        if self._list is not None:
            return len(self._list)
        if self._len is None:
            self._len = self._db.sql(f"SELECT count(*) FROM {self._source()}").fetchone()[0]
        return self._len

    def _source(self) -> str:
        return self._table if self._table is not None else self._from

    def __iter__(self):
        if self._list is not None:
            yield from self._list
            return
        for batch in self._record_batches(BATCH):
            yield from batch

    def batches(self, n: int = BATCH):
        """Lists of at most n decoded tuples."""
        if self._list is not None:
            for i in range(0, len(self._list), n):
                yield self._list[i:i + n]
            return
        yield from self._record_batches(n)

    def _record_batches(self, n: int, start: int = 0, stop: int | None = None):
        """Decoded batches in the order of `__getitem__` (rowid), from row `start` to `stop`."""
        table = self._ordered()
        where = f" WHERE rowid >= {int(start)}" + (f" AND rowid < {int(stop)}" if stop is not None else "")
        cur = self._db.con.cursor()     # its own cursor: other queries may run meanwhile
        try:
            cur.execute(f"SELECT * FROM {table}{where} ORDER BY rowid")
            decode = self._db.encoder.decode_rows
            while True:
                batch = cur.fetchmany(n)
                if not batch:
                    break
                yield decode(batch)
        finally:
            cur.close()

    def __getitem__(self, i):
        if self._list is not None:
            return self._list[i]
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            if step != 1:
                return [self[k] for k in range(start, stop, step)]
            return [t for batch in self._record_batches(BATCH, start, stop) for t in batch] if stop > start else []
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        row = self._db.sql(f"SELECT * FROM {self._ordered()} WHERE rowid = {int(i)}").fetchone()
        return tuple(self._db.encoder.value(c) for c in row)

    def _ordered(self) -> str:
        """A table holding the selection with rowids 0..n-1: the relation's own table, or the
        selection materialised once, so that iteration and indexing agree on the order."""
        if self._table is None:
            name = self._db.fresh("sel")
            self._db.sql(f"CREATE TABLE {name} AS SELECT * FROM {self._from}")
            self._table = name
        return self._table

    def columns(self) -> list:
        """The decoded columns (lists of values)."""
        rows = list(self)
        arity = self._arity if self._list is None else (len(rows[0]) if rows else 0)
        return [[t[k] for t in rows] for k in range(arity)] if rows else [[] for _ in range(arity)]

    def to_arrow(self):
        """A pyarrow Table c0..: int64 / float64 / string columns; a column mixing names and
        numbers (or holding Fractions) is given as strings (str of each value)."""
        import pyarrow as pa
        return pa.table({f"c{k}": _arrow_column(col) for k, col in enumerate(self.columns())})

    def to_pandas(self):
        """A pandas DataFrame c0..; values as in the model (a mixed column has dtype object)."""
        import pandas as pd
        return pd.DataFrame({f"c{k}": col for k, col in enumerate(self.columns())})


def _arrow_column(col: list):
    import pyarrow as pa
    kinds = {type(v) for v in col}
    if kinds <= {int}:
        return pa.array(col, type=pa.int64())
    if kinds <= {int, float}:
        return pa.array(col, type=pa.float64())
    if kinds <= {str}:
        return pa.array(col, type=pa.string())
    return pa.array([str(v) for v in col], type=pa.string())
