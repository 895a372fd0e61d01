"""ToMi answered by reasoning: each story's events told to a KnowledgeBase over `use events.`
(kb/events.kb), each question asked, the answer read off the binding, with its proof.

The story's sentences become facts (evals/tomi/reader.py reads them with grammar/tomi.lark):
`X entered the L.` is `enters(x, l, t)`, `X exited the L.` is `exits(x, l, t)`, `The O is in the
C.` is `put(o, c, l, t)` and `X moved the O to the C.` is `moves(x, o, c, l, t)`, t the line
number and l the room where it happens: a mover's room is where it entered last; an object's
first place is in the room where it is later moved (a container does not change rooms), or,
never moved, the room with the most agents in it. Distractors
(`X likes the O`) say nothing about where anything is, and are not told.

Questions: memory `first(o, C)`, reality `really(o, C)`, first order
`believes(x, at(o, C, T))`, second order `believes(x, believes(y, at(o, C, T)))`, T the
question's time point; the answer is the binding of C (no binding, or two: the
question is answered `unknown`, scored wrong). ToMi's known label issue: for some second-order
controls (`second_order_*_no_tom`) the gold answer is the object's true location by
construction, which strict nested-belief reasoning does not give; those are scored as a
separate category, "second_order_no_tom_label" (the questions where the gold is the true
location and differs from the reasoned answer), and the semantics is not bent to fit them.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from collections import Counter, defaultdict
from pathlib import Path

from engine.answer import Verdict
from engine.kb import KnowledgeBase
from engine.language.syntax import show_name

from .reader import Enter, Exit, Located, Move, read


def facts(story) -> list[str]:
    """The story as facts of kb/events.kb, and the time points."""
    room, out, last_room = {}, [], None
    lines = [e.line for e in story]
    where_moved = _object_rooms(story)
    for e in story:
        t = e.line
        if isinstance(e, Enter):
            room[e.agent] = e.place
            last_room = e.place
            out.append(f"enters({_n(e.agent)}, {_n(e.place)}, {t}).")
        elif isinstance(e, Exit):
            room.pop(e.agent, None)
            out.append(f"exits({_n(e.agent)}, {_n(e.place)}, {t}).")
        elif isinstance(e, Located):
            where = where_moved.get(e.obj) or _crowded(room) or last_room or "nowhere"
            out.append(f"put({_n(e.obj)}, {_n(e.container)}, {_n(where)}, {t}).")
        elif isinstance(e, Move):
            where = room.get(e.agent, last_room or "nowhere")
            out.append(f"moves({_n(e.agent)}, {_n(e.obj)}, {_n(e.container)}, {_n(where)}, {t}).")
    top = max(lines, default=0) + 1
    out.append(" ".join(f"tick({t})." for t in range(1, top + 1)))
    return out


def _object_rooms(story) -> dict:
    """The room of each object: where its first mover is when it moves it (a container does
    not change rooms)."""
    room, out = {}, {}
    for e in story:
        if isinstance(e, Enter):
            room[e.agent] = e.place
        elif isinstance(e, Exit):
            room.pop(e.agent, None)
        elif isinstance(e, Move) and e.agent in room:
            out.setdefault(e.obj, room[e.agent])
    return out


def _crowded(room: dict):
    """The room with the most agents in it now (ties: the one entered last)."""
    if not room:
        return None
    counts = Counter(room.values())
    order = list(dict.fromkeys(reversed(list(room.values()))))
    return max(order, key=lambda r: counts[r])


def _n(name: str) -> str:
    return show_name(name)


def answer_story(story, questions) -> list[dict]:
    """One KB for a story; each kind of question asked once with the agents open
    (`looks(A, o, C)` answers every first-order question of the story), the answers read off."""
    kb = KnowledgeBase()
    kb.tell("use events.\n" + "\n".join(facts(story)))
    asked: dict = {}
    out = []
    end = max((e.line for e in story), default=0) + 1      # the question's time point
    for q in questions:
        open_query = general(q, end)
        if open_query not in asked:
            asked[open_query] = list(kb.ask_all(open_query))
        wanted = {"A": q.agents[0]} if q.kind in ("first", "second") else {}
        if q.kind == "second":
            wanted["B"] = q.agents[1]
        found = [a for a in asked[open_query] if a.verdict is Verdict.TRUE
                 and all(str(a.bindings.get(k)) == v for k, v in wanted.items())]
        values = sorted({str(a.bindings["C"]) for a in found})
        # ask_all returns only bindings the kernel accepted; the proof is built on access
        accepted = len(values) == 1 and found[0].proof is not None
        out.append({"prediction": values[0] if len(values) == 1 else None, "candidates": values,
                    "proof_accepted": accepted})
    return out


def general(question, end: int) -> str:
    """The question's query at time point `end`, with its agents left open."""
    o = _n(question.obj)
    return {"memory": f"first({o}, C)", "reality": f"really({o}, C)",
            "first": f"believes(A, at({o}, C, {end}))",
            "second": f"believes(A, believes(B, at({o}, C, {end})))"}[question.kind]


def run(items, workers: int | None = None) -> tuple[list[dict], dict]:
    """Every question answered, one KB per story; the stories shared among `workers` processes
    (default: up to 2, the cores of the reference machine; each story is independent)."""
    start = time.perf_counter()
    by_story = defaultdict(list)
    for it in items:
        by_story[it.story].append(it)
    groups = list(by_story.items())
    workers = workers or min(2, os.cpu_count() or 1)
    if workers > 1 and len(groups) >= 100:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        with context.Pool(workers) as pool:
            parts = pool.map(_answer_group, groups, chunksize=max(1, len(groups) // (8 * workers)))
    else:
        parts = [_answer_group(g) for g in groups]
    records = [r for part in parts for r in part]
    records.sort(key=lambda r: r["index"])
    seconds = time.perf_counter() - start
    return records, summarize(records, seconds)


def _answer_group(group) -> list[dict]:
    story, items = group
    return [{"index": it.index, "qtype": it.qtype, "story_type": it.story_type,
             "question": it.question.text, "answer": it.answer, **r, "correct": r["prediction"] == it.answer}
            for it, r in zip(items, answer_story(story, [it.question for it in items]))]


def summarize(records, seconds) -> dict:
    cats = defaultdict(list)
    for r in records:
        cats[r["qtype"]].append(r)
        cats["all"].append(r)
        if r["qtype"].startswith("second_order") and r["qtype"].endswith("no_tom") and not r["correct"]:
            cats["second_order_no_tom_label"].append(r)
    report = {c: {"accuracy": sum(x["correct"] for x in rs) / len(rs), "n": len(rs)} for c, rs in sorted(cats.items())}
    decided = [r for r in records if r["prediction"] is not None]
    report["proofs_accepted"] = {"share": sum(r["proof_accepted"] for r in decided) / len(decided) if decided else None,
                                 "n": len(decided)}
    report["unknown"] = sum(r["prediction"] is None for r in records)
    report["seconds"] = round(seconds, 2)
    return {"beliefs": {"scientia": report}}


def suite_result(data_dir, quick: bool = False) -> dict:
    """The suite's TaskResult (evals/suite.py): the validation split, one category per question type."""
    if not data_dir:
        raise SystemExit("error: the beliefs task needs --tomi DIR (ToMi's fb_all_val.txt and .trace)")
    folder = Path(data_dir)
    items = read(folder / "fb_all_val.txt", folder / "fb_all_val.trace")
    if quick:
        items = items[:600]
    start = time.perf_counter()
    records, report = run(items)
    s = report["beliefs"]["scientia"]
    cats = sorted(c for c, v in s.items() if isinstance(v, dict) and "accuracy" in v and c != "all")
    stats = {"answers": len(records), "proofs": s["proofs_accepted"]["n"],
             "proofs_accepted": sum(r["proof_accepted"] for r in records), "unknown": s["unknown"],
             "wall_s": time.perf_counter() - start}
    # scientia-renamed, and the networks of evals/tomi/baselines.py (trained on the train split) where torch imports
    from .baselines import QUICK_TRAIN, compare, shifts
    train_files = folder / "fb_all_train.txt", folder / "fb_all_train.trace"
    train = read(*train_files) if all(f.exists() for f in train_files) else []
    more = compare(train, items, run, quick=quick, scientia=(records, report))
    systems = {"scientia": {c: s[c] for c in cats + ["all"]},
               **{name: {c: row[c] for c in cats + ["all"] if c in row}
                  for name, row in more["systems"].items() if name != "scientia"}}
    return {"task": "beliefs", "axis": "question type", "categories": cats, "logical": False,
            "systems": systems, "training": more["training"],
            "renamed": {name[:-len("-renamed")]: row for name, row in systems.items() if name.endswith("-renamed")},
            "scientia": {**stats, "renamed": _stats(*more["scientia_renamed"])},
            "notes": "ToMi validation split; second_order_no_tom_label counts the control questions whose "
                     "gold is the true location where nested-belief reasoning gives another answer; *-renamed: "
                     "the same questions with fresh names for agents, places, objects and containers; the "
                     "networks (evals/tomi/baselines.py) are trained on the train split"
                     + (f" (quick: {QUICK_TRAIN} items, a short budget)" if quick else "")
                     + (" and not retrained for the renamed variant, whose answers are outside their "
                        "answer vocabulary" if more["training"] else
                        "; no networks (torch not installed or no fb_all_train files)")
                     + "; renamed minus original (all): " + ", ".join(f"{k} {100 * v:+.1f} pts"
                                                                        for k, v in shifts(systems).items())}


def _stats(records, report) -> dict:
    s = report["beliefs"]["scientia"]
    return {"answers": len(records), "proofs": s["proofs_accepted"]["n"],
            "proofs_accepted": sum(r["proof_accepted"] for r in records), "unknown": s["unknown"],
            "wall_s": s["seconds"]}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m evals.tomi.task", description=__doc__.splitlines()[0])
    ap.add_argument("--tomi", required=True, help="folder with fb_all_val.txt/.trace (and train)")
    ap.add_argument("--split", default="val", choices=["val", "train"])
    ap.add_argument("--out", help="folder for report.json")
    ap.add_argument("--limit", type=int)
    args = ap.parse_args(argv)
    folder = Path(args.tomi)
    items = read(folder / f"fb_all_{args.split}.txt", folder / f"fb_all_{args.split}.trace")
    if args.limit:
        items = items[:args.limit]
    records, report = run(items)
    for cat, v in report["beliefs"]["scientia"].items():
        if isinstance(v, dict) and "accuracy" in v:
            print(f"{cat:<32} {100 * v['accuracy']:6.1f} %  (n={v['n']})")
    s = report["beliefs"]["scientia"]
    print(f"proofs accepted: {s['proofs_accepted']}; unknown {s['unknown']}; {s['seconds']} s")
    wrong = Counter((r["qtype"]) for r in records if not r["correct"])
    print("wrong by type:", dict(wrong))
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


if __name__ == "__main__":
    main()
