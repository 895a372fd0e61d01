"""Proof depth (ProofWriter-style, open world): true / false / unknown at depths 0..6.

Generated theories of facts, negative facts and rules (some with negated conclusions) over
a few entities; questions are a literal about one entity, labelled by an independent
oracle (grounding + DPLL, see evals.proofdepth.generate). Baselines (evals.proofdepth.baseline) train on
9000 generated items at depth <= 2 (1000 per depth and label, every label from the oracle) and
are tested at every depth. Their input is the compact encoding `[Q] question [T] theory` (rules
written body -> head) with every name replaced by `#k`, k its order of first occurrence in the
item (question first), cut into segments (the question, each statement); a shared encoder turns
each segment's tokens into one vector and an LSTM / Transformer reads the segment vectors. A
fixed configuration, learning rate and epoch budget per kind (CONFIGS: chosen by a sweep on the
training split and on separately generated depth <= 2 validation items, never on test), AdamW
with warm-up and cosine decay; the models fit the training split (train accuracy ~0.97).
Scientia tells each theory to one KnowledgeBase and asks every question,
and each true/false answer's proof is re-checked with kb.verify. Every test item is asked
again with all constants and predicates renamed to nonsense names ("renamed").

Questions whose classical label needs more than forward chaining over literals
(contraposition, case splits) form the separate category "classical": not in training,
not in the depth buckets or "all", reported in result["classical"] per system.

    python -m evals.proofdepth [--quick] [--seed N] [--no-baselines] [--threads N]
"""
from __future__ import annotations

import argparse
import random
import time

from evals.proofdepth import generate as G

TASK = "proofdepth"
TRAIN_DEPTHS = range(0, 3)
CATEGORIES = [G.depth_category(d) for d in range(G.MAX_DEPTH + 1)]
# per (category, label) bucket: training items at depth <= 2 (9 buckets), test items per depth,
# classical items. Generation and labelling are cheap (~1 ms an item); training is the cost.
SIZES = {False: {"train": 1000, "test": 40, "classical": 80},
         True: {"train": 100, "test": 8, "classical": 16}}
# The baselines' configurations: chosen by single-seed CPU runs on this training split (seed 0),
# read by training accuracy and by accuracy on 1,800 separately generated depth <= 2 validation
# questions (generator tag "proofdepth-val-sweep"), never by test accuracy; 20 epochs is what
# the suite's CPU budget allows (each kind ~2-3 min on one core), MAX_SECONDS a safety cap.
# (evals.proofdepth.baseline.Config fields; the rest its defaults: width 96, token embeddings 32,
# batches of 64, 5 % warm-up then cosine decay, gradient clipping at 1, weight decay 0.01.)
CONFIGS = {"lstm": {"layers": 1, "lr": 1e-3},
           "transformer": {"layers": 3, "lr": 1e-3},
           "transformer_rel": {"layers": 3, "lr": 1e-3}}
LR = {kind: c["lr"] for kind, c in CONFIGS.items()}
EPOCHS = {False: {kind: 20 for kind in CONFIGS}, True: {kind: 20 for kind in CONFIGS}}
MAX_SECONDS = 170
ENCODING = "compact"    # the token sequence the baselines' segments are cut from
BASELINES = ("lstm", "transformer", "transformer_rel")


# ---------------------------------------------------------------- data
def make_data(seed: int, quick: bool) -> dict[str, list[G.Group]]:
    size = SIZES[quick]
    train = G.generate(random.Random(f"proofdepth-train-{seed}"), G.quota(TRAIN_DEPTHS, size["train"]),
                       max_theory_depth=max(TRAIN_DEPTHS), per_theory=3)
    test = G.generate(random.Random(f"proofdepth-test-{seed}"),
                      G.quota(range(G.MAX_DEPTH + 1), size["test"], size["classical"]))
    rng = random.Random(f"proofdepth-rename-{seed}")
    return {"train": train, "test": test, "renamed": [G.rename_group(rng, g) for g in test]}


def items(groups, categories=None, encoding: str = "compact") -> list[tuple[list[str], str]]:
    """(the baselines' tokens, label) for the questions in the given categories. "compact":
    [Q] question [T] theory, rules body -> head (generate.model_input_compact);
    "plain": the theory text's tokens, [Q], the question's."""
    enc = {"compact": lambda g, q: G.model_input_compact(g.theory, q.lit),
           "plain": lambda g, q: G.model_input(g.theory, q.text)}[encoding]
    return [(enc(g, q), q.label) for g in groups for q in g.questions
            if categories is None or q.category in categories]


# ---------------------------------------------------------------- Scientia
def ask_group(group: G.Group, timeout_ms: int = 10_000) -> list[tuple[str, str | None]]:
    """Per question: Scientia's verdict and the proof check ("accepted", "rejected", or None)."""
    from engine import KnowledgeBase
    from engine.errors import ScientiaError
    kb = KnowledgeBase(timeout_ms=timeout_ms)
    try:
        kb.tell(group.text)
    except ScientiaError as e:  # the oracle says consistent: a refusal is a disagreement
        return [("error: " + str(e).splitlines()[0], None)] * len(group.questions)
    return [_ask(kb, q.text) for q in group.questions]


def _ask(kb, question: str) -> tuple[str, str | None]:
    from engine import Verdict
    from engine.errors import ProofError, ScientiaError
    try:
        a = kb.ask(question)
    except ProofError:  # the answer path's own kernel check refused the proof
        return "rejected", "rejected"
    except ScientiaError as e:
        return "error: " + str(e).splitlines()[0], None
    if a.verdict is Verdict.UNKNOWN:
        return "unknown", None
    claim = question if a.verdict is Verdict.TRUE else f"not {question}"  # what the proof concludes
    try:
        kb.verify(a.proof, claim)
    except ProofError:
        return "rejected", "rejected"
    return a.verdict.value, "accepted"


def scientia_eval(sets: dict[str, list[G.Group]], progress: bool = True) -> tuple[dict, dict]:
    """Rows per set name: [(category, gold, verdict, question, theory)], and the answer/proof counts."""
    from evals.progress import bar as tqdm
    t0, out = time.perf_counter(), {}
    stats = {"answers": 0, "proofs": 0, "proofs_accepted": 0, "unknown": 0}
    for name, groups in sets.items():
        rows = []
        for g in tqdm(groups, desc=f"scientia {name}", disable=not progress):
            for q, (verdict, proof) in zip(g.questions, ask_group(g)):
                rows.append((q.category, q.label, verdict, q.text, g.text))
                stats["answers"] += 1
                stats["unknown"] += verdict == "unknown"
                stats["proofs"] += proof is not None
                stats["proofs_accepted"] += proof == "accepted"
        out[name] = rows
    stats["wall_s"] = round(time.perf_counter() - t0, 2)
    return out, stats


def accuracy(rows, categories) -> dict:
    """{category: {"accuracy", "n"}} over rows (category, gold, predicted, ...), and "all"."""
    res = {}
    for c in categories:
        hits = [gold == pred for cat, gold, pred, *_ in rows if cat == c]
        res[c] = _acc(sum(hits), len(hits))
    res["all"] = _pool(res[c] for c in categories)
    return res


def _acc(hits: int, n: int) -> dict:
    return {"accuracy": hits / n if n else 0.0, "n": n}


def _pool(parts) -> dict:
    parts = list(parts)
    n = sum(p["n"] for p in parts)
    return _acc(round(sum(p["accuracy"] * p["n"] for p in parts)), n)


def disagreements(rows) -> list[dict]:
    return [{"category": c, "gold": gold, "scientia": pred, "question": q, "theory": th}
            for c, gold, pred, q, th in rows if gold != pred]


# ---------------------------------------------------------------- baselines
def baselines_eval(data: dict, *, seed: int, quick: bool, progress: bool,
                   max_epochs: int | None = None) -> tuple[dict, dict, dict, dict]:
    """Each baseline (evals.proofdepth.baseline) trained on the training items with its fixed
    configuration (CONFIGS, EPOCHS; `max_epochs` overrides the epochs) and scored per category."""
    import torch
    from evals.proofdepth import baseline as PB
    train = items(data["train"], encoding=ENCODING)
    tests = {c: items(data["test"], {c}, encoding=ENCODING) for c in CATEGORIES + [G.CLASSICAL]}
    tests["renamed"] = items(data["renamed"], set(CATEGORIES), encoding=ENCODING)
    systems, renamed, classical, training = {}, {}, {}, {}
    for kind in BASELINES:
        config = PB.Config(**CONFIGS[kind], epochs=max_epochs or EPOCHS[quick][kind], max_seconds=MAX_SECONDS)
        res, info = PB.train_eval(kind, train, tests, config=config, seed=seed, progress=progress)
        info.update({"train_items": len(train), "torch_threads": torch.get_num_threads(),
                     "lr_source": "fixed (evals/proofdepth/task.py CONFIGS), chosen on the training split and "
                                  "generated depth <= 2 validation items",
                     "in_distribution": _pool(res[c] for c in CATEGORIES[:len(TRAIN_DEPTHS)])})
        systems[kind] = {c: res[c] for c in CATEGORIES}
        systems[kind]["all"] = _pool(res[c] for c in CATEGORIES)
        renamed[kind] = {"all": res["renamed"]}
        classical[kind] = res[G.CLASSICAL]
        training[kind] = info
    return systems, renamed, classical, training


# ---------------------------------------------------------------- the task
def run(*, quick: bool = False, seed: int = 0, progress: bool = True, data_dir: str | None = None,
        baselines: bool = True) -> dict:
    t0 = time.perf_counter()
    random.seed(seed)
    data = make_data(seed, quick)
    answers, stats = scientia_eval({"test": data["test"], "renamed": data["renamed"]}, progress)
    result = {"task": TASK, "axis": "depth", "categories": list(CATEGORIES),
              "systems": {"scientia": accuracy(answers["test"], CATEGORIES)},
              "renamed": {"scientia": {"all": accuracy(answers["renamed"], CATEGORIES)["all"]}},
              "classical": {"scientia": accuracy(answers["test"], [G.CLASSICAL])[G.CLASSICAL]},
              "scientia": stats, "training": {}, "logical": True,
              "data": _data_summary(data),
              "disagreements": disagreements(answers["test"] + answers["renamed"])[:20]}
    if baselines:
        systems, renamed, classical, training = baselines_eval(data, seed=seed, quick=quick, progress=progress)
        result["systems"].update(systems)
        result["renamed"].update(renamed)
        result["classical"].update(classical)
        result["training"] = training
    result["wall_s"] = round(time.perf_counter() - t0, 2)
    return result


def _data_summary(data: dict) -> dict:
    out = {name: {"theories": len(gs), "questions": sum(len(g.questions) for g in gs)}
           for name, gs in data.items()}
    train = items(data["train"], encoding=ENCODING)
    out["train"]["mean_tokens"] = round(sum(len(t) for t, _ in train) / max(1, len(train)), 1)
    return out


def table(result: dict) -> str:
    cats = result["categories"] + ["all"]
    rows = [f"{'system':16}" + "".join(f"{c:>9}" for c in cats) + f"{'classical':>10}{'renamed':>9}"]
    for name, res in result["systems"].items():
        rows.append(f"{name:16}" + "".join(f"{res[c]['accuracy']:9.3f}" for c in cats)
                    + f"{result['classical'][name]['accuracy']:10.3f}"
                    + f"{result['renamed'][name]['all']['accuracy']:9.3f}")
    return "\n".join(rows)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1, as the suite)")
    args = ap.parse_args(argv)
    if not args.no_baselines:
        import torch
        torch.set_num_threads(args.threads)
    r = run(quick=args.quick, seed=args.seed, progress=not args.no_progress, baselines=not args.no_baselines)
    print(table(r))
    print("scientia:", r["scientia"], "| data:", r["data"], "| wall_s:", r["wall_s"])
    for name, info in r["training"].items():
        print(name, info)
    for d in r["disagreements"]:
        print("DISAGREEMENT", d)


if __name__ == "__main__":
    main()
