"""A sweep of the CLUTRR baselines' configurations x seeds, on the real training split.

Each run trains one baseline (evals/neural/train.py) with one `Config` and seed on the CLUTRR
training file (chains k = 2, 3), and scores it on generated test chains k = 2..10 (the
suite's recipe and tag, more chains per k) and on a separate *validation* set of generated
chains k = 4..7 (another tag, test chains removed). A configuration is selected per kind by
its mean validation accuracy over seeds, never by the test accuracy; both are reported.

Runs go to parallel worker processes (spawn; one torch thread each; all share one GPU with
--device cuda). The JSON (--out) is rewritten after every finished run; a failed run is
recorded with its error. --budget-s: no new run starts after that many seconds; --hard-s:
every run's training is capped so that it ends by then, and what is still running then is
dropped.

    python -m evals.clutrr.sweep --clutrr DIR --out FILE.json [--device cuda] [--workers N]
                                 [--seeds 0 1 2] [--quick] [--budget-s S] [--hard-s S]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import queue
import time
import traceback
from collections import defaultdict
from dataclasses import asdict, replace

from evals.clutrr import data as D
from evals.neural.config import Config

TEST_KS, VAL_KS = range(2, 11), range(4, 8)
SIZES = {False: {"test": 500, "val": 300}, True: {"test": 40, "val": 30}}
SEED = 0            # generator seed of the test and validation chains
_E = dict(target_acc=None, patience=3, epochs=20)     # stop: the best validation epoch, patience 3


def _grid(rows: list[tuple]) -> list[tuple[str, Config]]:
    """(name, Config) per row of (dim, dropout, lr, extra fields), named after what they set."""
    out = []
    for dim, dropout, lr, extra in rows:
        name = f"d{dim}-do{dropout}-lr{lr:g}" + "".join(f"-{k}={v}" for k, v in extra.items())
        out.append((name, Config(dim=dim, dropout=dropout, lr=lr, **{**_E, **extra})))
    return out


# Most promising first within each kind (from CPU trials); "original" = the suite's earlier training (stop
# at 99% training accuracy, no validation), at the learning rate its grid chose. The runs interleave the kinds.
# The first rows of each kind: the CPU trials of the second round (label smoothing, one LSTM layer, one direction,
# causal right-to-left Transformers read out at the last token, right-aligned absolute positions).
_RTL = {"causal": True, "reverse": True, "pool": "last"}
GRID = {
    "lstm": _grid([
        (128, 0.3, 1e-3, {"layers": 1, "label_smoothing": 0.2}),
        (128, 0.3, 1e-3, {"layers": 1, "label_smoothing": 0.2, "bidirectional": False, "reverse": True}),
        (128, 0.3, 1e-3, {"layers": 1, "label_smoothing": 0.1, "bidirectional": False, "reverse": True}),
        (128, 0.3, 1e-3, {"layers": 1, "label_smoothing": 0.2, "bidirectional": False}),
        (128, 0.3, 1e-3, {"label_smoothing": 0.1}), (128, 0.3, 1e-3, {"bidirectional": False, "reverse": True}),
        (128, 0.3, 1e-3, {}), (256, 0.3, 1e-3, {}), (128, 0.5, 1e-3, {}), (64, 0.3, 3e-3, {}),
        (128, 0.3, 3e-4, {"epochs": 30}), (256, 0.5, 5e-4, {}), (128, 0.3, 1e-3, {"pool": "mean"}),
        (128, 0.3, 1e-3, {"weight_decay": 0.1}), (128, 0.3, 1e-3, {"layers": 1}),
        (128, 0.3, 2e-3, {"schedule": "cosine"}), (128, 0.3, 1e-3, {"batch": 32}),
        (256, 0.3, 1e-3, {"layers": 3})]) + [("original-lr3e-4", Config(lr=3e-4))],
    "transformer_rel": _grid([
        (64, 0.1, 1e-3, {"clip": 2, "share_layers": True, "loop": True, **_RTL}),
        (64, 0.1, 1e-3, {"clip": 1, "share_layers": True, "loop": True, **_RTL}),
        (64, 0.1, 1e-3, {"clip": 2, "share_layers": True, "loop": True}),
        (64, 0.1, 1e-3, {"clip": 2, "layers": 4, **_RTL}), (64, 0.1, 1e-3, {"clip": 2, **_RTL}),
        (64, 0.1, 1e-3, {"clip": 1, "pool": "max"}), (64, 0.1, 1e-3, {"clip": 1, "layers": 4}),
        (64, 0.1, 1e-3, {"clip": 2, "pool": "max", "layers": 3}), (64, 0.1, 1e-3, {"clip": 3, "label_smoothing": 0.1}),
        (64, 0.1, 1e-3, {"clip": 2, "layers": 6, "share_layers": True}),
        (64, 0.1, 1e-3, {"clip": 3}), (64, 0.1, 1e-3, {"clip": 2}), (128, 0.1, 5e-4, {"clip": 3}),
        (64, 0.1, 1e-3, {"clip": 1}), (64, 0.1, 1e-3, {"clip": 2, "pool": "max"}),
        (128, 0.1, 5e-4, {"clip": 2, "layers": 4}), (64, 0.3, 1e-3, {"clip": 2}), (64, 0.1, 2e-3, {"clip": 3}),
        (64, 0.1, 1e-3, {"clip": 6}), (64, 0.1, 1e-3, {"clip": 2, "pool": "ends"})])
    + [("original-lr3e-3", Config(lr=3e-3))],
    "transformer": _grid([
        (64, 0.1, 1e-3, {"pos_std": 0.02, "pool": "ends", "reverse": True, "random_positions": True}),
        (64, 0.1, 1e-3, {"pos_std": 0.02, **_RTL, "random_positions": True}),
        (64, 0.1, 1e-3, {"pos_std": 0.02, "random_positions": True}),
        (64, 0.1, 1e-3, {"pos_std": 0.02, "random_positions": True, "share_layers": True, "loop": True, **_RTL}),
        (64, 0.1, 1e-3, {"pos_std": 0.02, "share_layers": True, "loop": True, **_RTL}),
        (64, 0.1, 1e-3, {"pos_std": 0.02, "random_positions": True, "share_layers": True, "loop": True,
                         "label_smoothing": 0.1, **_RTL}),
        (64, 0.1, 1e-3, {"pos_std": 0.02, "random_positions": True, "share_layers": True, "loop": True,
                         "label_smoothing": 0.2, **_RTL}),
        (128, 0.1, 5e-4, {"pos_std": 0.02, "random_positions": True, "share_layers": True, "loop": True,
                          "label_smoothing": 0.1, **_RTL}),
        (64, 0.1, 1e-3, {"pos_std": 0.02, "pool": "ends", "reverse": True}), (64, 0.1, 1e-3, {"pos_std": 0.02, **_RTL}),
        (64, 0.1, 1e-3, {"pos_std": 0.02, "label_smoothing": 0.1}),
        (64, 0.1, 1e-3, {"pos_std": 0.02}), (128, 0.1, 5e-4, {"pos_std": 0.02}),
        (64, 0.1, 1e-3, {"pos_std": 0.02, "pool": "max"}), (64, 0.3, 1e-3, {"pos_std": 0.02}),
        (64, 0.1, 1e-3, {}), (64, 0.1, 1e-3, {"pos_std": 0.02, "pool": "ends"})])
    + [("original-lr1e-3", Config(lr=1e-3))],
}
QUICK_GRID = {kind: [("quick-" + name, replace(cfg, dim=16, heads=2, epochs=2, lr=3e-3))
                     for name, cfg in configs[:2]] for kind, configs in GRID.items()}


# ---------------------------------------------------------------- data
def pairs(items) -> list:
    return [(it.tokens(), it.target) for it in items]


def make_data(clutrr_dir: str, quick: bool) -> dict:
    """Training pairs (the real file), test pairs by k, validation pairs (k = 4..7, no test chain)."""
    train, _, notes = D.load_dir(clutrr_dir)
    if not train:
        raise SystemExit(f"no *train*.csv under {clutrr_dir}")
    if quick:
        train = train[:600]
    size = SIZES[quick]
    tests = {f"k={k}": D.generate(k, size["test"], SEED, tag="test") for k in TEST_KS}
    val = validation_items([it for v in tests.values() for it in v], size["val"], SEED)
    return {"train": pairs(train), "tests": {k: pairs(v) for k, v in tests.items()}, "val": pairs(val),
            "notes": notes + [f"test: {size['test']} generated chains per k (tag 'test', seed {SEED}); validation: "
                              f"{len(val)} generated chains k={VAL_KS[0]}..{VAL_KS[-1]} (tag 'validation'), "
                              "test chains removed"]}


def validation_items(test: list, per_k: int, seed: int, ks=VAL_KS) -> list:
    """Generated chains k = 4..7 (`ks`, tag 'validation'), less any chain of the test items."""
    seen = {(it.edges, it.genders) for it in test}
    return [it for k in ks for it in D.generate(k, per_k, seed, tag="validation")
            if (it.edges, it.genders) not in seen]


def jobs(grid: dict, seeds) -> list[tuple]:
    """(kind, name, config, seed), the kinds' i-th configurations together, every seed of one together."""
    out, depth = [], max(len(v) for v in grid.values())
    for i in range(depth):
        for kind, configs in grid.items():
            if i < len(configs):
                out += [(kind, *configs[i], seed) for seed in seeds]
    return out


# ---------------------------------------------------------------- one run (in a worker)
_DATA: dict = {}


def _init(data: dict, device: str) -> None:
    import torch
    torch.set_num_threads(1)
    _DATA.update(data, device=device)


def run_one(job: tuple, deadline: float | None) -> dict:
    """Train and score one (kind, name, config, seed); an exception is recorded, not raised."""
    from evals.neural.train import train_eval
    kind, name, config, seed = job
    rec = {"kind": kind, "name": name, "config": asdict(config), "seed": seed, "device": _device_name()}
    try:
        if deadline:
            left = deadline - time.time() - 10
            config = replace(config, max_seconds=min(config.max_seconds or left, max(left, 1.0)))
        tests = {**_DATA["tests"], "val": _DATA["val"]}
        res, info = train_eval(kind, _DATA["train"], tests, seed=seed, config=config, progress=False,
                               device=_DATA["device"], val=_DATA["val"])
        rec.update(train_acc=info["train_acc"], epochs=info["epochs"], seconds=info["seconds"],
                   params=info["params"], val=res["val"]["accuracy"],
                   test={k: res[k]["accuracy"] for k in _DATA["tests"]}, capped_s=config.max_seconds,
                   best_epoch=info.get("best_epoch"), val_curve=info.get("val_curve"))
    except Exception:                      # noqa: BLE001 -- one failed run must not end the sweep
        rec["error"] = traceback.format_exc(limit=6)
    return rec


def _device_name() -> str:
    import torch
    return torch.cuda.get_device_name() if str(_DATA.get("device", "cpu")).startswith("cuda") else "cpu"


# ---------------------------------------------------------------- the driver
def sweep(data: dict, todo: list, *, device: str, workers: int, budget_s: float | None, hard_s: float | None,
          out: str | None, meta: dict) -> dict:
    """Run `todo` on `workers` processes; the result dict is written to `out` after every run."""
    start, done, results = time.time(), queue.Queue(), {"meta": meta, "runs": []}
    deadline = start + hard_s if hard_s else None
    ctx = mp.get_context("spawn")
    pool = ctx.Pool(workers, initializer=_init, initargs=({k: data[k] for k in ("train", "tests", "val")}, device))
    pending, running = list(todo), 0
    try:
        while pending or running:
            while pending and running < workers and not (budget_s and time.time() - start > budget_s):
                job = pending.pop(0)
                pool.apply_async(run_one, (job, deadline), callback=done.put,
                                 error_callback=lambda e, job=job: done.put(_failed(job, e)))
                running += 1
            if not running:
                break
            try:
                rec = done.get(timeout=max(1.0, deadline - time.time()) if deadline else None)
            except queue.Empty:
                break                    # the hard deadline: what still runs is dropped
            running -= 1
            results["runs"].append(rec)
            _progress(rec, time.time() - start)
            _write(results, out, start, pending, running)
    finally:
        pool.terminate()
        pool.join()
    _write(results, out, start, pending, running)
    return results


def _failed(job, e) -> dict:
    kind, name, config, seed = job
    return {"kind": kind, "name": name, "config": asdict(config), "seed": seed, "error": repr(e)}


def _progress(rec: dict, elapsed: float) -> None:
    what = f"error {rec['error'].strip().splitlines()[-1]}" if "error" in rec else \
        f"val {rec['val']:.3f} k4 {rec['test']['k=4']:.3f} k10 {rec['test']['k=10']:.3f} ({rec['seconds']} s, " \
        f"{rec['epochs']} ep)"
    print(f"[{elapsed:6.0f} s] {rec['kind']:15s} {rec['name']:30s} seed {rec['seed']}: {what}", flush=True)


def _write(results: dict, out: str | None, start: float, pending, running) -> None:
    results["meta"].update(wall_s=round(time.time() - start, 1), not_started=len(pending), unfinished=running)
    results["summary"] = summarize(results["runs"])
    results["selected"] = select(results["summary"])
    if out:
        with open(out + ".tmp", "w") as f:
            json.dump(results, f, indent=1)
        os.replace(out + ".tmp", out)


# ---------------------------------------------------------------- summary and selection
def summarize(runs: list[dict]) -> dict:
    """kind -> name -> means over the finished seeds (val, train_acc, seconds, test per k)."""
    groups = defaultdict(list)
    for r in runs:
        if "error" not in r:
            groups[(r["kind"], r["name"])].append(r)
    out: dict = defaultdict(dict)
    for (kind, name), rs in groups.items():
        mean = lambda f: round(sum(f(r) for r in rs) / len(rs), 4)
        out[kind][name] = {"seeds": sorted(r["seed"] for r in rs), "val": mean(lambda r: r["val"]),
                           "train_acc": mean(lambda r: r["train_acc"]), "seconds": mean(lambda r: r["seconds"]),
                           "test": {k: mean(lambda r, k=k: r["test"][k]) for k in rs[0]["test"]},
                           "config": rs[0]["config"], "device": rs[0]["device"]}
    return dict(out)


def select(summary: dict) -> dict:
    """Per kind, the configuration with the best mean validation accuracy (the test set plays no part)."""
    return {kind: max(names, key=lambda n: (names[n]["val"], len(names[n]["seeds"]), names[n]["train_acc"]))
            for kind, names in summary.items() if names}


def table(results: dict) -> str:
    rows = [f"{'kind':16}{'config':46}{'seeds':>6}{'train':>7}{'val':>7}{'k=4':>7}{'k=10':>7}{'sec':>7}"]
    for kind, names in results["summary"].items():
        for name, s in sorted(names.items(), key=lambda kv: -kv[1]["val"]):
            mark = "*" if results["selected"].get(kind) == name else " "
            rows.append(f"{kind:16}{mark}{name:45}{len(s['seeds']):6d}{s['train_acc']:7.3f}{s['val']:7.3f}"
                        f"{s['test']['k=4']:7.3f}{s['test']['k=10']:7.3f}{s['seconds']:7.0f}")
    return "\n".join(rows)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clutrr", metavar="DIR", required=True, help="folder with the CLUTRR *train*.csv")
    ap.add_argument("--out", metavar="FILE.json")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--kinds", nargs="+", default=list(GRID))
    ap.add_argument("--match", nargs="+", metavar="TEXT", help="only configurations whose name contains one of these")
    ap.add_argument("--quick", action="store_true", help="tiny grid, models and data (a smoke test)")
    ap.add_argument("--budget-s", type=float, help="start no run after this many seconds")
    ap.add_argument("--hard-s", type=float, help="cap every run so that the sweep ends by then")
    args = ap.parse_args(argv)
    data = make_data(args.clutrr, args.quick)
    grid = {k: [(n, c) for n, c in v if not args.match or any(m in n for m in args.match)]
            for k, v in (QUICK_GRID if args.quick else GRID).items() if k in args.kinds}
    todo = jobs(grid, args.seeds)
    meta = {"device": args.device, "workers": args.workers, "seeds": args.seeds, "quick": args.quick,
            "runs_planned": len(todo), "train": len(data["train"]), "val": len(data["val"]), "notes": data["notes"],
            "selection": "per kind, the best mean validation accuracy (k=4..7, not the test chains)"}
    print(f"{len(todo)} runs planned on {args.workers} workers ({args.device})", flush=True)
    results = sweep(data, todo, device=args.device, workers=args.workers, budget_s=args.budget_s,
                    hard_s=args.hard_s, out=args.out, meta=meta)
    print(table(results))
    print("selected (by validation):", results["selected"])
    return results


if __name__ == "__main__":
    main()
