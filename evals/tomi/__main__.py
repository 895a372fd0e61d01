"""python -m evals.tomi --tomi DIR [--quick] [--limit N] [--seed S] [--threads 1] [--out FILE]: Scientia and
the neural baselines (evals/tomi/baselines.py) on ToMi's validation split, original and renamed; the networks
trained on the train split."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .baselines import QUICK_TRAIN, compare, shifts, table
from .reader import read
from .task import run


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m evals.tomi", description=__doc__.splitlines()[0])
    ap.add_argument("--tomi", required=True, help="folder with fb_all_{train,val}.{txt,trace}")
    ap.add_argument("--quick", action="store_true", help=f"train on {QUICK_TRAIN} items, a short budget")
    ap.add_argument("--limit", type=int, help="the first N validation items only")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", help="a JSON file for the systems and the training")
    args = ap.parse_args(argv)
    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:
        print("torch is not installed: Scientia only", file=sys.stderr)
    folder = Path(args.tomi)
    train = read(folder / "fb_all_train.txt", folder / "fb_all_train.trace")
    val = read(folder / "fb_all_val.txt", folder / "fb_all_val.trace")
    if args.limit:
        val = val[:args.limit]
    start = time.perf_counter()
    out = compare(train, val, run, quick=args.quick, seed=args.seed, progress=sys.stderr.isatty())
    print(table(out["systems"]))
    for kind, info in out["training"].items():
        print(f"{kind}: {info['seconds']} s, {info['epochs']} epochs (best {info.get('best_epoch')}), "
              f"lr {info['lr']}, {info['params']} parameters, train acc {info['train_acc']}, "
              f"{info['train_items']} training items; test answers in its vocabulary "
              f"{info['test_answers_in_vocabulary']}")
    print(f"wall {time.perf_counter() - start:.0f} s")
    if args.out:
        Path(args.out).write_text(json.dumps({"systems": out["systems"], "training": out["training"],
                                              "shifts": shifts(out["systems"])}, indent=1, default=str) + "\n")
    return out


if __name__ == "__main__":
    main()
