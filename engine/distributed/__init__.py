"""The distributed path, on Ray (`pip install scientia[distributed]`).

    run_batch(problems, workers=N)          independent problems (KB text + its queries), one Ray task
                                            each; every true/false answer comes back with its proof,
                                            which the driver's own kernel re-checks
    source_partitionable(rules, pred)       may the closure of `pred` be split by its first argument?
    sharded_closure(rules, facts, pred)     that closure, one Ray task per shard, as Parquet files

Ray is imported only inside these functions, never by the engine: `import engine` and
`scientia run` without `--workers` work where Ray is not installed. Ray is started by the
caller's command or API call (`ray_session`) and shut down when it ends, unless the caller had
already started it: no global state outlives a call.
"""
from __future__ import annotations

from .batch import Problem, ProblemResult, QueryResult, problem_from_file, ray_session, run_batch
from .shard import ShardedClosure, restricted_program, sharded_closure, source_partitionable

__all__ = ["Problem", "ProblemResult", "QueryResult", "run_batch", "problem_from_file",
           "ray_session", "source_partitionable", "restricted_program", "sharded_closure", "ShardedClosure"]
