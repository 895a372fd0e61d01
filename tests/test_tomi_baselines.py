"""evals/tomi/baselines.py on hand-written stories in ToMi's layout (temp files; no test reads
/work/shared): the token sequences and labels, the categories, the renamed variant's structure,
and tiny training runs end to end (shapes and keys, never an accuracy level)."""
from __future__ import annotations

import pytest

from evals.tomi import baselines as bl
from evals.tomi.reader import names, read
from evals.tomi.task import run, suite_result

STORY = ["1 Oliver dislikes the kitchen", "2 Carter entered the porch.", "3 Abigail entered the porch.",
         "4 The potato is in the green_suitcase.", "5 Abigail exited the porch.",
         "6 Abigail entered the TV_room.", "7 Carter moved the potato to the green_envelope."]
QUESTIONS = [
    ("Where was the potato at the beginning?\tgreen_suitcase\t1", "memory"),
    ("Where will Carter look for the potato?\tgreen_envelope\t1", "first_order_0_no_tom"),
    ("Where does Carter think that Abigail searches for the potato?\tgreen_suitcase\t1", "second_order_0_tom"),
    ("Where is the potato really?\tgreen_envelope\t1", "reality"),
    ("Where will Abigail look for the potato?\tgreen_suitcase\t1", "first_order_1_tom"),
    # the known label issue: a second-order control whose gold is the true location
    ("Where does Carter think that Abigail searches for the potato?\tgreen_envelope\t1", "second_order_0_no_tom"),
]
OTHER = ["1 Mia entered the garage.", "2 Noah entered the garage.", "3 The apple is in the red_box.",
         "4 Noah exited the garage.", "5 Mia moved the apple to the blue_crate."]
OTHER_QUESTIONS = [("Where was the apple at the beginning?\tred_box\t1", "memory"),
                   ("Where is the apple really?\tblue_crate\t1", "reality"),
                   ("Where will Noah look for the apple?\tred_box\t1", "first_order_1_tom"),
                   ("Where will Mia look for the apple?\tblue_crate\t1", "first_order_0_no_tom")]
EVENTS = "enter_agent_0,enter_agent_1,agent_1_exits,agent_0_moves_obj"
TINY = dict(dim=16, heads=2, layers=1, lr=3e-3, target_acc=None, epochs=2, patience=2, fit_acc=0.0)


def write(folder, split, stories):
    txt, trace = [], []
    for story, questions in stories:
        for q, qtype in questions:
            txt += story + [f"{len(story) + 1} {q}"]
            trace.append(f"{EVENTS},{qtype},false_belief")
    (folder / f"fb_all_{split}.txt").write_text("\n".join(txt) + "\n")
    (folder / f"fb_all_{split}.trace").write_text("\n".join(trace) + "\n")
    return read(folder / f"fb_all_{split}.txt", folder / f"fb_all_{split}.trace")


@pytest.fixture
def data(tmp_path):
    val = write(tmp_path, "val", [(STORY, QUESTIONS), (OTHER, OTHER_QUESTIONS)])
    train = write(tmp_path, "train", [(OTHER, OTHER_QUESTIONS), (STORY, QUESTIONS), (OTHER, OTHER_QUESTIONS[:2])])
    return tmp_path, train, val


def test_the_token_sequence_and_the_label(data):
    _, _, val = data
    tokens, label = bl.pair(val[1])
    assert tokens[:6] == ["oliver", "dislikes", "the", "kitchen", ".", "carter"]
    assert tokens[-8:] == ["where", "will", "carter", "look", "for", "the", "potato", "?"]
    assert tokens.count(".") == len(STORY) and tokens.count("?") == 1
    assert "green_envelope" in tokens and "tv_room" in tokens
    assert label == "green_envelope"
    assert all(bl.pair(it)[1] == it.answer for it in val)


def test_encoding_into_ids(data):
    torch = pytest.importorskip("torch")
    from evals.neural.train import encode, vocabularies
    _, train, val = data
    pairs = [bl.pair(it) for it in train]
    tokens, labels = vocabularies(pairs)
    assert set(labels) == {it.answer for it in train}
    width = max(len(s) for s, _ in pairs)
    x, y = encode(pairs, tokens, labels, width)
    assert x.shape == (len(train), width) and x.dtype == torch.long
    assert [labels[it.answer] for it in train] == y.tolist()
    renamed = bl.renamed(val, seed=1)
    rx, ry = encode([bl.pair(it) for it in renamed], tokens, labels, max(len(bl.sequence(it)) for it in renamed))
    assert (ry == -1).all()                         # every renamed answer is outside the answer vocabulary
    first = bl.sequence(renamed[0])
    unk = [t for t, i in zip(first, rx[0].tolist()) if i == 1]
    assert unk and all(t not in tokens for t in unk)  # the fresh names read as <unk>


def test_the_renamed_variant_keeps_the_structure(data):
    _, _, val = data
    renamed = bl.renamed(val, seed=2)
    assert renamed == bl.renamed(val, seed=2)       # deterministic
    for old, new in zip(val, renamed):
        assert (new.index, new.qtype, new.story_type, new.question.kind) == \
               (old.index, old.qtype, old.story_type, old.question.kind)
        assert [type(e) for e in new.story] == [type(e) for e in old.story]
        assert [e.line for e in new.story] == [e.line for e in old.story]
        assert not names(new) & names(old)
        assert len(bl.sequence(new)) == len(bl.sequence(old))
        assert [t for t in bl.sequence(new) if t in {".", "?", "the", "where"}] == \
               [t for t in bl.sequence(old) if t in {".", "?", "the", "where"}]
    records, _ = run(renamed)
    original, _ = run(val)                          # Scientia: the same answers under the new names
    assert [r["correct"] for r in records] == [r["correct"] for r in original] == [i != 5 for i in range(len(val))]


def test_categories_follow_the_question_types_and_the_label_issue(data):
    _, _, val = data
    records, _ = run(val)
    cats = bl.categories(val, records)
    assert list(cats)[:-1] == sorted({it.qtype for it in val}) and list(cats)[-1] == bl.LABEL_CAT
    assert sum(len(v) for c, v in cats.items() if c != bl.LABEL_CAT) == len(val)
    assert [it.question.text for it in cats[bl.LABEL_CAT]] == \
           ["Where does Carter think that Abigail searches for the potato?"]


def test_split_holds_out_whole_stories(data):
    _, train, _ = data
    fit, held = bl.split(train)
    assert fit and held and len(fit) + len(held) == len(train)
    assert not {it.story_id for it in fit} & {it.story_id for it in held}
    assert len(bl.subset(train, 3, seed=0)) == 3 and bl.subset(train, 3, 0) == bl.subset(train, 3, 0)


@pytest.mark.parametrize("kind", bl.KINDS)
def test_a_tiny_training_run_end_to_end(data, kind):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    _, train, val = data
    records, _ = run(val)
    renamed = bl.renamed(val, seed=0)
    r_records, _ = run(renamed)
    tests = {"original": bl.categories(val, records), "renamed": bl.categories(renamed, r_records)}
    res, info = bl.train_test(kind, train, tests, config=TINY)
    assert set(res) == {"original", "renamed"}
    for variant, cats in res.items():
        assert set(cats) == set(tests[variant]) | {"all"}
        for c, v in cats.items():
            assert set(v) == {"accuracy", "n"} and 0.0 <= v["accuracy"] <= 1.0
        assert cats["all"]["n"] == len(val) and cats[bl.LABEL_CAT]["n"] == 1
    assert res["renamed"]["all"]["accuracy"] == 0.0    # no renamed answer is a label it knows
    assert info["kind"] == kind and 1 <= info["epochs"] <= 2 and info["seconds"] >= 0
    assert info["train_items"] + info["held_out_items"] == len(train)
    assert info["test_answers_in_vocabulary"]["renamed"] == f"0/{len(val)}"


def test_compare_and_the_suite_result(data, monkeypatch):
    folder, train, val = data
    monkeypatch.setitem(bl.CONFIG, True, {kind: TINY for kind in bl.KINDS})
    out = bl.compare(train, val, run, quick=True)
    have_torch = True
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        have_torch = False
    names_ = {"scientia", "scientia-renamed"} | ({"lstm", "transformer", "lstm-renamed", "transformer-renamed"}
                                                 if have_torch else set())
    assert set(out["systems"]) == names_
    assert out["systems"]["scientia-renamed"]["all"] == {"accuracy": 0.9, "n": 10}   # the label issue only
    assert set(bl.shifts(out["systems"])) == {n for n in names_ if not n.endswith("-renamed")}
    assert "all" in bl.table(out["systems"])
    result = suite_result(str(folder), quick=True)
    assert set(result["systems"]) == names_
    assert set(result["renamed"]) == {n for n in names_ if not n.endswith("-renamed")}
    assert set(result["training"]) == ({"lstm", "transformer"} if have_torch else set())
    for row in result["systems"].values():
        assert set(row) <= set(result["categories"]) | {"all"} and row["all"]["n"] == len(val)
    assert result["scientia"]["proofs"] == result["scientia"]["proofs_accepted"]
    assert result["scientia"]["renamed"]["answers"] == len(val)
