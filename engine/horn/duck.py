"""One DuckDB database per columnar model: its connection, its coded tables, moving relations in
and out of it. In-process (embedded), in memory, spilling to a private temp directory; closed
(and the directory removed) when the owner is garbage collected (`weakref.finalize`).

Settings: threads = the CPUs this process may use; memory_limit from SCIENTIA_COLUMNAR_MEMORY
(a DuckDB size such as "4GB"; default half the physical memory, at least 4GB: the recursive
CTE's hash table cannot spill, and a 63 M-tuple closure needs about 2.8 GB resident, which
fails under a 2GB limit); operators that can spill use a private temp directory; insertion
order is not preserved (set semantics).
"""
from __future__ import annotations

import os
import shutil
import tempfile
import weakref

import duckdb

from .encoding import Encoder

MEMORY_ENV = "SCIENTIA_COLUMNAR_MEMORY"

# errors that mean "this SQL cannot give the exact answer" (an arithmetic result out of range):
# the component is then evaluated in memory instead
INEXACT = (duckdb.ConversionException, duckdb.OutOfRangeException)


def _threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:   # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _default_memory() -> str:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):   # pragma: no cover - not POSIX
        return "4GB"
    return f"{max(4 << 10, total // 2 >> 20)}MB"


class Database:
    """A DuckDB connection with one table of INTEGER codes per relation held there."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="scientia-columnar-")
        self.con = duckdb.connect(":memory:", config={
            "threads": _threads(),
            "memory_limit": os.environ.get(MEMORY_ENV) or _default_memory(),
            "temp_directory": self.tmp,
            "preserve_insertion_order": False,
        })
        self.encoder = Encoder()
        self.tables: dict = {}      # pred -> table name
        self.arity: dict = {}       # pred -> number of columns
        self._counts: dict = {}     # pred -> row count (tables are final once filled)
        self._names = 0
        self._finalizer = weakref.finalize(self, _close, self.con, self.tmp)

    def close(self) -> None:
        self._finalizer()

    def fresh(self, prefix: str = "t") -> str:
        self._names += 1
        return f"{prefix}{self._names}"

    def sql(self, text: str):
        return self.con.execute(text)

    def create(self, pred: str, arity: int) -> str:
        """An empty table for pred (replacing any earlier one)."""
        self.drop(pred)
        name = self.tables[pred] = self.fresh("r")
        self.arity[pred] = arity
        self.sql(f"CREATE TABLE {name} ({self.columns(arity, 'INTEGER')})")
        return name

    def drop(self, pred: str) -> None:
        name = self.tables.pop(pred, None)
        self._counts.pop(pred, None)
        if name is not None:
            self.sql(f"DROP TABLE IF EXISTS {name}")

    @staticmethod
    def columns(arity: int, kind: str = "") -> str:
        return ", ".join(f"c{k} {kind}".rstrip() for k in range(arity))

    def load(self, pred: str, arity: int, tuples) -> str:
        """A table holding the (distinct) tuples, coded."""
        name = self.create(pred, arity)
        self.insert(name, arity, tuples)
        return name

    def insert(self, name: str, arity: int, tuples) -> None:
        """Insert the tuples, coded, through a CSV file in the private temp directory (DuckDB
        reads it in bulk; the core installs without pyarrow or numpy)."""
        cols = self.encoder.encode_columns(tuples, arity)
        if not cols or not cols[0]:
            return
        path = os.path.join(self.tmp, self.fresh("load") + ".csv")
        with open(path, "w") as f:
            if arity == 1:
                f.write("\n".join(map(str, cols[0])))
            else:
                f.write("\n".join(map(",".join, zip(*[map(str, c) for c in cols]))))
            f.write("\n")
        kinds = ", ".join(f"'c{k}': 'INTEGER'" for k in range(arity))
        try:
            self.sql(f"INSERT INTO {name} SELECT DISTINCT * FROM read_csv('{path}', header = false, "
                     f"delim = ',', columns = {{{kinds}}})")
        finally:
            os.remove(path)

    def count(self, pred: str) -> int:
        n = self._counts.get(pred)
        if n is None:
            name = self.tables.get(pred)
            n = self.sql(f"SELECT count(*) FROM {name}").fetchone()[0] if name else 0
            self._counts[pred] = n
        return n

    def forget_count(self, pred: str) -> None:
        self._counts.pop(pred, None)

    def export(self, pred: str) -> set:
        """The relation's tuples, decoded, as a Python set."""
        name = self.tables[pred]
        return set(self.encoder.decode_rows(self.sql(f"SELECT * FROM {name}").fetchall()))


def _close(con, tmp) -> None:
    try:
        con.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
