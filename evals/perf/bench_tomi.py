"""Benchmark: ToMi's validation split (999 stories, 5,994 questions) answered by reasoning
through the public API: for each story a fresh KnowledgeBase is told `use events.` and the
story's events, then asked (`ask_all`, every binding accepted by the kernel before it returns,
the proof built and read).

    .venv/bin/python evals/perf/bench_tomi.py --tomi ../shared/data/tomi

Issue 17's target: a 1,000-story split in under 30 s on 2 cores. The stories are independent,
and by default two processes share them (`--workers 1` for one).
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evals.tomi.reader import read  # noqa: E402
from evals.tomi.task import run  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tomi", required=True)
    ap.add_argument("--split", default="val", choices=["val", "train"])
    ap.add_argument("--workers", type=int, default=2, help="processes sharing the stories (default 2)")
    args = ap.parse_args(argv)
    folder = Path(args.tomi)
    print(f"{os.cpu_count()} cpus, load before {tuple(round(x, 2) for x in os.getloadavg())}")
    t0 = time.perf_counter()
    items = read(folder / f"fb_all_{args.split}.txt", folder / f"fb_all_{args.split}.trace")
    t1 = time.perf_counter()
    gc.collect()
    records, report = run(items, workers=args.workers)
    t2 = time.perf_counter()
    stories = len({it.story for it in items})
    s = report["beliefs"]["scientia"]
    print(f"read {len(items)} questions of {stories} stories: {t1 - t0:.2f} s")
    print(f"answered by reasoning, proofs built, {args.workers} process(es): {t2 - t1:.2f} s ({1000 * (t2 - t1) / stories:.1f} ms a story); "
          f"accuracy {s['all']['accuracy']:.3f} (n={s['all']['n']}); proofs accepted {s['proofs_accepted']}")
    print(f"load after {tuple(round(x, 2) for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
