"""`scientia eval`: run the compositional-generalisation suite and write its report.

    scientia eval [TASK...] [--quick] [--out DIR] [--clutrr DIR] [--mnist DIR] [--seed N]
    scientia eval equations --feynman FILE.csv [--budget 60] [--noise 0,0.001,0.01] [--rows 1000]

Each task module (evals/<task>/task.py) trains on a short or simple split, tests on a long, deep
or novel one, and returns accuracies per category for Scientia and the neural baselines.
The suite writes DIR/report.json (task -> system -> category -> {"accuracy", "n"}),
DIR/details.json (proof checks, unknowns, wall times, how each baseline was trained),
DIR/report.md and one PNG plot per task. The renaming task is assembled from the logical
tasks, each of which asks every test item again under fresh nonsense names.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

TASKS = ("clutrr", "proofdepth", "digits", "scenes")
OPTIONAL_TASKS = ("causal", "beliefs", "equations")   # run only when named; causal needs --cladder DIR,
                                                    # beliefs --tomi DIR, equations --feynman FILE.csv
LOGICAL_FLOOR = 0.99


def run_task(name: str, *, quick: bool, seed: int, progress: bool, data: dict, options: dict | None = None) -> dict:
    """`options`: task -> further keyword arguments of its run() (the equations task's budget, noise, rows)."""
    module = importlib.import_module(f"evals.{name}.task")
    start = time.perf_counter()
    result = module.run(quick=quick, seed=seed, progress=progress, data_dir=data.get(name),
                        **(options or {}).get(name, {}))
    result.setdefault("scientia", {})["wall_s"] = result["scientia"].get("wall_s") or time.perf_counter() - start
    return result


def renaming(results: dict) -> dict | None:
    """task-level accuracy before and after renaming, per system."""
    table: dict = {}
    for task, res in results.items():
        for system, cats in (res.get("renamed") or {}).items():
            base = res["systems"].get(system, {}).get("all")
            if base is None or "all" not in cats:
                continue
            table.setdefault(system, {})[f"{task}"] = base
            table[system][f"{task} renamed"] = cats["all"]
    return table or None


def report(results: dict) -> dict:
    """report.json: task -> system -> category -> {"accuracy", "n"}."""
    out = {task: res["systems"] for task, res in results.items()}
    names = renaming(results)
    if names:
        out["renaming"] = names
    return out


def failures(results: dict) -> list:
    """What makes the suite fail: Scientia under 99 % on a logical task, or any rejected proof."""
    bad = []
    for task, res in results.items():
        s = res.get("scientia", {})
        if s.get("proofs_accepted", 0) != s.get("proofs", 0):
            bad.append(f"{task}: {s.get('proofs', 0) - s.get('proofs_accepted', 0)} proof(s) rejected by the kernel")
        if s.get("wrongly_exact"):
            bad.append(f"{task}: {s['wrongly_exact']} law(s) said exact that are not the truth")
        acc = res["systems"]["scientia"]["all"]["accuracy"]
        if res.get("logical") and acc < LOGICAL_FLOOR:
            bad.append(f"{task}: scientia {100 * acc:.1f} % < {100 * LOGICAL_FLOOR:.0f} %")
        for system, cats in (res.get("renamed") or {}).items():
            if system == "scientia" and res.get("logical") and cats["all"]["accuracy"] < LOGICAL_FLOOR:
                bad.append(f"{task} renamed: scientia {100 * cats['all']['accuracy']:.1f} %")
    return bad


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="scientia eval", description=__doc__.splitlines()[0])
    ap.add_argument("tasks", nargs="*", metavar="TASK",
                    help=f"some of {', '.join(TASKS + OPTIONAL_TASKS)} (default: {', '.join(TASKS)})")
    ap.add_argument("--quick", action="store_true", help="a small version of every task (a few minutes)")
    ap.add_argument("--out", default="eval-report", help="directory for report.json, report.md and plots")
    ap.add_argument("--clutrr", metavar="DIR", help="real CLUTRR CSVs (*_train.csv, 1.k_test.csv)")
    ap.add_argument("--mnist", metavar="DIR", help="MNIST IDX files for the digit-sum task")
    ap.add_argument("--cladder", metavar="DIR", help="CLadder's questions.json and models.json (the causal task)")
    ap.add_argument("--tomi", metavar="DIR", help="ToMi's fb_all_val.txt and .trace (the beliefs task)")
    ap.add_argument("--feynman", metavar="FILE.csv",
                    help="AI Feynman's FeynmanEquations.csv or BonusEquations.csv (the equations task)")
    ap.add_argument("--budget", type=float, default=60.0, metavar="S",
                    help="equations: seconds per equation, noise level and system (default 60)")
    ap.add_argument("--noise", default="0,0.001,0.01", metavar="LEVELS",
                    help="equations: noise levels sigma, y + N(0, sigma * RMS(y)) (default 0,0.001,0.01)")
    ap.add_argument("--rows", type=int, default=1000, help="equations: rows drawn per equation (default 1000)")
    ap.add_argument("--systems", metavar="NAMES",
                    help="equations: the systems to run, e.g. scientia,pyoperon (default: scientia and every baseline)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = ap.parse_args(argv)
    unknown = [t for t in args.tasks if t not in TASKS + OPTIONAL_TASKS]
    if unknown:
        print(f"error: unknown task(s) {', '.join(unknown)}; the tasks are {', '.join(TASKS + OPTIONAL_TASKS)}",
              file=sys.stderr)
        return 1
    if "causal" in args.tasks and not args.cladder:
        print("error: the causal task needs --cladder DIR (CLadder's questions.json and models.json)", file=sys.stderr)
        return 1
    if "beliefs" in args.tasks and not args.tomi:
        print("error: the beliefs task needs --tomi DIR (ToMi's fb_all_val.txt and .trace)", file=sys.stderr)
        return 1
    if "equations" in args.tasks and not args.feynman:
        print("error: the equations task needs --feynman FILE.csv (AI Feynman's FeynmanEquations.csv or "
              "BonusEquations.csv)", file=sys.stderr)
        return 1
    try:
        noise = tuple(float(v) for v in args.noise.split(",") if v.strip())
        if not noise or any(not v >= 0 for v in noise):
            raise ValueError
    except ValueError:
        print(f"error: --noise wants nonnegative levels separated by commas, not {args.noise!r}", file=sys.stderr)
        return 1
    if any(t not in OPTIONAL_TASKS for t in args.tasks or TASKS):
        try:
            import torch
        except ImportError:
            print("error: the evaluation suite needs torch: pip install -e '.[perception]'", file=sys.stderr)
            return 1
        torch.set_num_threads(args.threads)      # small models, small batches: one thread is as fast, and robust
    elif "beliefs" in args.tasks or "equations" in args.tasks:   # their neural baselines train when torch is there
        try:
            import torch
            torch.set_num_threads(args.threads)
        except ImportError:
            pass
    data = {"clutrr": args.clutrr, "digits": args.mnist, "causal": args.cladder, "beliefs": args.tomi,
            "equations": args.feynman}
    options = {"equations": {"budget": args.budget, "noise": noise, "rows": args.rows,
                             "systems": tuple(v.strip() for v in args.systems.split(",") if v.strip())
                             if args.systems else None}}
    results, start = {}, time.perf_counter()
    for task in args.tasks or TASKS:
        print(f"== {task}", file=sys.stderr)
        results[task] = run_task(task, quick=args.quick, seed=args.seed, progress=not args.no_progress, data=data,
                                 options=options)
    from evals.report import write
    out = Path(args.out)
    write(out, results, report(results), time.perf_counter() - start, quick=args.quick)
    bad = failures(results)
    print((out / "report.md").read_text())
    for b in bad:
        print(f"FAIL {b}", file=sys.stderr)
    print(written(out, results))
    return 1 if bad else 0


def written(out: Path, results: dict) -> str:
    """Where the report went: the paths of report.json, details.json, report.md and the plots."""
    paths = [out / "report.json", out / "details.json", out / "report.md"]
    paths += [out / f"{task}.png" for task in results if (out / f"{task}.png").exists()]
    paths += [p for task in results for p in sorted(out.glob(f"{task}-*.png"))]
    return "report written to:\n" + "\n".join(f"  {p.resolve()}" for p in paths)


if __name__ == "__main__":
    sys.exit(main())
