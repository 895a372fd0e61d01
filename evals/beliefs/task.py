"""The suite's `beliefs` task: ToMi's stories told as events (kb/events.kb), every question
answered by reasoning with a proof (evals/tomi/task.py). It needs the data:
`scientia eval beliefs --tomi DIR`."""
from __future__ import annotations


def run(*, quick: bool = False, seed: int = 0, progress: bool = True, data_dir: str | None = None) -> dict:
    from evals.tomi.task import suite_result
    return suite_result(data_dir, quick=quick)
