"""The suite's `equations` task: `discover` on AI Feynman's equations, next to gplearn,
pyoperon and an MLP, on the same rows with the same time budget per equation.

For each equation of the file (evals/equations/data.py): `rows` points drawn with the seed,
each variable uniform in its range and renamed x1..xn; for each noise level sigma the target
becomes y + N(0, sigma * RMS(y)) (SRBench), and each system gets `budget` seconds (`discover`
is told noise=sigma when sigma > 0). Scored (evals/equations/score.py): SRBench's exact
symbolic recovery; "wrongly exact" (discover said exact, the law is not the truth: it must be
0); the relative error on the rows (max, rms, against the noisy target) and its median on rows
drawn outside the sampled range, each variable uniform in [high, high + (high - low)], against
the noiseless truth: a law extrapolates, a fit does not. The MLP has no formula: its recovery
is 0 by construction, it is there for the error outside the range."""
from __future__ import annotations

import math
import sys
import time

from engine.laws import discover

from . import baselines
from .data import EquationsError, evaluator, noisy, outside, read, sample, table
from .score import median, recovered, relative_errors, summary

MIN_ROWS = 10
QUICK_BUDGET, QUICK_ROWS = 2.0, 200


def category(level: float) -> str:
    return f"noise={level:g}"


def run(*, quick: bool = False, seed: int = 0, progress: bool = True, data_dir: str | None = None,
        budget: float = 60.0, noise=(0.0, 0.001, 0.01), rows: int = 1000, systems=None) -> dict:
    """The suite's TaskResult (evals/suite.py) for the equation file `data_dir`."""
    if not data_dir:
        raise SystemExit("error: the equations task needs --feynman FILE.csv (AI Feynman's "
                         "FeynmanEquations.csv or BonusEquations.csv)")
    if quick:
        budget, rows = min(budget, QUICK_BUDGET), min(rows, QUICK_ROWS)
    equations = read(data_dir)
    systems = list(systems or ("scientia",) + baselines.SYSTEMS)
    absent = baselines.missing([s for s in systems if s != "scientia"])
    running = [s for s in systems if s not in absent]
    baselines.warm_up(running)
    jobs = [(eq, level, s) for eq in equations for level in noise for s in running]
    from evals.progress import bar
    records, start, cache = [], time.perf_counter(), {}
    steps = bar(jobs, desc="equations", disable=not progress)
    say = getattr(steps, "write", None) or (lambda text: print(text, file=sys.stderr, flush=True))
    for eq, level, system in steps:
        if eq.filename not in cache:
            cache.clear()
            cache[eq.filename] = _rows(eq, rows, seed)
        inside, beyond = cache[eq.filename]
        y = noisy(inside["y"], level, f"{seed}:{eq.filename}:noise={level!r}")
        rec = evaluate(system, eq, inside, y, beyond, level, budget, seed)
        records.append(rec)
        if progress:
            say(_line(rec))                 # above tqdm's bar, when there is one
    return suite_result(records, equations, list(noise), systems, absent, budget, rows, seed,
                        time.perf_counter() - start, quick)


def _rows(eq, rows: int, seed: int):
    inside, beyond = sample(eq, rows, seed), outside(eq, rows, seed)
    if len(inside["y"]) < MIN_ROWS:
        raise EquationsError(f"line {eq.line} ({eq.filename}): the formula {eq.formula!r} is defined on only "
                             f"{len(inside['y'])} of {rows} rows drawn in its ranges")
    return inside, beyond


def evaluate(system: str, eq, inside: dict, y: list, beyond: dict, level: float, budget: float, seed: int) -> dict:
    """One system on one equation at one noise level: the per-equation record of details.json."""
    rec = {"equation": eq.filename, "name": eq.name, "system": system, "noise": level,
           "truth": str(eq.truth), "formula_in_file": eq.formula, "rows": len(y), "dropped": inside["dropped"],
           "outside_rows": len(beyond["y"]), "outside_dropped": beyond["dropped"], "budget_s": budget}
    start = time.monotonic()
    expr, status, predict = None, None, None
    try:
        if system == "scientia":
            law = discover(table(inside, y), "y", budget_s=budget, noise=level if level > 0 else None, seed=seed)
            expr, status = law.expression, law.status
            predict = evaluator(expr, eq.xs)
            rec["evaluated"] = law.evaluated
        else:
            fit = baselines.FITS[system](inside["x"], y, budget, seed)
            expr, predict, rec["info"] = fit["expression"], fit["predict"], fit["info"]
    except Exception as exc:  # noqa: BLE001 - one failure is recorded (and counted in the report), not fatal
        rec["error"] = f"{type(exc).__name__}: {exc}"
    rec["seconds"] = time.monotonic() - start
    rec["found"] = None if expr is None else str(expr)
    rec["status"] = status
    if expr is not None:
        score = recovered(expr, eq.truth, positive=eq.nonnegative, xs=eq.xs, points=inside["x"][:6])
    else:
        score = {"recovered": False, "rounded": None,
                 "why": "a network: no formula, 0 by construction" if system == "mlp" else "no formula"}
    rec.update(recovered=score["recovered"], rounded=score["rounded"], why=score["why"],
               wrongly_exact=status == "exact" and not score["recovered"])
    if predict is not None:
        inner = summary(relative_errors(predict, inside["x"], y))
        rec.update(max_rel_error=inner["max"], rms_rel_error=inner["rms"],
                   outside_median_rel_error=median(relative_errors(predict, beyond["x"], beyond["y"])))
    else:
        rec.update(max_rel_error=None, rms_rel_error=None, outside_median_rel_error=None)
    return rec


def _line(rec: dict) -> str:
    err = rec.get("outside_median_rel_error")
    return (f"{rec['equation']:10s} noise={rec['noise']:<6g} {rec['system']:9s} "
            f"{'RECOVERED' if rec['recovered'] else 'no':9s} {rec['status'] or '-':11s} "
            f"{rec['seconds']:6.1f}s out-of-range median {_num(err)}  "
            + (f"ERROR {rec['error']}" if rec.get("error") else f"found: {(rec['found'] or '-')[:100]}")
            + ("  WRONGLY EXACT" if rec["wrongly_exact"] else ""))


def _num(v) -> str:
    return "-" if v is None else f"{v:.2e}"


def extrapolation(records: list, systems: list, cats: list) -> dict:
    """system -> category -> {median (over equations) of the per-equation median relative error
    outside the range, n, below_1pct (equations whose median is under 1 %)}."""
    out = {}
    for system in systems:
        for cat in cats + ["all"]:
            vals = [r["outside_median_rel_error"] for r in records if r["system"] == system
                    and (cat == "all" or category(r["noise"]) == cat)]
            if not vals:
                continue
            finite = [math.inf if v is None else v for v in vals]
            out.setdefault(system, {})[cat] = {"median": median(finite), "n": len(vals),
                                               "below_1pct": sum(v < 0.01 for v in finite)}
    return out


def suite_result(records, equations, noise, systems, absent, budget, rows, seed, wall_s, quick) -> dict:
    cats = [category(level) for level in noise]
    ran = [s for s in systems if s not in absent]
    table_ = {}
    for system in ran:
        for cat in cats + ["all"]:
            mine = [r for r in records if r["system"] == system and (cat == "all" or category(r["noise"]) == cat)]
            if mine:
                table_.setdefault(system, {})[cat] = {"accuracy": sum(r["recovered"] for r in mine) / len(mine),
                                                      "n": len(mine)}
    sci = [r for r in records if r["system"] == "scientia"]
    stats = {"equations": len(equations), "laws": len(sci), "exact": sum(r["status"] == "exact" for r in sci),
             "wrongly_exact": sum(r["wrongly_exact"] for r in sci), "errors": sum("error" in r for r in sci),
             "wall_s": sum(r["seconds"] for r in sci), "budget_s": budget, "rows": rows, "seed": seed,
             "noise": noise}
    extra = extrapolation(records, ran, cats)
    training = {s: {"seconds": round(sum(r["seconds"] for r in records if r["system"] == s), 1),
                    "errors": sum("error" in r for r in records if r["system"] == s),
                    "how (first run)": next((r.get("info") for r in records if r["system"] == s and r.get("info")), None)}
                for s in ran if s != "scientia"}
    training.update({s: why for s, why in absent.items()})
    dropped = {r["equation"]: (r["dropped"], r["outside_dropped"]) for r in records
               if r["dropped"] or r["outside_dropped"]}
    notes = (f"{len(equations)} equations, {rows} rows each (seed {seed}), variables renamed x1..xn; "
             f"{budget:g} s per equation, noise level and system; noise: y + N(0, sigma * RMS(y)); "
             "accuracy = SRBench exact symbolic recovery (constants rounded to 3 significant digits); "
             "mlp: no formula, recovery 0 by construction (it is there for the out-of-range error); "
             "out of range: each variable uniform in [high, high + (high - low)]"
             + "".join(f"; {s}: {why}" for s, why in absent.items())
             + (f"; quick: at most {QUICK_BUDGET:g} s and {QUICK_ROWS} rows" if quick else ""))
    return {"task": "equations", "axis": "noise (sigma, a fraction of RMS(y))", "ylabel": "exact recovery (%)",
            "categories": cats, "logical": False, "systems": table_, "scientia": stats, "training": training,
            "notes": notes, "details": [_jsonable(r) for r in records],
            "summary": {"extrapolation": extra, "dropped_rows": dropped},
            "markdown": markdown(records, cats, ran, stats, extra, absent, dropped),
            "more_plots": lambda out: [p for p in [plot_outside(out / "equations-outside.png", extra, cats)] if p]}


def _jsonable(rec: dict) -> dict:
    return {k: (str(v) if isinstance(v, float) and not math.isfinite(v) else v) for k, v in rec.items()}


def markdown(records, cats, systems, stats, extra, absent, dropped) -> list:
    lines = ["", f"**Wrongly exact (discover said exact, the law is not the truth): {stats['wrongly_exact']}** "
                 f"of {stats['exact']} exact laws ({stats['laws']} runs"
                 + (f", {stats['errors']} errors" if stats["errors"] else "") + ").", "",
             "Median relative error outside the sampled range (median over equations; in brackets, "
             "equations under 1 %):", "", "| system | " + " | ".join(cats + ["all"]) + " |",
             "|---|" + "---|" * (len(cats) + 1)]
    for s in systems:
        row = extra.get(s, {})
        lines.append(f"| {s} | " + " | ".join(
            f"{_num(row[c]['median'])} ({row[c]['below_1pct']}/{row[c]['n']})" if c in row else "–"
            for c in cats + ["all"]) + " |")
    lines += [f"\n{s}: {why}" for s, why in absent.items()]
    if dropped:
        lines += ["", "Rows dropped where the formula is undefined or not real (in range, outside): "
                  + ", ".join(f"{k} {a}/{b}" for k, (a, b) in dropped.items())]
    lines += ["", "Per equation (R recovered, . not; scientia's status e exact, a approximate; ! wrongly exact):",
              "", "| equation | noise | " + " | ".join(systems) + " | scientia's law |",
              "|---|---|" + "---|" * (len(systems) + 1)]
    keys = sorted({(r["equation"], r["noise"]) for r in records},
                  key=lambda k: ([r["equation"] for r in records].index(k[0]), k[1]))
    for eq, level in keys:
        mine = {r["system"]: r for r in records if r["equation"] == eq and r["noise"] == level}
        cells = []
        for s in systems:
            r = mine.get(s)
            if r is None:
                cells.append("–")
                continue
            mark = "E" if r.get("error") else ("R" if r["recovered"] else ".")
            if s == "scientia" and r["status"]:
                mark += " " + r["status"][0] + ("!" if r["wrongly_exact"] else "")
            cells.append(mark)
        law = (mine.get("scientia") or {}).get("found") or "–"
        lines.append(f"| {eq} | {level:g} | " + " | ".join(cells) + f" | `{law[:80]}` |")
    return lines


def plot_outside(path, extra: dict, cats: list) -> str | None:
    """Bars: the median relative error outside the range, per system and noise level (log scale)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    systems = list(extra)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    width = 0.8 / max(1, len(cats))
    for j, cat in enumerate(cats):
        vals = [extra[s].get(cat, {}).get("median") for s in systems]
        vals = [1e3 if v is None or not math.isfinite(v) else max(v, 1e-16) for v in vals]
        ax.bar([i + j * width for i in range(len(systems))], vals, width, label=cat)
    ax.set_xticks([i + width * (len(cats) - 1) / 2 for i in range(len(systems))], systems)
    ax.set_yscale("log")
    ax.set_ylabel("median relative error outside the range")
    ax.set_title("equations: extrapolation")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name
