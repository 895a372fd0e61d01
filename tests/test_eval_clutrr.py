"""The kinship-chain task (CLUTRR protocol): generator, reader, rule induction, reasoning, run."""
import json
import random

import pytest

from evals.clutrr import task as clutrr
from evals.clutrr import data as D
from evals.clutrr.induction import induce, kb_text

# Written by hand from the meaning of the words (node order: X -first-> Y -second-> Z,
# the value is what Z is to X). Only compositions that hold in every family tree.
KNOWN = {("father", "father"): "grandfather", ("mother", "father"): "grandfather",
         ("father", "mother"): "grandmother", ("son", "son"): "grandson", ("daughter", "daughter"): "granddaughter",
         ("father", "brother"): "uncle", ("mother", "sister"): "aunt", ("brother", "son"): "nephew",
         ("sister", "daughter"): "niece", ("wife", "father"): "father-in-law",
         ("husband", "mother"): "mother-in-law", ("son", "wife"): "daughter-in-law",
         ("daughter", "husband"): "son-in-law", ("father", "son"): "brother", ("mother", "daughter"): "sister",
         ("brother", "brother"): "brother", ("sister", "father"): "father", ("husband", "son"): "son",
         ("son", "brother"): "son", ("grandson", "sister"): "granddaughter"}
MALE_WORDS = set(D.MALE)


def trees(n=4):
    for seed in range(n):
        t = D.family_tree(random.Random(seed))
        yield t, D.relatives(t)


def test_tree_relations_agree_with_known_compositions():
    seen = set()
    for tree, table in trees():
        for a in range(len(tree.gender)):
            for c, r1 in table[a].items():
                for b, r2 in table[c].items():
                    if b != a and (r1, r2) in KNOWN:
                        assert D.relation(table, a, b) == KNOWN[(r1, r2)], (r1, r2)
                        seen.add((r1, r2))
    assert seen == set(KNOWN)


def test_unsound_clutrr_patterns_have_two_readings_in_trees():
    readings = {}
    for tree, table in trees(6):
        for a in range(len(tree.gender)):
            for c, r1 in table[a].items():
                for b, r2 in table[c].items():
                    if b != a and (r1, r2) == ("son", "grandfather"):
                        readings.setdefault(D.relation(table, a, b), 0)
    assert {"father", "father-in-law"} <= set(readings)


def test_generated_chains_are_labelled_from_the_tree():
    items = D.generate(2, 200, seed=1) + D.generate(6, 50, seed=1)
    for it in items:
        assert len(it.genders) == it.k + 1
        for edge, gender in zip(it.edges, it.genders[1:]):
            assert (edge in MALE_WORDS) == (gender == "male")
        assert (it.target in MALE_WORDS) == (it.genders[-1] == "male")
        if it.k == 2 and it.edges in KNOWN:
            assert it.target == KNOWN[it.edges]
    assert D.generate(6, 50, seed=1) == items[200:]           # seeded
    assert {it.k for it in D.generate(10, 5, seed=0)} == {10}


def test_induction_recovers_known_rules_with_provenance():
    train = D.generate(2, 400, seed=0) + D.generate(3, 400, seed=0)
    ind = induce(train)
    for (first, second), head in KNOWN.items():
        rule = ind.rules[(first, second, None)]
        assert rule.head == head and len(rule.sources) >= 2 and rule.disagree == 0
    text = kb_text(ind, clutrr.relations_of(train))
    assert "grandfather(X, Z) :- father(X, Y), father(Y, Z), X != Z." in text
    assert "% " in text.split("grandfather(X, Z) :- father(X, Y), father(Y, Z), X != Z.")[0].splitlines()[-1]
    assert "son(Y, X) :- father(X, Y), male(X)." in text and "daughter(Y, X) :- father(X, Y), female(X)." in text


def item(edges, genders, target, src="t"):
    return D.Item(tuple(edges), tuple(genders), target, src)


def test_length3_chains_teach_new_rules_and_contradictions_drop():
    m, f = "male", "female"
    train = [item(["brother", "father"], [m, m, m], "father", "a"), item(["brother", "father"], [f, m, m], "father", "b"),
             item(["brother", "father", "father"], [m, m, m, m], "grandfather", "c"),
             item(["brother", "father", "father"], [f, m, m, m], "grandfather", "d"),
             item(["son", "grandfather"], [m, m, m], "father", "e"), item(["son", "grandfather"], [f, m, m], "father", "f"),
             item(["son", "grandfather"], [f, m, m], "father-in-law", "g")]
    ind = induce(train)
    assert ind.rules[("father", "father", None)].sources == ("c", "d")       # learned from length 3 only
    assert ("son", "grandfather", None) not in ind.rules
    assert ("son", "grandfather", "male") in ind.dropped


def test_unseen_composition_answers_unknown():
    # father . mother unseen, and son . son too (the route back through the inverses: p2's son p1's son p0)
    train = [it for it in D.generate(2, 300, seed=2) if it.edges not in (("father", "mother"), ("son", "son"))]
    relations = clutrr.relations_of(train)
    text = kb_text(induce(train), relations)
    tests = [item(["father", "mother"], ["male", "male", "female"], "grandmother"),
             item(["father", "father"], ["male", "male", "male"], "grandfather")]
    out = clutrr.reason(text, tests, clutrr.plain_people(tests), relations)
    assert out[0].answer is None and out[0].derived == () and out[0].proof is None
    assert out[1].answer == "grandfather" and out[1].proof == "accepted"


HEADER = ",id,story,query,text_query,target,text_target,clean_story,proof_state,f_comb,task_name," \
         "story_edges,edge_types,query_edge,genders,syn_story,node_mapping,task_split\n"
ROWS = [
    '0,a1,[Ann] met her son [Bob]. [Bob] has a son [Carl].,"(\'Ann\', \'Carl\')",,grandson,,,,son-son,task_1.2,'
    '"[(0, 1), (1, 2)]","[\'son\', \'son\']","(0, 2)","Ann:female,Bob:male,Carl:male",,,train\n',
    '1,a2,story,"(\'Dan\', \'Fay\')",,father-in-law,,,,wife-sister-father,task_1.3,'
    '"[(0, 1), (1, 2), (2, 3)]","[\'wife\', \'sister\', \'father\']","(0, 3)",'
    '"Dan:male,Eve:female,Gil:female,Fay:male",,,train\n',
    '2,a3,story,"(\'Hal\', \'Ida\')",,sister,,,,x,task_1.2,"[(0, 1), (0, 2)]","[\'brother\', \'sister\']",'
    '"(1, 2)","Hal:male,Jo:male,Ida:female",,,train\n',
]


def test_real_format_csv_is_read(tmp_path):
    (tmp_path / "data_train.csv").write_text(HEADER + "".join(ROWS))
    (tmp_path / "1.4_test.csv").write_text(HEADER + ROWS[0] + ROWS[2])
    train, tests, notes = D.load_dir(str(tmp_path))
    assert [it.edges for it in train] == [("son", "son"), ("wife", "sister", "father"), ("brother", "sister")]
    assert train[0].genders == ("female", "male", "male") and train[0].target == "grandson"
    assert train[1].target == "father-in-law" and train[1].k == 3
    assert train[0].tokens() == ["female", "son", "male", "son", "male"]
    third = train[2]                                               # not a chain: read, never skipped
    assert not third.is_chain and third.pairs == ((0, 1), (0, 2)) and third.ends == (1, 2) and third.k == 2
    assert third.tokens() == ["n0", "male", "brother", "n1", "male", "n0", "male", "sister", "n2", "female",
                              "?", "n1", "n2"]
    assert list(tests) == [4] and tests[4][0].edges == ("son", "son") and len(tests[4]) == 2
    assert {it.k for it in tests[4]} == {4}                        # the file's k
    assert "data_train.csv (3 rows, 1 not chains)" in notes[0] and "1.4_test.csv (2 rows, 1 not chains)" in notes[1]
    # Scientia reads the story's edges as facts, whatever their shape: Jo (n1) is Hal's brother, Ida (n2)
    # Hal's sister, so Ida is Jo's sister: composed through Hal, the brother edge read backwards.
    gen = [it for k in (2, 3) for it in D.generate(k, 300, seed=4, tag="train")]
    out = clutrr.reason(kb_text(induce(gen), clutrr.relations_of(gen)), [third], clutrr.plain_people([third]),
                        clutrr.relations_of(gen))
    assert out[0].answer == "sister" and out[0].proof == "accepted"


@pytest.mark.parametrize("field, value", [("story_edges", '"[(0, 1), (1, 5)]"'), ("genders", '"Ann:female,Bob"'),
                                          ("edge_types", '"[\'son\']"'), ("query_edge", '"(0,)"')])
def test_unreadable_row_fails_naming_file_and_row(tmp_path, field, value):
    cols = HEADER.strip().split(",")
    good = next(__import__("csv").reader([ROWS[0].strip()]))
    row = dict(zip(cols, good))
    row[field] = value.strip('"')
    import csv as _csv
    import io
    buf = io.StringIO()
    w = _csv.DictWriter(buf, fieldnames=cols)
    w.writeheader()
    w.writerow(dict(zip(cols, good)))
    w.writerow(row)
    (tmp_path / "x_train.csv").write_text(buf.getvalue())
    with pytest.raises(D.RowError, match=r"x_train\.csv: row 1 "):
        D.load_dir(str(tmp_path))


def test_nonchain_stories_are_generated_and_answered_by_the_engine():
    stories = [it for k in (2, 4, 7) for it in D.generate(k, 30, seed=3, tag="nc", nonchain=1.0)]
    assert all(not it.is_chain for it in stories)
    assert {s.split(":")[-1] for s in (it.source for it in stories)} == set(D.EXTRA_KINDS)
    for it in stories:
        assert len(it.edges) == len(it.pairs) == it.k + 1
        nodes = {x for e in it.pairs for x in e}
        assert nodes == set(range(len(it.genders))) and set(it.ends) <= nodes
    assert any((v, u) in it.pairs for it in stories for (u, v) in it.pairs)          # a back edge
    assert D.generate(4, 30, seed=3, tag="nc", nonchain=1.0) == stories[30:60]      # seeded
    assert D.generate(4, 10, seed=3, tag="train") == D.generate(4, 10, seed=3, tag="train", nonchain=0.0)
    train = [it for k in (2, 3) for it in D.generate(k, 400, seed=0, tag="train")]
    relations = clutrr.relations_of(train)
    out = clutrr.reason(kb_text(induce(train), relations), stories, clutrr.plain_people(stories), relations)
    assert [o.answer for o in out] == [it.target for it in stories]
    assert all(o.proof == "accepted" for o in out)


def test_back_edges_need_distinct_people_and_inverses():
    m, f = "male", "female"
    train = [it for k in (2, 3) for it in D.generate(k, 400, seed=0, tag="train")]
    relations = clutrr.relations_of(train)
    text = kb_text(induce(train), relations)
    # Ann -brother-> Bob, Bob -sister-> Ann (the back edge), Bob -son-> Carl: Carl is Ann's nephew. Without
    # X != Z, sister . brother would make Bob his own brother, and Carl Bob's nephew as well as his son.
    back = item(["brother", "sister", "son"], [f, m, m], "nephew", "b")
    back = D.Item(back.edges, back.genders, "nephew", "b", ((0, 1), (1, 0), (1, 2)), (0, 2), 2)
    # only backwards: Dan is Eve's son (so Eve is Dan's mother), Fay is Eve's mother: Fay is Dan's grandmother
    inv = D.Item(("son", "mother"), (m, f, f), "grandmother", "i", ((1, 0), (1, 2)), (0, 2), 2)
    out = clutrr.reason(text, [back, inv], clutrr.plain_people([back, inv]), relations)
    assert [(o.answer, o.proof) for o in out] == [("nephew", "accepted"), ("grandmother", "accepted")]


def test_ambiguous_composition_names_candidates_with_support():
    m, f = "male", "female"
    train = [item(["son", "grandfather"], [m, m, m], "father", f"a{i}") for i in range(3)] \
        + [item(["son", "grandfather"], [f, m, m], "father-in-law", "b0")] \
        + [item(["father", "brother"], [m, m, m], "uncle", f"u{i}") for i in range(2)]
    ind = induce(train)
    relations = clutrr.relations_of(train)
    test = [item(["son", "grandfather"], [m, m, m], "father"),
            item(["son", "grandfather", "brother"], [m, m, m, m], "uncle")]
    out = clutrr.reason(kb_text(ind, relations), test, clutrr.plain_people(test), relations,
                        candidates=induction_candidates(ind, relations))
    assert [o.answer for o in out] == [None, None]                     # the certain answer stays unknown
    assert out[0].candidates == (("father", 3, "accepted"), ("father-in-law", 1, "accepted"))
    assert out[0].best == "father"
    assert {c[0] for c in out[1].candidates} == {"uncle"} and out[1].best == "uncle"     # composed onwards
    assert out[1].candidates[0][1] == 2                               # the weakest link: uncle's 2 rows
    # a tie names no best candidate
    tie = train + [item(["son", "grandfather"], [f, m, m], "father-in-law", "b1"),
                   item(["son", "grandfather"], [f, m, m], "father-in-law", "b2")]
    ind = induce(tie)
    out = clutrr.reason(kb_text(ind, relations), test[:1], clutrr.plain_people(test[:1]), relations,
                        candidates=induction_candidates(ind, relations))
    assert out[0].answer is None and out[0].best is None and {c[1] for c in out[0].candidates} == {3}


def induction_candidates(ind, relations):
    from evals.clutrr.induction import candidates_text
    return candidates_text(ind, relations)


def test_score_counts_every_row_per_k():
    its = [item(["son", "son"], ["male"] * 3, "grandson")] * 3 + [item(["son"] * 4, ["male"] * 5, "x")] * 2
    res = clutrr.score(its, ["grandson", None, "grandson", "x", "y"])
    assert res["k=2"] == {"accuracy": 2 / 3, "n": 3} and res["k=4"] == {"accuracy": 0.5, "n": 2}
    assert res["all"]["n"] == 5


def stub_train_eval(kind, train, tests, **kw):
    res = {c: {"accuracy": 0.5, "n": len(v)} for c, v in tests.items()}
    res["all"] = {"accuracy": 0.5, "n": sum(len(v) for v in tests.values())}
    return res, {"kind": kind, "lr": 1e-3, "epochs": 1, "train_acc": 1.0, "seconds": 0.0, "params": 1}


def test_quick_run_scientia_and_result_shape(monkeypatch):
    pytest.importorskip("torch")          # the run imports the baselines' module (stubbed below)
    import evals.neural.train
    monkeypatch.setattr(evals.neural.train, "train_eval", stub_train_eval)
    r = clutrr.run(quick=True, progress=False)
    assert r["task"] == "clutrr" and r["axis"] == "k" and r["logical"] is True
    assert r["categories"] == [f"k={k}" for k in range(2, 11)]
    assert set(r["systems"]) == {"scientia", clutrr.BEST, "lstm", "transformer", "transformer_rel"}
    assert all(v["n"] == 20 for c, v in r["systems"][clutrr.BEST].items() if c != "all")
    for res in r["systems"].values():
        assert set(res) == set(r["categories"]) | {"all"}
        assert all(0.0 <= v["accuracy"] <= 1.0 and isinstance(v["accuracy"], float) for v in res.values())
    assert r["systems"]["scientia"]["all"]["accuracy"] >= 0.99
    s = r["scientia"]
    assert s["proofs"] == s["proofs_accepted"] == s["answers"] - s["unknown"] and s["answers"] == 180
    for name in set(r["systems"]) - {clutrr.BEST}:
        assert 0.0 <= r["renamed"][name]["all"]["accuracy"] <= 1.0
    assert "n (rows)" in clutrr.table(r) and clutrr.BEST in clutrr.table(r)
    assert r["renamed"]["scientia"]["all"]["accuracy"] >= 0.99
    assert r["renamed"]["scientia"]["persons"]["accuracy"] >= 0.99
    assert set(r["training"]) == {"lstm", "transformer", "transformer_rel"}
    assert r["rules"] and all(v["rows"] for v in r["rules"].values())
    assert r["scientia"]["example"]["verdict"] == "true"


# ---------------------------------------------------------------- the baselines' sweep (evals/clutrr/sweep.py)
def csv_rows(items) -> str:
    """Items in the CLUTRR csv format (as ROWS above)."""
    out = []
    for i, it in enumerate(items):
        genders = ",".join(f"P{j}:{g}" for j, g in enumerate(it.genders))
        pairs = ", ".join(f"({j}, {j + 1})" for j in range(it.k))
        out.append(f'{i},x{i},story,"(\'P0\', \'P{it.k}\')",,{it.target},,,,x,task_1.{it.k},"[{pairs}]",'
                   f'"{list(it.edges)}","(0, {it.k})","{genders}",,,train\n')
    return "".join(out)


def test_sweep_cli_writes_every_run_and_selects(tmp_path, capsys):
    pytest.importorskip("torch")
    from evals.clutrr import sweep as S
    items = [it for k in (2, 3) for it in D.generate(k, 40, 5, tag="train")]
    (tmp_path / "x_train.csv").write_text(HEADER + csv_rows(items))
    out = tmp_path / "sweep.json"
    S.main(["--clutrr", str(tmp_path), "--out", str(out), "--quick", "--workers", "2", "--seeds", "0",
            "--kinds", "lstm", "transformer_rel", "--budget-s", "300"])
    r = json.loads(out.read_text())
    assert r["meta"]["train"] == 80 and r["meta"]["runs_planned"] == 4 and r["meta"]["not_started"] == 0
    assert len(r["runs"]) == 4
    for run in r["runs"]:
        assert "error" not in run, run.get("error")
        assert run["kind"] in ("lstm", "transformer_rel") and run["seed"] == 0 and run["device"] == "cpu"
        assert set(run["test"]) == {f"k={k}" for k in range(2, 11)} and 0 <= run["val"] <= 1
        assert run["config"]["epochs"] == 2 and run["epochs"] <= 2 and run["seconds"] >= 0
        assert 0 <= run["train_acc"] <= 1
    assert set(r["selected"]) == {"lstm", "transformer_rel"}
    assert r["selected"]["lstm"] in r["summary"]["lstm"]
    assert "selected (by validation)" in capsys.readouterr().out


def test_sweep_validation_is_apart_from_the_test_chains():
    pytest.importorskip("torch")
    from evals.clutrr import sweep as S
    test = [it for k in range(2, 11) for it in D.generate(k, 30, 0, tag="test")]
    val = S.validation_items(test, 30, 0)
    assert val and {it.k for it in val} == {4, 5, 6, 7}
    assert not {(it.edges, it.genders) for it in val} & {(it.edges, it.genders) for it in test}


def test_sweep_selects_by_validation_not_test():
    pytest.importorskip("torch")
    from evals.clutrr import sweep as S
    run = lambda name, seed, val, k10: {"kind": "lstm", "name": name, "seed": seed, "config": {}, "device": "cpu",
                                        "val": val, "train_acc": 1.0, "seconds": 1.0, "epochs": 3,
                                        "test": {"k=4": k10, "k=10": k10}}
    runs = [run("a", 0, 0.9, 0.1), run("a", 1, 0.8, 0.1), run("b", 0, 0.7, 0.9), run("b", 1, 0.7, 0.9),
            {"kind": "lstm", "name": "c", "seed": 0, "config": {}, "error": "boom"}]
    summary = S.summarize(runs)
    assert set(summary["lstm"]) == {"a", "b"} and summary["lstm"]["a"]["val"] == 0.85
    assert S.select(summary) == {"lstm": "a"}                 # b has the better test accuracy, a the better val
    assert "*a" in S.table({"summary": summary, "selected": S.select(summary)}).replace(" ", "")
    jobs = S.jobs(S.GRID, [0, 1])
    assert jobs[0][:2] == ("lstm", S.GRID["lstm"][0][0]) and jobs[0][3] == 0 and jobs[1][3] == 1
    assert 90 <= len(S.jobs(S.GRID, [0, 1, 2])) <= 200
