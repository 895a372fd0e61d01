"""The suite's `causal` task: CLadder questions as Scientia programs, told and asked, each
proof checked by the kernel, next to the direct runner (evals/cladder/causal.py). It needs
the data: `scientia eval causal --cladder DIR`."""
from __future__ import annotations


def run(*, quick: bool = False, seed: int = 0, progress: bool = True, data_dir: str | None = None) -> dict:
    from evals.cladder.causal import suite_result
    return suite_result(data_dir, quick=quick)
