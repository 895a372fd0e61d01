"""Kinship stories (CLUTRR protocol): train on chains of length 2-3, test on lengths 2-10.

Scientia induces composition rules from the training split (evals/clutrr/induction.py), tells
them to a KnowledgeBase with their provenance, and answers each test story by reasoning:
the story's edges (whatever their shape: chains, back edges, extra relations) and genders
are told as facts about fresh constants, with the vocabulary's inverse relations as rules, and
`ask_all("ans(X, Y, R)")` returns, for every item's query pair, each relation R the rules
derive, with its proof (re-checked with kb.verify). One derived relation is the answer;
none, or several (ambiguity), is `unknown`, counted wrong. For an unknown answer the
candidate layer (induction.candidates_text) is asked too: `cand(X, Y, R)` names every relation
that the compositions the training split supports (agreeing or not) derive, each with a
kernel-checked proof; a candidate's support is the least number of training rows behind a
composition its proof uses. The best-supported candidate (a unique maximum, else none) is
scored as the system "scientia (best-supported)"; "scientia" counts only certain answers.

Baselines (evals/neural/train.py) read a chain as tokens g0 r0 g1 r1 ... gk, any other story as
its edges in story order, `n<u> g_u r n<v> g_v` each, then `? n<a> n<b>` (Item.tokens). Each is trained
with its `CONFIGS` entry: a fixed learning rate, dropout, and the epoch with the best
accuracy on generated *validation* chains k = 4..7 (a separate tag, test chains removed),
chosen with evals/clutrr/sweep.py by validation accuracy, never by the test accuracy.

Data: with `data_dir` (CLI --clutrr DIR), DIR/*train*.csv is the training split and
DIR/1.k_test.csv the test set for each k; every row is read (an unreadable row raises
evals.clutrr.data.RowError naming the file and row). Without test files (they are held out here)
the test stories are generated (evals/clutrr/data.py; `--nonchain F`: a fraction F of them
get an extra edge, see data.extra_edge), and result["notes"] says so. Without
`data_dir` everything is generated.

    python -m evals.clutrr [--quick] [--seed N] [--clutrr DIR] [--nonchain F] [--json OUT] [--threads 1]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass

from evals.clutrr import data as D
from evals.clutrr.induction import candidates_text, induce, kb_text, name

TASK = "clutrr"
TEST_KS = range(2, 11)
BASELINES = ("lstm", "transformer", "transformer_rel")
BEST = "scientia (best-supported)"
# train: generated training chains per k (2, 3); test: generated test chains per k; real_train: rows of a
# real training file used (None: all); renamed_*: the baselines' renamed-relation variant (reduced size)
SIZES = {False: {"train": 5000, "test": 300, "real_train": None, "renamed_train": 2000, "renamed_test": 50},
         True: {"train": 500, "test": 20, "real_train": 1000, "renamed_train": 500, "renamed_test": 20}}
BATCH = 250          # test items told to one KnowledgeBase
VAL_PER_K = {False: 250, True: 20}      # generated validation chains per k = 4..7 (the baselines' early stop)
# The baselines' training (evals.neural.config.Config fields), CPU-feasible: at most 15 epochs, the epoch with the best
# validation accuracy, stop after 3 epochs without a better one; quick: smaller models, 3x the lr on the small split.
# Chosen by validation accuracy (k = 4..7, 250 chains per k) in CPU runs of rows of sweep.GRID: a 1-layer
# BiLSTM with label smoothing 0.2 (best BiLSTM, seed 0). Both Transformers are *looped* (one shared block applied
# once per input token, so depth grows with the chain), causal, read the chain right to left and classify from its
# last token; relative bias clipped at distance 1; the absolute-position one is trained on ascending random
# positions drawn from the whole position table (Ruoss et al. 2023) with label smoothing 0.2. Each was the best mean
# validation accuracy over seeds 0-2 among the rows run for its kind (2026-11-26; the earlier 4-layer and
# first-and-last-token choices scored 0.551 and 0.281 there, against 0.704 and 0.395).
_STOP = {False: dict(target_acc=None, epochs=15, patience=3), True: dict(target_acc=None, epochs=25, patience=4)}
_SCALE = {False: dict(dim=128, lr=1e-3), True: dict(dim=64, lr=3e-3)}
_LOOP = dict(share_layers=True, loop=True, causal=True, reverse=True, pool="last")
CONFIGS = {quick: {"lstm": dict(dropout=0.3, layers=1, label_smoothing=0.2, **_SCALE[quick], **stop),
                   "transformer": dict(dim=64, dropout=0.1, pos_std=0.02, random_positions=True, label_smoothing=0.2,
                                       **_LOOP, lr=_SCALE[quick]["lr"], **stop),
                   "transformer_rel": dict(dim=64, dropout=0.1, clip=1, **_LOOP, lr=_SCALE[quick]["lr"], **stop)}
           for quick, stop in _STOP.items()}


@dataclass(frozen=True)
class Outcome:
    answer: str | None      # the one relation derived, else None (unknown)
    derived: tuple          # every relation derived for the query pair
    proof: str | None       # "accepted" / "rejected" for an answer, None otherwise
    candidates: tuple = ()  # unknown answers: (relation, support, "accepted"/"rejected") from the candidate layer
    best: str | None = None  # the answer, else the best-supported candidate with an accepted proof (unique), else None


# ---------------------------------------------------------------- Scientia
def item_facts(item: D.Item, people: list[str]) -> list[str]:
    """The story as facts: edge (u, v) of type r is r(p_u, p_v), 'p_v is the r of p_u'; the query (a, b)
    is query(p_a, p_b)."""
    out = [f"{name(e)}({people[u]}, {people[v]})." for (u, v), e in zip(item.pairs, item.edges)]
    out += [f"{g}({p})." for g, p in zip(item.genders, people)]
    a, b = item.ends
    return out + [f"query({people[a]}, {people[b]})."]


def plain_people(items: list[D.Item]) -> list[list[str]]:
    return [[f"e{i}_{j}" for j in range(len(it.genders))] for i, it in enumerate(items)]


def nonsense_people(items: list[D.Item], seed: int) -> list[list[str]]:
    """Fresh nonsense constants per person ('zorvik17'), distinct across all items."""
    words, n, out = D.nonsense_names(300, seed + 7), 0, []
    rng = random.Random(f"people:{seed}")
    for it in items:
        row = []
        for _ in range(len(it.genders)):
            row.append(f"{rng.choice(words)}{n}")
            n += 1
        out.append(row)
    return out


def reason(rules_text: str, items: list[D.Item], people: list[list[str]], relations,
           progress: bool = False, candidates: tuple | None = None) -> list[Outcome]:
    """Every item's answer, BATCH items per KnowledgeBase, by one open query per KB. `candidates`:
    (text, tags) of induction.candidates_text, asked for the unknown answers."""
    from evals.progress import bar as tqdm
    back = {name(r): r for r in relations}
    if candidates:
        candidates = (*candidates, rule_support(rules_text))
    out: list[Outcome] = []
    for lo in tqdm(range(0, len(items), BATCH), desc="scientia", disable=not progress, leave=False):
        out += _reason_batch(rules_text, items[lo:lo + BATCH], people[lo:lo + BATCH], back, candidates)
    return out


def _reason_batch(rules_text, items, people, back, candidates=None) -> list[Outcome]:
    from engine import KnowledgeBase
    from engine.errors import ScientiaError
    kb = KnowledgeBase()
    found = defaultdict(list)
    try:
        kb.tell(rules_text)
        kb.tell("\n".join(f for it, ps in zip(items, people) for f in item_facts(it, ps)))
        for a in kb.ask_all("ans(X, Y, R)"):
            found[a.bindings["X"]].append(a)
    except ScientiaError:            # a refused tell or a failed query: every item of the batch is unknown
        return [Outcome(None, (), None) for _ in items]
    outcomes = [_outcome(kb, found.get(ps[a], []), back) for it, ps in zip(items, people) for a in it.ends[:1]]
    if candidates and any(o.answer is None for o in outcomes):
        outcomes = _with_candidates(kb, items, people, outcomes, back, candidates)
    return outcomes


def rule_support(rules_text: str) -> dict:
    """{line: training rows} for every induced rule of kb_text (the line after its '% N examples' comment)."""
    lines = rules_text.splitlines()
    return {i + 2: int(m.group(1)) for i, line in enumerate(lines[:-1])
            if (m := re.match(r"% (\d+) examples", line))}


def _support(proof_text: str, tags: dict, lines: dict) -> int | None:
    """The least training support of the compositions a candidate's proof uses: its via(cN) steps and the
    induced rules it applies (rules_text is the batch KB's first tell); None: no composition (told facts)."""
    used = [tags[t][1] for t in re.findall(r"\bvia\((c\d+)\)", proof_text)]
    used += [lines[int(n)] for n in re.findall(r"\[rule <tell#1>:(\d+):", proof_text) if int(n) in lines]
    return min(used, default=None)


def _with_candidates(kb, items, people, outcomes, back, candidates) -> list[Outcome]:
    """The unknown answers' candidates: cand(X, Y, R) from the candidate layer, each proof re-checked by the
    kernel; support = the least support of the compositions its proof uses (_support)."""
    from dataclasses import replace
    from engine.errors import ScientiaError
    text, tags, lines = candidates
    found = defaultdict(list)
    try:
        kb.tell(text)
        for a in kb.ask_all("cand(X, Y, R)"):
            found[a.bindings["X"]].append(a)
    except ScientiaError:
        return outcomes
    out = []
    for it, ps, o in zip(items, people, outcomes):
        if o.answer is not None:
            out.append(o)
            continue
        cands = []
        for a in found.get(ps[it.ends[0]], []):
            query = f"cand({a.bindings['X']}, {a.bindings['Y']}, {a.bindings['R']})"
            try:
                kb.verify(a.proof, query)
                verdict = "accepted"
            except ScientiaError:
                verdict = "rejected"
            cands.append((back.get(a.bindings["R"], a.bindings["R"]), _support(str(a.proof), tags, lines), verdict))
        rank = lambda c: float("inf") if c[1] is None else c[1]
        cands.sort(key=lambda c: (-rank(c), c[0]))
        ok = [c for c in cands if c[2] == "accepted"]
        best = ok[0][0] if ok and (len(ok) == 1 or rank(ok[1]) < rank(ok[0])) else None
        out.append(replace(o, candidates=tuple(cands), best=best))
    return out


def _outcome(kb, answers, back) -> Outcome:
    from engine.errors import ScientiaError
    derived = tuple(sorted(back.get(a.bindings["R"], a.bindings["R"]) for a in answers))
    if len(answers) != 1:
        return Outcome(None, derived, None)
    a = answers[0]
    query = f"ans({a.bindings['X']}, {a.bindings['Y']}, {a.bindings['R']})"
    try:
        kb.verify(a.proof, query)
    except ScientiaError:            # ProofError, or a proof that could not be rebuilt
        return Outcome(None, derived, "rejected")
    return Outcome(derived[0], derived, "accepted", best=derived[0])


def relations_of(items: list[D.Item]) -> set:
    return {r for it in items for r in (*it.edges, it.target)}


# ---------------------------------------------------------------- scoring
def score(items: list[D.Item], predictions) -> dict:
    """{"k=2": {"accuracy", "n"}, ..., "all": ...} for predicted relations (None = unknown)."""
    hits, totals = defaultdict(int), defaultdict(int)
    for it, pred in zip(items, predictions):
        cat = f"k={it.k}"
        totals[cat] += 1
        hits[cat] += pred == it.target
    res = {c: {"accuracy": hits[c] / totals[c], "n": totals[c]} for c in sorted(totals, key=lambda c: int(c[2:]))}
    n = sum(totals.values())
    res["all"] = {"accuracy": sum(hits.values()) / n if n else 0.0, "n": n}
    return res


def scientia_stats(outcomes: list[Outcome], wall: float) -> dict:
    answered = [o for o in outcomes if o.proof is not None]
    cands = [c for o in outcomes for c in o.candidates]
    return {"answers": len(outcomes), "proofs": len(answered),
            "proofs_accepted": sum(o.proof == "accepted" for o in answered),
            "unknown": sum(o.answer is None for o in outcomes),
            "ambiguous": sum(len(o.derived) > 1 for o in outcomes),
            "unknown_with_candidates": sum(bool(o.candidates) for o in outcomes),
            "best_supported_answers": sum(o.answer is None and o.best is not None for o in outcomes),
            "candidate_proofs": len(cands), "candidate_proofs_accepted": sum(c[2] == "accepted" for c in cands),
            "wall_s": round(wall, 2)}


def unknown_examples(test, outcomes, n: int = 5) -> list[dict]:
    """The first unknown answers with their candidates and support."""
    return [{"source": it.source, "edges": list(it.edges), "story": list(it.pairs), "query": list(it.ends),
             "target": it.target, "derived": list(o.derived),
             "candidates": [{"relation": r, "support": s, "proof": v} for r, s, v in o.candidates],
             "best_supported": o.best}
            for it, o in zip(test, outcomes) if o.answer is None][:n]


# ---------------------------------------------------------------- data
def load(quick: bool, seed: int, data_dir: str | None, nonchain: float = 0.0) -> tuple[list, list, list]:
    """Training items, test items (k = 2..10, in order), notes."""
    size, notes = SIZES[quick], []
    if data_dir:
        train, tests, notes = D.load_dir(data_dir)
        if size["real_train"] and len(train) > size["real_train"]:
            train = random.Random(f"clutrr-sub:{seed}").sample(train, size["real_train"])
            notes.append(f"quick: a random {size['real_train']} of the training rows")
    else:
        train = [it for k in (2, 3) for it in D.generate(k, size["train"], seed, tag="train")]
        tests = {}
        notes.append(f"train: {len(train)} generated chains (k=2, 3)")
    if tests:
        test = [it for k in sorted(tests) for it in tests[k]]
        notes.append("test: " + ", ".join(f"k={k}: {len(v)}" for k, v in sorted(tests.items())))
    else:
        test = [it for k in TEST_KS for it in D.generate(k, size["test"], seed, tag="test", nonchain=nonchain)]
        notes.append(f"test: no test files; {size['test']} generated stories per k = 2..10 "
                     "(CLUTRR recipe on random family trees, labels read off the trees)"
                     + (f", {sum(not it.is_chain for it in test)} of them with an extra edge (not chains)"
                        if nonchain else ""))
    return train, test, notes


# ---------------------------------------------------------------- the task
def scientia_run(train, test, people, progress, mapping=None) -> tuple[list[Outcome], dict]:
    t0 = time.perf_counter()
    induction = induce(train)
    relations = relations_of(train)
    text = kb_text(induction, relations, mapping)
    outcomes = reason(text, test, people, relations, progress, candidates_text(induction, relations))
    return outcomes, {"induction": induction, "kb_text": text, "wall_s": time.perf_counter() - t0}


def baseline_runs(train, tests: dict, val: list, *, seed, quick, progress) -> tuple[dict, dict]:
    """Each baseline trained on `train` with its CONFIGS entry (early stop on `val`), scored on `tests`."""
    from evals.neural.config import Config
    from evals.neural.train import train_eval
    pairs = lambda items: [(it.tokens(), it.target) for it in items]
    systems, training = {}, {}
    for kind in BASELINES:
        systems[kind], training[kind] = train_eval(kind, pairs(train), {c: pairs(v) for c, v in tests.items()},
                                                   seed=seed, quick=quick, progress=progress, val=pairs(val),
                                                   config=Config(**CONFIGS[quick][kind]))
        training[kind]["validation"] = f"{len(val)} generated chains k=4..7 (tag 'validation', no test chain)"
    return systems, training


def by_k(items) -> dict:
    out = defaultdict(list)
    for it in items:
        out[f"k={it.k}"].append(it)
    return dict(sorted(out.items(), key=lambda kv: int(kv[0][2:])))


def renamed_relations(train, test, seed) -> tuple[list, list, dict]:
    rels = sorted(relations_of(train) | relations_of(test))
    mapping = dict(zip(rels, D.nonsense_names(len(rels), seed + 11)))
    return D.rename_relations(train, mapping), D.rename_relations(test, mapping), mapping


def validation(test, seed, quick) -> list:
    """The baselines' validation chains (k = 4..7, never a test chain), with relations the test set knows."""
    from evals.clutrr.sweep import validation_items
    known = relations_of(test)
    return [it for it in validation_items(test, VAL_PER_K[quick], seed) if relations_of([it]) <= known]


def subset_per_k(items, n: int) -> list:
    return [it for group in by_k(items).values() for it in group[:n]]


def run(*, quick: bool = False, seed: int = 0, progress: bool = True, data_dir: str | None = None,
        baselines: bool = True, nonchain: float = 0.0) -> dict:
    t0 = time.perf_counter()
    train, test, notes = load(quick, seed, data_dir, nonchain)
    outcomes, sci = scientia_run(train, test, plain_people(test), progress)
    categories = list(by_k(test))
    result = {"task": TASK, "axis": "k", "categories": categories,
              "systems": {"scientia": score(test, [o.answer for o in outcomes]),
                          BEST: score(test, [o.best for o in outcomes])},
              "scientia": scientia_stats(outcomes, sci["wall_s"]), "training": {}, "logical": True,
              "notes": notes, "data": {"train": len(train), "test": len(test)}}
    result["rules"] = {r.text(): {"support": len(r.sources), "against": r.disagree, "rows": list(r.sources)}
                       for r in sci["induction"].rules.values()}
    result["induction"] = _induction_summary(sci["induction"])
    result["kb_text"] = sci["kb_text"]
    result["scientia"]["example"] = _example(test, outcomes, sci["kb_text"])
    result["scientia"]["unknown_examples"] = unknown_examples(test, outcomes)
    result["data"]["test_not_chains"] = sum(not it.is_chain for it in test)
    result["renamed"], renamed_sets = _renamed_scientia(train, test, seed, progress)
    result["renamed_relation_names"] = renamed_sets[2]
    notes.append("renamed, scientia: 'all' = every relation name replaced by a nonsense word in training and "
                 "test (rules re-induced) and every person by a fresh nonsense constant; 'persons' = person "
                 "constants only, same rules")
    if baselines:
        val = validation(test, seed, quick)
        systems, training = baseline_runs(train, by_k(test), val, seed=seed, quick=quick, progress=progress)
        result["systems"].update(systems)
        result["training"] = training
        result["renamed"].update(_renamed_baselines(train, test, val, renamed_sets, seed, quick, progress))
        size = SIZES[quick]
        notes.append(f"renamed, baselines (see no person names): relations renamed, retrained (reduced size: "
                     f"{size['renamed_train']} training chains, validation chains renamed alike, "
                     f"{size['renamed_test']} test chains per k); 'control' = the same without renaming")
    result["wall_s"] = round(time.perf_counter() - t0, 2)
    return result


def _renamed_scientia(train, test, seed, progress) -> tuple[dict, tuple]:
    """Persons renamed (same rules); relations renamed in training and test (rules re-induced)."""
    persons, _ = scientia_run(train, test, nonsense_people(test, seed), progress)
    r_train, r_test, mapping = renamed_relations(train, test, seed)
    both, _ = scientia_run(r_train, r_test, nonsense_people(r_test, seed + 1), progress, mapping)
    res = score(r_test, [o.answer for o in both])
    return {"scientia": {"all": res["all"], "persons": score(test, [o.answer for o in persons])["all"],
                         "relations_and_persons": res}}, (r_train, r_test, mapping)


def _renamed_baselines(train, test, val, renamed_sets, seed, quick, progress) -> dict:
    """Baselines retrained on renamed relations (reduced size), and the same subset unrenamed."""
    size = SIZES[quick]
    r_train, r_test, mapping = renamed_sets
    r_val = D.rename_relations(val, mapping)
    pick = random.Random(f"clutrr-renamed:{seed}").sample(range(len(train)), min(len(train), size["renamed_train"]))
    keep = lambda items: by_k(subset_per_k(items, size["renamed_test"]))
    runs = [baseline_runs([t[i] for i in pick], keep(v), w, seed=seed, quick=quick, progress=progress)[0]
            for t, v, w in ((r_train, r_test, r_val), (train, test, val))]
    return {kind: {"all": runs[0][kind]["all"], "control": runs[1][kind]["all"], "by_k": runs[0][kind]}
            for kind in BASELINES}


def _induction_summary(induction) -> dict:
    return {"rules": len(induction.rules), "gender_conditioned": sum(1 for k in induction.rules if k[2]),
            "dropped": len(induction.dropped), "examples": induction.examples, "rounds": induction.rounds,
            "dropped_candidates": {f"{a} . {b} ({g})": dict(c) for (a, b, g), c in induction.dropped.items()}}


def _example(test, outcomes, rules_text) -> dict | None:
    """The first correctly answered story of length >= 4, asked again alone, with its proof."""
    picks = [(it, o) for it, o in zip(test, outcomes) if o.answer == it.target and it.k >= 4]
    if not picks:
        return None
    it, o = picks[0]
    people = [f"p{j}" for j in range(len(it.genders))]
    from engine import KnowledgeBase
    kb = KnowledgeBase()
    kb.tell(rules_text)
    kb.tell("\n".join(item_facts(it, people)))
    a, b = it.ends
    query = f"rel(p{a}, p{b}, {name(o.answer)})"
    ans = kb.ask(query)
    return {"edges": list(it.edges), "story": list(it.pairs), "genders": list(it.genders), "target": it.target,
            "query": query, "verdict": ans.verdict.name.lower(), "proof": str(ans.proof)}


# ---------------------------------------------------------------- CLI
def table(result: dict) -> str:
    cats = result["categories"] + ["all"]
    rows = [f"{'system':26}" + "".join(f"{c:>7}" for c in cats) + f"{'renamed':>9}{'control':>9}"]
    first = next(iter(result["systems"].values()))
    rows.append(f"{'n (rows)':26}" + "".join(f"{first[c]['n']:7d}" for c in cats))
    for sys_name, res in result["systems"].items():
        ren = result["renamed"].get(sys_name, {})
        acc = lambda key: ren.get(key, {}).get("accuracy", float("nan"))
        control = acc("control") if "control" in ren else res["all"]["accuracy"]
        rows.append(f"{sys_name:26}" + "".join(f"{res[c]['accuracy']:7.3f}" for c in cats)
                    + f"{acc('all'):9.3f}{control:9.3f}")
    return "\n".join(rows)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--clutrr", metavar="DIR", help="CLUTRR csv folder (*train*.csv, 1.k_test.csv)")
    ap.add_argument("--nonchain", type=float, default=0.0, metavar="F",
                    help="generated test stories: this fraction gets an extra edge (not chains)")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--json", metavar="OUT", help="write the result dict here")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the suite's setting: 1)")
    args = ap.parse_args(argv)
    if not args.no_baselines:
        import torch
        torch.set_num_threads(args.threads)
    r = run(quick=args.quick, seed=args.seed, progress=not args.no_progress, data_dir=args.clutrr,
            baselines=not args.no_baselines, nonchain=args.nonchain)
    print(table(r))
    print("scientia:", {k: v for k, v in r["scientia"].items() if k != "example"})
    print("induction:", {k: v for k, v in r["induction"].items() if k != "dropped_candidates"})
    for note in r["notes"]:
        print("note:", note)
    for kind, info in r["training"].items():
        print(kind, info)
    print("wall_s:", r["wall_s"])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(r, f, indent=1)


if __name__ == "__main__":
    main()
