"""Benchmark of the distributed path (engine/distributed) on local Ray workers.

    PYTHONPATH=. .venv/bin/python evals/perf/bench_ray.py            # the full table (a few minutes)
    PYTHONPATH=. .venv/bin/python evals/perf/bench_ray.py --quick    # small sizes, a smoke test

Rows:
- a batch of small problems (family chains with open, closed and closed-world queries): one
  process answering them one after the other (every proof built and serialised, as the
  workers do) vs `run_batch` on 2 local workers, where every answer comes back with its proof
  and the driver's kernel re-checks it. The Ray row is shown with and without Ray's start-up.
- the closure of left-linear `path` over an n-node chain (n(n-1)/2 atoms: 32 M at n = 8,000,
  8,000 semi-naive rounds) and over a shallow layered DAG (250 x 30 nodes, 19 M atoms, 30
  rounds): one process (the same DuckDB recursive CTE, all sources; 1 and 2 DuckDB threads) vs
  `sharded_closure` on 2 local workers (1 DuckDB thread each). The two closures are compared by count and an order-independent checksum computed
  by DuckDB over the Parquet files (sum of the rows' hashes), never in Python.

Each measurement runs in its own subprocess, so that "peak MB" is that process's peak RSS
(ru_maxrss): the driver's, plus for the Ray rows the largest worker's (workers report theirs).
The machine has 2 cores: the 2 workers and the driver share them.

Figures of 2026-12-05 (2-CPU VM, 24 GiB; two CPU-bound processes there run at 0.8-1.0x the
throughput of one, so the 2-worker rows measure the distributed path's overhead, not a speed-up;
the "one at a time" rows time each shard alone, which is what k real cores would give; wall
times of one row vary by up to 2x between runs):

    batch of 1000 problems, sequential, 1 process                         5.9-9.0 s    38 MB
    batch of 1000, Ray, 2 workers, 1 problem/task (+ re-check)           11.0-11.2 s  185 MB  (+4.3 s Ray start; re-check 5.7-6.1 s)
    batch of 1000, Ray, 2 workers, auto chunks (+ re-check)              14.5-16.0 s  176 MB
    closure, chain n=8000 (32 M atoms), 1 process, DuckDB CTE, 1 thread  12.8-18.5 s  1521 MB
    closure, chain n=8000, sharded, 2 workers                            18.0-19.3 s   914 MB per worker
    closure, chain n=8000, 2 shards one at a time                         9.0 + 8.4 s  921 MB
    closure, layered DAG 250x30 (19 M atoms), 1 process, 1 thread        10.2-12.2 s   941-1002 MB
    closure, layered DAG 250x30, sharded, 2 workers                      10.2-12.2 s   636-682 MB per worker
    closure, layered DAG 250x30, 2 shards one at a time                   4.5 + 3.6 s  681 MB
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def problems(n: int) -> list:
    from engine.distributed import Problem
    out = []
    for i in range(n):
        k = 3 + i % 6
        people = [f"p{i}_{j}" for j in range(k)]
        facts = "".join(f"parent({a}, {b}).\n" for a, b in zip(people, people[1:]))
        text = ("ancestor(X, Y) :- parent(X, Y).\nancestor(X, Z) :- parent(X, Y), ancestor(Y, Z).\n" + facts +
                f"?- ancestor({people[0]}, {people[-1]}).\n?- ancestor({people[0]}, W).\n"
                f"closed parent, ancestor.\n?- ancestor({people[-1]}, {people[0]}).\n")
        out.append(Problem(f"problem{i:04d}.kb", text))
    return out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- the measurements (one per process)
def batch_sequential(n: int) -> dict:
    from engine.kb import KnowledgeBase
    ps = problems(n)
    start = time.perf_counter()
    answers = proofs = 0
    for p in ps:
        kb = KnowledgeBase()
        for _, found in kb.tell(p.text, p.name):
            for a in found:
                a.proof
                d = a.to_json()
                answers += 1
                proofs += "proof" in d
    return {"seconds": time.perf_counter() - start, "answers": answers, "proofs": proofs, "peak_mb": rss_mb()}


def batch_ray(n: int, workers: int, chunk: int) -> dict:
    from engine.distributed import ray_session, run_batch
    ps = problems(n)
    t0 = time.perf_counter()
    with ray_session(workers) as ray:
        up = time.perf_counter() - t0
        start = time.perf_counter()
        results = run_batch(ps, workers=workers, chunk=chunk)
        seconds = time.perf_counter() - start
        worker_mb = max(ray.get([_worker_rss.remote() for _ in range(4 * workers)])) if _worker_rss else 0
    bad = [r.name for r in results if not r.ok]
    answers = sum(len(q.checked) for r in results if r.ok for q in r.queries)
    proofs = sum(a.proof is not None for r in results if r.ok for q in r.queries for a in q.checked)
    return {"seconds": seconds, "startup": up, "answers": answers, "proofs": proofs, "failed": len(bad),
            "worker_s": sum(r.worker_s for r in results), "check_s": sum(r.check_s for r in results),
            "peak_mb": rss_mb(), "worker_mb": worker_mb}


_worker_rss = None


def chain_facts(n: int) -> dict:
    return {"edge": {(f"n{i}", f"n{i + 1}") for i in range(n - 1)}}


def dag_facts(width: int, layers: int = 30, degree: int = 3) -> dict:
    """A layered DAG: `layers` layers of `width` nodes, each with `degree` random edges into the
    next layer. Shallow (30 rounds) and wide, the opposite of the chain (n rounds)."""
    import random
    rng = random.Random(0)
    return {"edge": {(f"v{l}_{i}", f"v{l + 1}_{rng.randrange(width)}")
                     for l in range(layers - 1) for i in range(width) for _ in range(degree)}}


def graph(kind: str, n: int) -> dict:
    return chain_facts(n) if kind == "chain" else dag_facts(n)


def left_rules():
    from engine.horn.core import HornRule
    from engine.language.syntax import Var
    X, Y, Z = Var("X"), Var("Y"), Var("Z")
    return [HornRule(("path", (X, Y)), (("pos", "edge", (X, Y)),), 0),
            HornRule(("path", (X, Z)), (("pos", "path", (X, Y)), ("pos", "edge", (Y, Z))), 1)]


def _warm(pause: float = 0.0) -> None:
    """Import what a shard needs before the clock starts (in a worker: that worker's start-up)."""
    from engine.distributed.shard import evaluate_shard
    with tempfile.TemporaryDirectory() as d:     # a tiny shard: DuckDB, Arrow and Parquet loaded and used once
        evaluate_shard(left_rules(), chain_facts(10), "path", None, os.path.join(d, "warm.parquet"), method="duckdb")
    time.sleep(pause)


def closure_single(kind: str, n: int, out: str, threads: int) -> dict:
    from engine.distributed.shard import closure_checksum, evaluate_shard
    _warm()
    facts = graph(kind, n)
    start = time.perf_counter()
    stats = evaluate_shard(left_rules(), facts, "path", None, os.path.join(out, "single.parquet"),
                           method="duckdb", threads=threads)
    seconds = time.perf_counter() - start
    count, checksum = closure_checksum([stats["path"]])
    return {"seconds": seconds, "count": stats["count"], "checked_count": count, "checksum": str(checksum),
            "peak_mb": rss_mb()}


def closure_sharded(kind: str, n: int, out: str, workers: int, shards: int) -> dict:
    from engine.distributed import ray_session, sharded_closure
    facts = graph(kind, n)
    t0 = time.perf_counter()
    with ray_session(workers) as ray:
        up = time.perf_counter() - t0
        warm = ray.remote(num_cpus=1)(_warm)
        ray.get([warm.remote(0.5) for _ in range(workers)])      # one per worker: they overlap
        start = time.perf_counter()
        result = sharded_closure(left_rules(), facts, "path", workers=workers, shards=shards or workers,
                                 out_dir=out)
        seconds = time.perf_counter() - start
    count, checksum = result.checksum()
    return {"seconds": seconds, "startup": up, "count": result.count, "checked_count": count,
            "checksum": str(checksum), "shards": result.shard_counts, "peak_mb": rss_mb(),
            "worker_mb": max(s["maxrss_mb"] for s in result.stats),
            "shard_s": [round(s["seconds"], 2) for s in result.stats]}


def _spin(_=None) -> float:
    start, s = time.perf_counter(), 0
    for i in range(10_000_000):
        s += i
    return time.perf_counter() - start


def parallelism() -> tuple:
    """(seconds of a CPU-bound loop alone, seconds of each of two at once): how much parallel
    throughput the machine's CPUs really give (a VM's 2 CPUs may be one core's worth)."""
    from multiprocessing import Pool
    one = min(_spin() for _ in range(2))
    with Pool(2) as pool:
        both = max(pool.map(_spin, [0, 1]))
    return one, both


def _child(args) -> None:
    global _worker_rss
    if args.part == "batch-ray":
        import ray

        def rss():
            import resource
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        _worker_rss = ray.remote(num_cpus=1)(rss)
    fn = {"batch-seq": lambda: batch_sequential(args.n),
          "batch-ray": lambda: batch_ray(args.n, args.workers, args.chunk),
          "closure-single": lambda: closure_single(args.graph, args.n, args.out, args.threads),
          "closure-sharded": lambda: closure_sharded(args.graph, args.n, args.out, args.workers, args.shards)}[args.part]
    print(json.dumps(fn()))


def run(part: str, **kw) -> dict:
    cmd = [sys.executable, __file__, "--part", part] + [x for k, v in kw.items() for x in (f"--{k}", str(v))]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(f"{part} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--part")
    ap.add_argument("--n", type=int)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out")
    ap.add_argument("--graph", default="chain")
    ap.add_argument("--chunk", type=int, default=0)
    ap.add_argument("--shards", type=int, default=0)
    ap.add_argument("--closures-only", action="store_true", help="skip the batch rows")
    args = ap.parse_args()
    if args.part:
        return _child(args)
    n_batch, n_chain, n_dag = (100, 2000, 100) if args.quick else (1000, 8000, 250)
    rows = []
    one, both = parallelism()
    print(f"machine: {os.cpu_count()} CPUs; a CPU-bound loop takes {one:.2f} s alone and {both:.2f} s with a "
          f"second one beside it: {2 * one / both:.2f}x the throughput of one process\n")
    if not args.closures_only:
        seq = run("batch-seq", n=n_batch)
        rows.append((f"batch of {n_batch} problems, sequential, 1 process", seq["seconds"], seq["peak_mb"],
                     f"{seq['answers']} answers, {seq['proofs']} proofs"))
    for chunk in (0, 1) if not args.closures_only else ():
        par = run("batch-ray", n=n_batch, workers=args.workers, chunk=chunk)
        assert par["failed"] == 0 and par["answers"] == seq["answers"] and par["proofs"] == seq["proofs"], (seq, par)
        rows.append((f"batch of {n_batch} problems, Ray, {args.workers} workers, "
                     f"{'auto chunks' if not chunk else '1 problem/task'} (+ re-check)", par["seconds"],
                     max(par["peak_mb"], par["worker_mb"]),
                     f"+{par['startup']:.1f} s Ray start; in workers {par['worker_s']:.1f} s, driver re-check "
                     f"{par['check_s']:.1f} s (wall sums); driver {par['peak_mb']:.0f} MB, worker {par['worker_mb']:.0f} MB"))
    for kind, n in (("chain", n_chain), ("dag", n_dag)):
        with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
            single = {t: run("closure-single", graph=kind, n=n, out=d1, threads=t) for t in (1, 2)}
            sharded = run("closure-sharded", graph=kind, n=n, out=d2, workers=args.workers)
        with tempfile.TemporaryDirectory() as d3:      # the shards one after the other, each alone
            alone = run("closure-sharded", graph=kind, n=n, out=d3, workers=1, shards=args.workers)
        expected = n * (n - 1) // 2 if kind == "chain" else sharded["count"]
        for t, s in single.items():
            assert (s["count"], s["checked_count"]) == (expected, expected), s
            assert s["checksum"] == sharded["checksum"], (s, sharded)
        assert (sharded["count"], sharded["checked_count"]) == (expected, expected), sharded
        what = f"chain n={n}" if kind == "chain" else f"layered DAG {n}x30, 3 edges/node"
        for t, s in single.items():
            rows.append((f"closure, {what}, 1 process, DuckDB CTE, {t} thread(s)", s["seconds"], s["peak_mb"],
                         f"{s['count']:,} atoms, checksum {s['checksum'][:12]}..."))
        rows.append((f"closure, {what}, sharded, {args.workers} workers", sharded["seconds"],
                     max(sharded["peak_mb"], sharded["worker_mb"]),
                     f"{sharded['count']:,} atoms = {' + '.join(f'{c:,}' for c in sharded['shards'])}, same "
                     f"checksum; +{sharded['startup']:.1f} s Ray start; shards {sharded['shard_s']} s; driver "
                     f"{sharded['peak_mb']:.0f} MB, worker {sharded['worker_mb']:.0f} MB"))
        assert alone["checksum"] == sharded["checksum"], (alone, sharded)
        rows.append((f"closure, {what}, {args.workers} shards one at a time, 1 worker", alone["seconds"],
                     max(alone["peak_mb"], alone["worker_mb"]),
                     f"each shard alone: {alone['shard_s']} s: the wall time of {args.workers} shards on "
                     f"{args.workers} real cores would be about {max(alone['shard_s']):.1f} s"))
    width = max(len(r[0]) for r in rows)
    print(f"{'workload':<{width}}  {'wall s':>8}  {'peak MB':>8}  notes")
    for name, secs, mb, note in rows:
        print(f"{name:<{width}}  {secs:8.2f}  {mb:8.0f}  {note}")


if __name__ == "__main__":
    main()
