"""CLadder through the language: each question as a Scientia program (program.py), told to a
fresh KnowledgeBase and asked; the answer's proof checked by the kernel.

`python -m evals.cladder.causal --cladder DIR [--out DIR] [--limit N]` writes
OUT/programs/<desc_id>.kb (each program followed by its query), OUT/details.jsonl (one record
per question) and OUT/report.json, and prints the table. report.json:

    {"causal": {"scientia": {category: {"accuracy", "n"}, ..., "numeric": {category: {"accuracy", "n"}},
                             "proofs_accepted": {"share", "n"}, "errors": n, "unknown": n, "seconds": s},
                "scientia-direct": {... the same for task.py's direct runner ...}}}

with categories `all`, `rung=1`, `rung=2`, `rung=3` and each query type. An item whose
program cannot be built, or whose tell / ask raises, is predicted "error" (scored wrong,
counted in `errors`); an unknown verdict is "unknown" (scored wrong), never a guess. A
question the data layer cannot read stops the run (CLadderDataError).
"""
from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter, defaultdict
from fractions import Fraction
from pathlib import Path

from engine.errors import ScientiaError
from engine.kb import KnowledgeBase

from . import task
from .data import Item, load
from .program import Program, ProgramError, program

SYSTEM = "scientia"
DIRECT = "scientia-direct"


def _verdict(answer) -> str:
    v = getattr(answer, "verdict", None)
    return str(getattr(v, "name", v)).lower()


def _proof_accepted(kb: KnowledgeBase, answer) -> bool:
    if getattr(answer, "proof", None) is None:
        return False
    try:
        kb.verify_answer(answer)
    except Exception:      # noqa: BLE001 -- any failure of the check is a rejected proof
        return False
    return True


def _number(answer):
    value = getattr(answer, "value", None)
    if value is None or isinstance(value, bool):
        return None
    try:
        return Fraction(value)
    except (TypeError, ValueError):
        return None


def _value(kb: KnowledgeBase, prog: Program, answer):
    """The number to score against meta.groundtruth: the value query's (when it has one),
    else the number the comparison was decided on; for det-counterfactual the truth of the
    asked event (1 / 0, as task.py); for backadj the sets that are back-door sets."""
    item = prog.item
    if item.query_type == "det-counterfactual":
        return {"true": 1, "false": 0}.get(_verdict(answer))
    if item.query_type == "backadj":
        sets = []
        for s in item.method_sets:
            names = ", ".join(v.lower() for v in s)
            a = kb.ask(f"BACKDOOR({item.treatment.lower()}, {item.outcome.lower()}, {{{names}}})")
            if _verdict(a) == "true":
                sets.append(list(s))
        return sets
    value = None
    if prog.value_query:
        try:
            value = _number(kb.ask(prog.value_query))
        except ScientiaError:
            value = None
    if value is None:
        value = _number(answer)
    return value


def answer_item(item: Item, programs_dir: Path | None = None) -> dict:
    """The record of one question."""
    rec = {"desc_id": item.desc_id, "question_id": item.question_id, "query_type": item.query_type,
           "rung": item.rung, "answer": item.answer, "prediction": "error", "correct": False,
           "value": None, "groundtruth": item.groundtruth, "numeric_ok": None, "proof_accepted": False,
           "verdict": None, "reason": None, "query": None, "seconds": 0.0}
    start = time.perf_counter()
    try:
        prog = program(item)
        rec["query"] = prog.query
        if programs_dir is not None:
            (programs_dir / f"{_file_name(item.desc_id)}.kb").write_text(prog.file_text())
        kb = KnowledgeBase()
        kb.tell(prog.text)
        ans = kb.ask(prog.query)
        rec["verdict"] = _verdict(ans)
        value = _value(kb, prog, ans)
        number = value if isinstance(value, Fraction) else None
        rec["prediction"] = prog.decide(ans, number)
        rec["proof_accepted"] = _proof_accepted(kb, ans)
        if rec["prediction"] == "unknown" and rec["verdict"] == "false" and prog.negative_query:
            neg = kb.ask(prog.negative_query)          # 0 or negative? (the comparison had no number)
            rec["negative"] = _verdict(neg)
            rec["prediction"] = prog.decide(ans, number, neg)
            rec["proof_accepted"] = rec["proof_accepted"] and _proof_accepted(kb, neg)
            if rec["prediction"] == "unknown":
                ans = neg
        if rec["prediction"] == "unknown" or rec["verdict"] not in ("true", "false"):
            rec["reason"] = str(getattr(ans, "reason", None) or "")
        rec["value"] = float(value) if isinstance(value, Fraction) else value
        if isinstance(value, Fraction):
            rec["exact"] = str(value)
    except ProgramError as exc:
        rec["reason"] = f"program: {exc}"
    except ScientiaError as exc:
        rec["reason"] = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 -- an engine failure is recorded, counted and scored wrong
        rec["reason"] = f"crash: {type(exc).__name__}: {exc}"
    rec["seconds"] = round(time.perf_counter() - start, 4)
    rec["correct"] = rec["prediction"] == item.answer
    rec["numeric_ok"] = task.numeric_ok(rec["value"], item.groundtruth)
    return rec


def _file_name(desc_id: str) -> str:
    return re.sub(r"[^\w.-]", "_", desc_id) or "item"


# ---------------------------------------------------------------------- summaries
def categories(records: list[dict]) -> list[str]:
    qts = sorted({r["query_type"] for r in records})
    rungs = sorted({r["rung"] for r in records})
    return [f"rung={k}" for k in rungs] + qts + ["all"]


def summarize(records: list[dict]) -> dict:
    """category -> {"accuracy", "n"}, and "numeric" -> category -> {"accuracy", "n"}."""
    groups = defaultdict(list)
    for r in records:
        for key in ("all", f"rung={r['rung']}", r["query_type"]):
            groups[key].append(r)
    out, numeric = {}, {}
    for key in categories(records):
        rs = groups[key]
        out[key] = {"accuracy": round(sum(r["correct"] for r in rs) / len(rs), 4) if rs else None, "n": len(rs)}
        ns = [r for r in rs if r.get("numeric_ok") is not None]
        if ns:
            numeric[key] = {"accuracy": round(sum(bool(r["numeric_ok"]) for r in ns) / len(ns), 4), "n": len(ns)}
    out["numeric"] = numeric
    return out


def _scientia_summary(records: list[dict], seconds: float) -> dict:
    out = summarize(records)
    decided = [r for r in records if r.get("verdict") in ("true", "false")]
    accepted = sum(r["proof_accepted"] for r in decided)
    out["proofs_accepted"] = {"share": round(accepted / len(decided), 4) if decided else None, "n": len(decided)}
    out["errors"] = sum(r["prediction"] == "error" for r in records)
    out["unknown"] = sum(r["prediction"] == "unknown" for r in records)
    out["reasons"] = dict(Counter(_reason_kind(r["reason"]) for r in records
                                  if r["prediction"] in ("error", "unknown")).most_common(20))
    out["seconds"] = round(seconds, 2)
    return out


def _reason_kind(reason) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[-\d./]+", "#", str(reason or "?")))[:120]


def _direct(item: Item) -> dict:
    """task.py's record of one item; an item it raises on is an error (scored wrong)."""
    try:
        return task.answer(item)
    except Exception as exc:  # noqa: BLE001
        return {"desc_id": item.desc_id, "query_type": item.query_type, "rung": item.rung,
                "prediction": "error", "correct": False, "value": None, "numeric_ok": task.numeric_ok(None, item.groundtruth),
                "reason": f"{type(exc).__name__}: {exc}"}


def baselines(models_file) -> dict:
    """pgmpy and DoWhy (those installed) and Scientia's exact core on the models' full
    parameters: the quantities each model's groundtruth lists (evals/cladder/baselines.py)."""
    import importlib.util
    from .baselines import run_baselines
    models = json.loads(Path(models_file).read_text())
    systems = ["scientia"] + [s for s in ("pgmpy", "dowhy") if importlib.util.find_spec(s) is not None]
    result = run_baselines(models, systems=tuple(systems))
    result["not installed"] = [s for s in ("pgmpy", "dowhy") if s not in systems]
    return result


def run(items: list[Item], out_dir=None, direct: bool = True, baselines_from=None) -> tuple[list[dict], dict]:
    """Every item through its program; (records, report). With `out_dir`, the programs,
    details.jsonl and report.json are written there; with `baselines_from` (models.json), the
    baselines run on the same models and join the report as "causal-baselines"."""
    out = Path(out_dir) if out_dir is not None else None
    programs_dir = None
    if out is not None:
        programs_dir = out / "programs"
        programs_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    records = [answer_item(it, programs_dir) for it in items]
    report = {"causal": {SYSTEM: _scientia_summary(records, time.perf_counter() - start)}}
    if direct:
        start = time.perf_counter()
        direct_records = [_direct(it) for it in items]
        d = summarize(direct_records)
        d["unknown"] = sum(r["prediction"] == "unknown" for r in direct_records)
        d["seconds"] = round(time.perf_counter() - start, 2)
        report["causal"][DIRECT] = d
    if baselines_from is not None:
        report["causal-baselines"] = baselines(baselines_from)
    if out is not None:
        (out / "report.json").write_text(json.dumps(report, indent=1) + "\n")
        with open(out / "details.jsonl", "w") as fh:
            for r in records:
                fh.write(json.dumps(r, default=str) + "\n")
    return records, report


def _cell(entry) -> str:
    if not entry or entry.get("accuracy") is None:
        return "-"
    return f"{100 * entry['accuracy']:.1f}% (n={entry['n']})"


def table(report: dict) -> str:
    """Accuracy (and numeric accuracy) per category, one column per system."""
    systems = report["causal"]
    first = systems[SYSTEM]
    cats = [k for k, v in first.items() if isinstance(v, dict) and "n" in v and "accuracy" in v]
    cols = list(systems) + [f"numeric {s}" for s in systems]
    lines = [f"{'category':<20}" + "".join(f"{c:>24}" for c in cols)]
    for c in cats:
        cells = [_cell(s.get(c)) for s in systems.values()] + [_cell(s["numeric"].get(c)) for s in systems.values()]
        lines.append(f"{c:<20}" + "".join(f"{x:>24}" for x in cells))
    pa = first["proofs_accepted"]
    share = "-" if pa["share"] is None else f"{100 * pa['share']:.1f}%"
    lines.append(f"proofs accepted: {share} of n={pa['n']} decided answers; errors {first['errors']}, "
                 f"unknown {first['unknown']}; {first['seconds']} s"
                 + (f" (direct runner {systems[DIRECT]['seconds']} s)" if DIRECT in systems else ""))
    if first["reasons"]:
        lines.append("unknown / error reasons: " + json.dumps(first["reasons"], indent=1))
    return "\n".join(lines)


# ---------------------------------------------------------------------- `scientia eval causal`
def suite_result(data_dir, quick: bool = False, out_dir=None) -> dict:
    """The suite's TaskResult (evals/suite.py): CLadder's categories for this route and the direct one."""
    if not data_dir:
        raise SystemExit("error: the causal task needs --cladder DIR (CLadder's questions.json and models.json)")
    items = load(data_dir)
    if quick:
        items = items[::max(1, len(items) // 150)]
    start = time.perf_counter()
    records, report = run(items, out_dir)
    systems = report["causal"]
    cats = [c for c in categories(records) if c != "all"]
    decided = [r for r in records if r.get("verdict") in ("true", "false")]
    return {"task": "causal", "axis": "category", "categories": cats, "logical": False,
            "systems": {name: {c: v for c, v in s.items() if c in cats or c == "all"} for name, s in systems.items()},
            "scientia": {"answers": len(records), "proofs": len(decided),
                         "proofs_accepted": sum(r["proof_accepted"] for r in decided),
                         "unknown": systems[SYSTEM]["unknown"] + systems[SYSTEM]["errors"],
                         "wall_s": time.perf_counter() - start},
            "notes": f"CLadder as Scientia programs; numeric: {json.dumps(systems[SYSTEM]['numeric'])}"}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m evals.cladder.causal", description=__doc__.splitlines()[0])
    ap.add_argument("--cladder", required=True, help="folder with questions.json and models.json")
    ap.add_argument("--out", default="evals/report/cladder-causal", help="folder for programs/, report.json, details.jsonl")
    ap.add_argument("--limit", type=int, help="only the first N questions")
    ap.add_argument("--no-direct", action="store_true", help="skip the direct runner's column")
    ap.add_argument("--baselines", action="store_true",
                    help="also run pgmpy and DoWhy (if installed: pip install -e '.[causal-baselines]') on the "
                         "models' full parameters, into the same report")
    args = ap.parse_args(argv)
    items = load(args.cladder)
    if args.limit is not None:
        items = items[:args.limit]
    records, report = run(items, args.out, direct=not args.no_direct,
                          baselines_from=Path(args.cladder) / "models.json" if args.baselines else None)
    print(table(report))
    if "causal-baselines" in report:
        b = report["causal-baselines"]
        for system, r in b.items():
            if isinstance(r, dict) and "time_s" in r:
                cells = ", ".join(f"{q} {v['accuracy']:.3f} (n={v['n']})" for q, v in r.items() if isinstance(v, dict))
                print(f"baseline {system}: {r['time_s']:.2f} s; within 1e-6: {cells}")
        if b.get("not installed"):
            print(f"not installed: {', '.join(b['not installed'])}")
    print(f"{len(records)} questions; report in {args.out}")
    return report


if __name__ == "__main__":
    main()
