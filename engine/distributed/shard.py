"""One closure too big for one machine, sharded by its first argument.

    source_partitionable(rules, pred)       the static check
    restricted_program(rules, pred)         the program one shard evaluates
    sharded_closure(rules, facts, pred)     the closure, one Ray task per shard, as Parquet files

Why sharding by the first argument is exact, for the programs `source_partitionable` accepts.
Call the first argument of `pred` its *source*. The check accepts when the recursive component
of `pred` is `pred` alone, every recursive rule has exactly one (positive) `pred` atom in its
body, and the head's first argument is a variable X that is also that body atom's first
argument (left-linear reachability, `path(X, Z) :- path(X, Y), edge(Y, Z).`); exit rules (no
`pred` in the body) may be anything. Then:

1. Every other relation a `pred` rule reads is in a lower stratum (the component is `pred`
   alone), so it does not depend on `pred`: each shard computes it in full and identically.
2. A recursive step derives `pred(x, ...)` from one `pred(x, ...)` atom with the *same* x plus
   lower-stratum atoms. Following a derivation of `pred(x, ...)` down its recursive premises
   therefore stays at source x and ends at an exit instance (or a base fact) with source x.
3. Hence, for a set S of sources, the least model of the program whose exit rules (and base
   facts of `pred`) are restricted to sources in S derives exactly the `pred` atoms of the
   full least model with source in S: every such atom keeps its whole derivation (by 2), and
   nothing else is derivable (restricting exit rules only removes instances; every derivable
   atom is in the full model, which is monotone in its exit instances, and by 2 each has a
   source in S).
4. The sources of a partition S_1, ..., S_k of the possible sources (the first column of the
   exit relation and of the base facts) give closures whose disjoint union is the whole
   closure: shards share no atom and need no communication, only the replicated lower strata.

Right-linear (`path(X, Z) :- edge(X, Y), path(Y, Z).`) or non-linear
(`path(X, Z) :- path(X, Y), path(Y, Z).`) recursion, mutual recursion, and a rule that changes
the first argument (`path(Y, Z) :- path(X, Z), edge(X, Y).`) all break (2): a derivation of
`pred(x, ...)` may read atoms of another source, which another shard owns.

How a shard is evaluated: with `evaluate` (default: the DuckDB backend
`engine.horn.columnar.saturate` where it is installed, else the in-memory `engine.horn.core.
saturate`) for the restricted program; or, where every recursive rule is a plain step
`pred(X, Z) :- pred(X, Y), s(Y, Z)` over binary `pred`, by a DuckDB `WITH RECURSIVE ... UNION`
over integer codes, the exit and step relations (small) being computed by `evaluate` first.
One recursive CTE is exact for linear recursion only (DuckDB's recursive CTE joins the new rows
with the tables; a second recursive reference is not supported and a non-linear rule would lose
answers), which is what the step form is. Each shard writes its atoms to a Parquet file; the
driver receives paths and counts, never the tuples.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
import zlib
from dataclasses import dataclass, field

SHARD = "__shard"         # the relation of a shard's sources, read by the restricted exit rules


# ---------------------------------------------------------------- the static check
def _clauses(rules) -> list:
    from ..horn.compile import normalize
    return [normalize(r) for r in rules]


def _depends(clauses) -> dict:
    out: dict = {}
    for c in clauses:
        out.setdefault(c.pred, set()).update(l.pred for l in c.body if l.is_atom)
    return out


def _reach(graph: dict, start: str) -> set:
    seen, todo = set(), [start]
    while todo:
        for q in graph.get(todo.pop(), ()):
            if q not in seen:
                seen.add(q)
                todo.append(q)
    return seen


def partition_problem(rules, pred: str) -> str | None:
    """Why the closure of `pred` cannot be sharded by its first argument, or None when it can
    (see the module docstring for what is accepted and why that makes sharding exact)."""
    from ..language.syntax import Var
    clauses = _clauses(rules)
    graph = _depends(clauses)
    below = _reach(graph, pred)
    mutual = sorted(q for q in below if q != pred and pred in _reach(graph, q))
    if mutual:
        return f"{pred} is mutually recursive with {', '.join(mutual)}"
    for c in clauses:
        if c.pred != pred:
            continue
        rec = [l for l in c.body if l.is_atom and l.pred == pred]
        if not rec:
            continue                      # an exit rule: anything not mentioning pred
        if not c.args:
            return f"{pred} has no arguments"
        if len(rec) > 1:
            return f"rule {c.index} is non-linear: {len(rec)} {pred} atoms in its body"
        if rec[0].kind != "pos":
            return f"rule {c.index} negates {pred} in its own definition"
        head, body = c.args[0], rec[0].args[0]
        if not (isinstance(head, Var) and head == body):
            return (f"rule {c.index} does not pass the head's first argument unchanged into the "
                    f"recursive atom's first argument (right-linear, or it changes the source)")
    return None


def source_partitionable(rules, pred: str) -> bool:
    """True when the closure of `pred` restricted to first-argument values in a set S is the
    least model of the program with each exit rule restricted to sources in S, so that a
    partition of the sources splits the closure into independent shards: `pred`'s recursive
    component is `pred` alone, its recursion linear, and every recursive rule passes the head's
    first argument unchanged into the recursive body atom's first argument (left-linear
    reachability). The module docstring gives the argument; `partition_problem` says why not."""
    return partition_problem(rules, pred) is None


def restricted_program(rules, pred: str, shard_pred: str = SHARD) -> list:
    """The rules `pred` depends on, with each exit rule of `pred` given the body atom
    `shard_pred(first head argument)`: evaluated with `shard_pred` = {(x,) : x in S} it derives
    exactly the `pred` atoms with source in S (module docstring, point 3)."""
    from ..horn.compile import HornRule
    clauses = _clauses(rules)
    cone = _reach(_depends(clauses), pred) | {pred}
    out = []
    for r, c in zip(rules, clauses):
        if c.pred not in cone:
            continue
        if c.pred == pred and not any(l.is_atom and l.pred == pred for l in c.body):
            r = HornRule(r.head, tuple(r.body) + (("pos", shard_pred, (r.head[1][0],)),), r.index)
        out.append(r)
    return out


# ---------------------------------------------------------------- evaluation of one shard
def default_evaluate():
    """The embedded backend: the DuckDB one (`engine.horn.columnar.saturate(rules, facts,
    threshold)`) when it is there, else the in-memory core. Either returns a Model whose
    `tuples(pred)` lists a relation."""
    try:
        from ..horn.columnar import saturate as columnar
    except ImportError:
        from ..horn.core import saturate
        return saturate
    return columnar


def _step_relations(rules, pred: str):
    """The step relations s of recursive rules that are all `pred(X, Z) :- pred(X, Y), s(Y, Z)`
    (X, Y, Z distinct variables, nothing else in the body, binary pred and s); None when some
    recursive rule has another shape (then only `evaluate` applies)."""
    from ..language.syntax import Var
    steps = []
    for c in _clauses(rules):
        if c.pred != pred or not any(l.is_atom and l.pred == pred for l in c.body):
            continue
        if len(c.args) != 2 or len(c.body) != 2:
            return None
        rec = [l for l in c.body if l.pred == pred]
        step = [l for l in c.body if l.pred != pred]
        if len(rec) != 1 or not step or step[0].kind != "pos" or len(step[0].args) != 2:
            return None
        (x, z), (x2, y), (y2, z2) = c.args, rec[0].args, step[0].args
        if not all(isinstance(v, Var) for v in (x, y, z)) or len({x, y, z}) != 3 \
                or (x2, y2, z2) != (x, y, z):
            return None
        steps.append(step[0].pred)
    return steps or None


def _column(values: list):
    """An Arrow column of engine values: strings for names, int64 for integers; any other mix
    is written as text (str of each value)."""
    import pyarrow as pa
    if all(isinstance(v, str) for v in values):
        return pa.array(values, pa.string())
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.array(values, pa.int64())
    return pa.array([str(v) for v in values], pa.string())


def evaluate_shard(rules, facts: dict, pred: str, sources, out_path: str, evaluate=None,
                   method: str = "auto", threads: int = 1) -> dict:
    """Evaluate one shard (the sources `sources`; None: all of them) and write its `pred` atoms
    to the Parquet file `out_path` (columns c0, c1, ...). Returns {"path", "count", "seconds",
    "method", "maxrss_mb"}, nothing of the tuples. method: "evaluate" (the restricted program
    with `evaluate`), "duckdb" (the recursive CTE; the step form is required), or "auto" (the
    CTE where the step form holds). A plain function: a Ray task calls it in a worker, a
    single-process run calls it directly."""
    import resource
    start = time.perf_counter()
    evaluate = evaluate or default_evaluate()
    steps = _step_relations(rules, pred)
    if method == "duckdb" and steps is None:
        raise ValueError(f"the recursive rules of {pred} are not all steps `{pred}(X, Z) :- {pred}(X, Y), s(Y, Z)`")
    use_cte = method == "duckdb" or (method == "auto" and steps is not None)
    restricted = restricted_program(rules, pred)
    given = dict(facts)
    base = given.get(pred, ())
    if sources is None:
        src = {t[0] for t in base}
        exit_only = [r for r in restricted if r.head[0] != pred or not _recursive(r, pred)]
        src |= {t[0] for t in evaluate(_unrestricted(exit_only), given).tuples(pred)}
        sources = src
    sources = set(sources)
    given[SHARD] = {(v,) for v in sources}
    if base:
        given[pred] = {t for t in base if t[0] in sources}
    if use_cte:
        count = _cte_shard(restricted, given, pred, steps, out_path, evaluate, threads)
    else:
        arity = next((len(r.head[1]) for r in restricted if r.head[0] == pred), None)
        arity = arity if arity is not None else next((len(t) for t in base), 0)
        count = _write_model(evaluate(restricted, given), pred, out_path, arity)
    return {"path": out_path, "count": count, "seconds": time.perf_counter() - start,
            "method": "duckdb" if use_cte else getattr(evaluate, "__module__", "evaluate"),
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _recursive(rule, pred: str) -> bool:
    return any(lit[0] in ("pos", "neg") and lit[1] == pred for lit in rule.body)


def _unrestricted(rules) -> list:
    from ..horn.compile import HornRule
    return [HornRule(r.head, tuple(l for l in r.body if not (l[0] == "pos" and l[1] == SHARD)), r.index)
            for r in rules]


def _write_model(model, pred: str, out_path: str, arity: int) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq
    rows = list(model.tuples(pred))
    arity = len(rows[0]) if rows else arity
    cols = [_column([t[k] for t in rows]) for k in range(arity)]
    pq.write_table(pa.table(cols, names=[f"c{k}" for k in range(arity)]), out_path)
    return len(rows)


def _cte_shard(restricted, given: dict, pred: str, steps: list, out_path: str, evaluate, threads: int) -> int:
    """The shard by one DuckDB recursive CTE over integer codes. The exit relation (restricted to
    the shard) and the step relations come from `evaluate` on the program without the
    recursive rules; they are small next to the closure."""
    import duckdb
    import pyarrow as pa
    nonrec = [r for r in restricted if not (r.head[0] == pred and _recursive(r, pred))]
    model = evaluate(nonrec, given)
    exit_rows = list(model.tuples(pred))
    step_rows = {t for s in steps for t in model.tuples(s)}
    values = sorted({v for t in exit_rows for v in t} | {v for t in step_rows for v in t}, key=_order)
    code = {v: i for i, v in enumerate(values)}
    con = duckdb.connect()
    try:
        con.execute(f"SET threads={int(threads)}")
        con.execute("SET preserve_insertion_order=false")
        exit_t = pa.table({"a": pa.array([code[a] for a, _ in exit_rows], pa.int32()),
                           "b": pa.array([code[b] for _, b in exit_rows], pa.int32())})
        step_t = pa.table({"a": pa.array([code[a] for a, _ in step_rows], pa.int32()),
                           "b": pa.array([code[b] for _, b in step_rows], pa.int32())})
        dict_t = pa.table({"k": pa.array(range(len(values)), pa.int32()), "v": _column(values)})
        con.register("exit_rel", exit_t)
        con.register("step_rel", step_t)
        con.register("dict_rel", dict_t)
        con.execute("CREATE TABLE res AS WITH RECURSIVE r(a, b) AS ("
                    "SELECT a, b FROM exit_rel UNION "
                    "SELECT r.a, s.b FROM r JOIN step_rel s ON r.b = s.a) SELECT a, b FROM r")
        count = con.execute("SELECT count(*) FROM res").fetchone()[0]
        con.execute(f"COPY (SELECT da.v AS c0, db.v AS c1 FROM res JOIN dict_rel da ON res.a = da.k "
                    f"JOIN dict_rel db ON res.b = db.k) TO '{_sql_path(out_path)}' (FORMAT parquet)")
        return count
    finally:
        con.close()


def _order(v):
    return (type(v).__name__, v)


def _sql_path(path: str) -> str:
    return str(path).replace("'", "''")


def stable_shard(value, shards: int) -> int:
    """The shard of a source value: a hash that every process computes alike (Python's `hash`
    of a str differs between processes)."""
    return zlib.crc32(f"{type(value).__name__}:{value}".encode()) % shards


# ---------------------------------------------------------------- the result
@dataclass
class ShardedClosure:
    """A closure held as one Parquet file per shard (columns c0, c1, ...), never as Python
    tuples in the driver. `count` is the number of atoms; `checksum()` an order-independent
    fingerprint computed in DuckDB; `relation(con)` a DuckDB view over all shards;
    `to_set()` reads it all into Python (small closures only, e.g. tests). `close()` (or
    `with`) removes the directory when it was made for this result."""

    pred: str
    files: list
    shard_counts: list
    directory: str
    stats: list = field(default_factory=list)     # each shard's evaluate_shard report
    owns_directory: bool = False

    @property
    def count(self) -> int:
        return sum(self.shard_counts)

    def relation(self, con):
        files = [f for f, n in zip(self.files, self.shard_counts) if n]
        if not files:
            return None
        return con.read_parquet(files)

    def checksum(self) -> tuple:
        """(count, sum of DuckDB's hash of each row): equal for equal sets of rows in any order."""
        return closure_checksum([f for f, n in zip(self.files, self.shard_counts) if n])

    def to_set(self) -> set:
        import pyarrow.parquet as pq
        out = set()
        for f, n in zip(self.files, self.shard_counts):
            if n:
                t = pq.read_table(f)
                out.update(zip(*(t.column(k).to_pylist() for k in range(t.num_columns))))
        return out

    def close(self) -> None:
        if self.owns_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def closure_checksum(files: list) -> tuple:
    """(rows, sum of hash(row)) over Parquet files, computed in DuckDB: an order-independent
    fingerprint, so two closures written in different orders and splits can be compared without
    reading them into Python."""
    import duckdb
    if not files:
        return (0, 0)
    con = duckdb.connect()
    try:
        rel = con.read_parquet([str(f) for f in files])
        cols = ", ".join(rel.columns)
        return tuple(con.execute(f"SELECT count(*), coalesce(sum(hash({cols})), 0) FROM rel").fetchone())
    finally:
        con.close()


# ---------------------------------------------------------------- the driver
def sharded_closure(rules, facts: dict, pred: str, workers: int = 2, evaluate=None, method: str = "auto",
                    shards: int | None = None, out_dir: str | None = None, address: str | None = None,
                    max_retries: int = 2, threads: int = 1) -> ShardedClosure:
    """The closure of `pred` (under HornRules `rules` over `facts`: pred -> set of tuples),
    computed as `shards` (default `workers`) Ray tasks, each evaluating `restricted_program`
    for its share of the sources. The possible sources are the first column of the exit
    relation (computed here by `evaluate` on the non-recursive rules: small next to the
    closure) and of the base facts of `pred`; they are split by a stable hash. The facts are
    put in the object store once (`ray.put`) and every task reads that copy. Returns a
    ShardedClosure of Parquet files in `out_dir` (default: a new temporary directory, removed
    by `close()`). Raises ValueError when `source_partitionable` does not hold. Ray is started
    here unless it already runs (`engine.distributed.batch.ray_session`)."""
    from .batch import ray_session
    why = partition_problem(rules, pred)
    if why is not None:
        raise ValueError(f"the closure of {pred} cannot be sharded by its first argument: {why}")
    evaluate = evaluate or default_evaluate()
    shards = shards or workers
    rules = list(rules)
    restricted = restricted_program(rules, pred)
    exit_only = [r for r in _unrestricted(restricted) if not (r.head[0] == pred and _recursive(r, pred))]
    sources = {t[0] for t in facts.get(pred, ())} | {t[0] for t in evaluate(exit_only, dict(facts)).tuples(pred)}
    parts = [[] for _ in range(shards)]
    for v in sorted(sources, key=_order):
        parts[stable_shard(v, shards)].append(v)
    owns = out_dir is None
    directory = out_dir or tempfile.mkdtemp(prefix=f"scientia-{pred}-")
    os.makedirs(directory, exist_ok=True)
    with ray_session(workers, address) as ray:
        facts_ref = ray.put(dict(facts))
        task = ray.remote(num_cpus=1, max_retries=max_retries, retry_exceptions=True)(evaluate_shard)
        refs = [task.remote(rules, facts_ref, pred, part, os.path.join(directory, f"{pred}-{k:04d}.parquet"),
                            evaluate, method, threads) for k, part in enumerate(parts)]
        try:
            stats = ray.get(refs)
        except Exception:
            if owns:
                shutil.rmtree(directory, ignore_errors=True)
            raise
    return ShardedClosure(pred, [s["path"] for s in stats], [s["count"] for s in stats], directory, stats, owns)
