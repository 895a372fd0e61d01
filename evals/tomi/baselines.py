"""ToMi's neural baselines against Scientia, on the original and the renamed validation stories.

The LSTM and the Transformer of evals/neural (`train_eval`) read a question as one token
sequence: the story's sentences, each its lower-cased words followed by ".", then the question's
words and "?" (`sequence`). The label is the answer word, a classification over the answers of
the training split (`pair`). Each is trained on ToMi's TRAIN split (less a held-out tenth of its
stories, by story_id, which picks the epoch: the best held-out accuracy, patience 3) with the
fixed configuration CONFIG (no learning-rate grid; a wall-clock cap per model), and tested on
the validation questions Scientia answers (evals/tomi/task.py), per question type with the
same categories as task.py: one per qtype, `all`, and `second_order_no_tom_label` (the
second-order control questions whose gold is the true location where Scientia's nested-belief
reasoning gives another answer; the same questions for every system).

The renamed variant: every validation item as `rename(item, fresh_names(item, seed))`: agents,
places, objects and containers get made-up names. Scientia answers it by the same reasoning
(task.run). The networks are NOT retrained: the renamed words are out of their vocabulary
(read as <unk>) and every renamed answer is a label never seen in training, so a network
cannot output it and the question is scored wrong. That is the point of the comparison:
a classifier over the training answers has no way to name a new container.

CLI (evals/tomi/__main__.py): python -m evals.tomi --tomi DIR [--quick] [--limit N] [--seed S] [--out FILE]
"""
from __future__ import annotations

import random
import re

from .reader import Item, fresh_names, rename

KINDS = ("lstm", "transformer")
LABEL_CAT = "second_order_no_tom_label"
# the networks' training (evals.neural.config.Config fields), fixed per kind (no learning-rate grid): at most
# `epochs` epochs or `max_seconds` of the final fit, the epoch with the best accuracy on the held-out training
# stories (every epoch a candidate: fit_acc 0), stop after `patience` epochs without a better one. The LSTM is
# a 1-layer BiLSTM max-pooled over positions: in CPU trials (1 thread, full train split) it reached 76 % on
# 1000 validation questions after 3 epochs (~12 s each), where the 2-layer last-state default (~80 s an epoch on a
# shared CPU) was still at chance (2.8 %) when the cap stopped it after 2 epochs.
_STOP = {False: dict(target_acc=None, epochs=30, patience=3, fit_acc=0.0, max_seconds=110),
         True: dict(target_acc=None, epochs=8, patience=3, fit_acc=0.0, max_seconds=15)}
CONFIG = {quick: {"lstm": dict(dim=32 if quick else 64, layers=1, pool="max", dropout=0.1, lr=3e-3, **stop),
                  "transformer": dict(dim=32 if quick else 64, dropout=0.1, lr=3e-3 if quick else 2e-3, **stop)}
          for quick, stop in _STOP.items()}
QUICK_TRAIN = 600           # quick: training items (a seeded random subset of the train split)
HELD_OUT = 10               # every 10th training story (story_id % 10 == 0) picks the epoch
_WORD = re.compile(r"[A-Za-z_]+")


# ------------------------------------------------------------------ encoding
def sentence(text: str, end: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)] + [end]


def sequence(item: Item) -> list[str]:
    """The story's sentences (words lower-cased, each ended by "."), then the question (ended by "?")."""
    out = []
    for event in item.story:
        out += sentence(event.text, ".")
    return out + sentence(item.question.text, "?")


def pair(item: Item) -> tuple[list[str], str]:
    """(tokens, label): the label is the answer word as written."""
    return sequence(item), item.answer


def renamed(items: list[Item], seed: int = 0) -> list[Item]:
    """Every item with fresh names for its agents, places, objects and containers."""
    return [rename(it, fresh_names(it, seed)) for it in items]


def categories(items: list[Item], records: list[dict]) -> dict[str, list[Item]]:
    """{qtype: items} (sorted) and LABEL_CAT: the second-order no_tom items Scientia's records get wrong
    (records: task.run's, matched by index)."""
    wrong = {r["index"] for r in records if not r["correct"]}
    out: dict[str, list[Item]] = {}
    for it in sorted(items, key=lambda it: it.qtype):
        out.setdefault(it.qtype, []).append(it)
    out = dict(sorted(out.items()))
    out[LABEL_CAT] = [it for it in items if it.qtype.startswith("second_order") and it.qtype.endswith("no_tom")
                      and it.index in wrong]
    return out


def split(train: list[Item]) -> tuple[list[Item], list[Item]]:
    """(fit, held out): every HELD_OUT-th story (by story_id) held out to pick the epoch."""
    return ([it for it in train if it.story_id % HELD_OUT], [it for it in train if not it.story_id % HELD_OUT])


def subset(train: list[Item], n: int, seed: int) -> list[Item]:
    """A seeded random n of the items, in file order."""
    if n >= len(train):
        return list(train)
    keep = set(random.Random(f"tomi-baselines:{seed}").sample(range(len(train)), n))
    return [it for i, it in enumerate(train) if i in keep]


# ------------------------------------------------------------------ training and scoring
def train_test(kind: str, train: list[Item], tests: dict[str, dict[str, list[Item]]], *, quick: bool = False,
               seed: int = 0, progress: bool = False, config: dict | None = None) -> tuple[dict, dict]:
    """Train `kind` on `train` (less its held-out stories) once; score it on every variant's categories.
    tests: {variant: {category: items}}. Returns ({variant: {category: {"accuracy", "n"}, "all": ...}},
    info); `all` counts each question once (the qtype categories)."""
    from evals.neural.config import Config
    from evals.neural.train import train_eval
    fit_items, held = split(train)
    if not fit_items or not held:
        fit_items, held = train, []
    cfg = Config(**(config if config is not None else CONFIG[quick][kind]))
    flat = {f"{variant}\t{cat}": [pair(it) for it in items]
            for variant, cats in tests.items() for cat, items in cats.items()}
    res, info = train_eval(kind, [pair(it) for it in fit_items], flat, seed=seed, quick=quick, progress=progress,
                           config=cfg, val=[pair(it) for it in held] or None)
    out: dict = {}
    for key, v in res.items():
        if key != "all":
            variant, cat = key.split("\t")
            out.setdefault(variant, {})[cat] = v
    for variant, cats in out.items():
        qtypes = [v for c, v in cats.items() if c != LABEL_CAT]
        n = sum(v["n"] for v in qtypes)
        cats["all"] = {"accuracy": sum(v["accuracy"] * v["n"] for v in qtypes) / n if n else 0.0, "n": n}
    answers = {it.answer for it in fit_items}
    info.update({"train_items": len(fit_items), "held_out_items": len(held),
                 "validation": f"{len(held)} training questions (story_id % {HELD_OUT} == 0) pick the epoch",
                 "input": "story sentences + question as one lower-cased token sequence; label = the answer word",
                 "answer_vocabulary": len(answers),
                 "test_answers_in_vocabulary": {variant: _in_vocab(cats, answers) for variant, cats in tests.items()}})
    return out, info


def _in_vocab(cats: dict, answers: set) -> str:
    items = [it for c, its in cats.items() if c != LABEL_CAT for it in its]
    return f"{sum(it.answer in answers for it in items)}/{len(items)}"


def scientia_scores(report: dict) -> dict:
    s = report["beliefs"]["scientia"]
    return {c: v for c, v in s.items() if isinstance(v, dict) and "accuracy" in v}


def compare(train: list[Item], val: list[Item], run, *, quick: bool = False, seed: int = 0, progress: bool = False,
            kinds=KINDS, scientia: tuple | None = None) -> dict:
    """Every system on the validation items and their renamed variant. run: Scientia's, evals/tomi/task.run
    (passed in: task.py imports this module); scientia: its (records, report) on `val`, if already run.
    Returns {"systems": {name: {category: {"accuracy", "n"}}}, "training": {kind: info},
    "scientia_renamed": (records, report)}; the networks only where torch imports."""
    records, report = scientia if scientia is not None else run(val)
    ren = renamed(val, seed)
    r_records, r_report = run(ren)
    systems = {"scientia": scientia_scores(report), "scientia-renamed": scientia_scores(r_report)}
    training: dict = {}
    try:
        import torch  # noqa: F401
    except ImportError:
        kinds = ()
    if kinds and train:
        if quick:
            train = subset(train, QUICK_TRAIN, seed)
        tests = {"original": categories(val, records), "renamed": categories(ren, r_records)}
        for kind in kinds:
            res, info = train_test(kind, train, tests, quick=quick, seed=seed, progress=progress)
            systems[kind], systems[f"{kind}-renamed"] = res["original"], res["renamed"]
            training[kind] = info
    return {"systems": systems, "training": training, "scientia_renamed": (r_records, r_report)}


def shifts(systems: dict) -> dict:
    """{system: renamed `all` accuracy minus original `all` accuracy}."""
    return {name: round(systems[f"{name}-renamed"]["all"]["accuracy"] - row["all"]["accuracy"], 4)
            for name, row in systems.items() if f"{name}-renamed" in systems}


def table(systems: dict) -> str:
    cats = sorted({c for row in systems.values() for c in row} - {"all", LABEL_CAT}) + [LABEL_CAT, "all"]
    width = max(len(c) for c in cats)
    names = list(systems)
    lines = [f"{'category':<{width}}  " + "  ".join(f"{s:>20}" for s in names)]
    for c in cats:
        cells = [f"{100 * systems[s][c]['accuracy']:6.1f} % (n={systems[s][c]['n']})" if c in systems[s] else "-"
                 for s in names]
        lines.append(f"{c:<{width}}  " + "  ".join(f"{x:>20}" for x in cells))
    lines.append("renamed minus original (all): " +
                 ", ".join(f"{s} {100 * d:+.1f} pts" for s, d in shifts(systems).items()))
    return "\n".join(lines)
