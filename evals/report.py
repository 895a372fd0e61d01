"""Writing the suite's report: report.json, details.json, report.md and one PNG per task.

A task's result may also carry "details" and "summary" (copied into details.json),
"markdown" (lines added to its section of report.md), "ylabel" (its plot's y axis) and
"more_plots" (a function of the output folder that writes further PNGs and returns their names)."""
from __future__ import annotations

import json
from pathlib import Path


def write(out: Path, results: dict, table: dict, wall_s: float, quick: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    details = {task: {"scientia": res.get("scientia", {}), "training": res.get("training", {}),
                      "notes": res.get("notes"), "logical": res.get("logical", False)}
               for task, res in results.items()}
    for task, res in results.items():
        details[task].update({k: res[k] for k in ("details", "summary") if k in res})
    (out / "details.json").write_text(json.dumps(details, indent=1, default=str) + "\n")
    plots = {task: plot(out / f"{task}.png", task, res) for task, res in results.items()}
    more = {task: res["more_plots"](out) for task, res in results.items() if res.get("more_plots")}
    (out / "report.md").write_text(markdown(results, table, wall_s, quick, plots, more))


def markdown(results: dict, table: dict, wall_s: float, quick: bool, plots: dict, more: dict | None = None) -> str:
    lines = [f"# Scientia evaluation report{' (quick)' if quick else ''}", "",
             f"Total wall time {wall_s:.0f} s.", ""]
    for task, res in results.items():
        cats = res["categories"] + ["all"]
        systems = res["systems"]
        lines += [f"## {task}", "", "| system | " + " | ".join(cats) + " |",
                  "|---|" + "---|" * len(cats)]
        for system, row in systems.items():
            cells = [_cell(row.get(c)) for c in cats]
            lines.append(f"| {system} | " + " | ".join(cells) + " |")
        s = res.get("scientia", {})
        answers = s.get("answers") or 0
        if "proofs" in s or "answers" in s or not s:
            lines += ["", f"Scientia: {s.get('proofs_accepted', 0)}/{s.get('proofs', 0)} proofs accepted by the kernel"
                          + (f", {100 * s.get('unknown', 0) / answers:.1f} % unknown" if answers else "")
                          + f", wall time {s.get('wall_s', 0):.1f} s."]
        else:                                   # a task without proofs (equations)
            lines += ["", f"Scientia: wall time {s.get('wall_s', 0):.1f} s."]
        if res.get("notes"):
            lines += ["", f"Notes: {res['notes']}"]
        lines += res.get("markdown") or []
        if plots.get(task):
            lines += ["", f"![{task}]({plots[task]})"]
        lines += [f"\n![{task}]({name})" for name in (more or {}).get(task) or []]
        lines.append("")
    if "renaming" in table:
        cols = sorted({c for row in table["renaming"].values() for c in row})
        lines += ["## renaming", "", "| system | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
        for system, row in table["renaming"].items():
            lines.append(f"| {system} | " + " | ".join(_cell(row.get(c)) for c in cols) + " |")
        lines.append("")
    return "\n".join(lines)


def _cell(entry) -> str:
    if not entry:
        return "–"
    return f"{100 * entry['accuracy']:.1f} % (n={entry['n']})"


def plot(path: Path, task: str, res: dict) -> str | None:
    """Accuracy against length, depth, N or split, one line per system."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    cats = res["categories"]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for system, row in res["systems"].items():
        ys = [100 * row[c]["accuracy"] if c in row else None for c in cats]
        ax.plot(range(len(cats)), ys, marker="o", label=system, linewidth=2.5 if system == "scientia" else 1.5)
    ax.set_xticks(range(len(cats)), [c.split("=")[-1] for c in cats])
    ax.set_xlabel(res.get("axis", ""))
    ax.set_ylabel(res.get("ylabel", "accuracy (%)"))
    ax.set_ylim(0, 102)
    ax.set_title(task)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name
