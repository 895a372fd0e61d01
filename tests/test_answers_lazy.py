"""Answers that cost what they are (issue 18, item 3): `ask_all` keeps the bindings as rows and
builds nothing per row until it is read; past `check_limit` answers the kernel checks each
proof when it is read (or all of them by `Answers.verify()`) instead of before returning. An
answer the search made up must still never pass as checked: reading its proof turns it
`unknown`, and `verify()` names it."""
from __future__ import annotations

import pytest

from engine.answer import Answer, Verdict
from engine.errors import ProofError
from engine.kb import KnowledgeBase

CHAIN = "edge(a, b). edge(b, c). edge(c, d).\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\n"
TRUE_PATHS = {("a", "b"), ("b", "c"), ("c", "d"), ("a", "c"), ("b", "d"), ("a", "d")}


def kb_of(text: str, **options) -> KnowledgeBase:
    kb = KnowledgeBase(**options)
    kb.tell(text)
    return kb


def test_small_answer_sets_are_checked_before_they_return():
    answers = kb_of(CHAIN).ask_all("path(X, Y)")
    assert answers.checked and len(answers) == 6


def test_past_the_limit_answers_are_checked_when_read():
    kb = kb_of(CHAIN, check_limit=2)
    answers = kb.ask_all("path(X, Y)")
    assert not answers.checked and len(answers) == 6
    got = list(answers)
    assert all(isinstance(a, Answer) for a in got)
    assert {(a.bindings["X"], a.bindings["Y"]) for a in got} == TRUE_PATHS
    for a in got:
        assert a.proof is not None and a.verdict is Verdict.TRUE
        kb.verify_answer(a)              # the proof read is one the kernel accepts
    assert answers.verify() is answers and answers.checked


@pytest.mark.usefixtures("in_memory", "made_up_path_d_a")
def test_a_made_up_row_turns_unknown_when_read_and_verify_names_it():
    answers = kb_of(CHAIN, check_limit=2).ask_all("path(X, Y)")
    lie = next(a for a in answers if (a.bindings["X"], a.bindings["Y"]) == ("d", "a"))
    assert lie.proof is None and lie.verdict is Verdict.UNKNOWN and "E050" in lie.reason
    with pytest.raises(ProofError) as e:
        answers.verify()
    # path(d, a) and what rests on it: path(c, a), path(b, a), path(a, a)
    assert e.value.diagnostics[0].code == "E050" and "4 of 10 answers" in e.value.diagnostics[0].message
    assert not answers.checked
    # under the limit the same lie is left out before anything is reported
    checked = kb_of(CHAIN).ask_all("path(X, Y)")
    assert ("d", "a") not in {(a.bindings["X"], a.bindings["Y"]) for a in checked}


def test_columnar_readers_agree_with_the_answers():
    answers = kb_of(CHAIN + "path2(X, X, Y) :- path(X, Y).\n").ask_all("path2(X, X, Y)")
    expected = sorted((x, y) for x, y in TRUE_PATHS)
    assert sorted(answers.rows()) == expected and answers.names == ("X", "Y")
    assert sorted((b["X"], b["Y"]) for b in answers.bindings()) == expected
    assert sorted((a.bindings["X"], a.bindings["Y"]) for a in answers) == expected
    assert answers[-1].bindings == answers[len(answers) - 1].bindings
    assert [a.bindings for a in answers[1:3]] == [answers[1].bindings, answers[2].bindings]
    one = kb_of(CHAIN).ask_all("path(a, Y)")
    assert sorted(one.rows()) == [("b",), ("c",), ("d",)]


def test_arrow_and_pandas():
    pa = pytest.importorskip("pyarrow")
    answers = kb_of(CHAIN).ask_all("path(b, Y)")
    table = answers.to_arrow()
    assert isinstance(table, pa.Table) and table.column_names == ["Y"]
    assert sorted(table.column("Y").to_pylist()) == ["c", "d"]
    pytest.importorskip("pandas")
    frame = answers.to_pandas()
    assert list(frame.columns) == ["Y"] and sorted(frame["Y"]) == ["c", "d"]


def test_an_answer_read_lazily_has_the_whole_answer_interface():
    kb = kb_of(CHAIN, check_limit=0)
    a = kb.ask_all("path(a, Y)")[0]
    assert a.query == "path(a, Y)" and a.value is None and a.witnesses is None and a.reason is None
    assert a.to_json()["verdict"] == "true" and a.to_json()["proof"]
    assert a.rests_on["premises"] and not a.solver_gave_up
    assert repr(a).startswith("Answer('path(a, Y)', true, Y=")


def test_a_row_the_columnar_backend_made_up_is_caught_by_the_kernel(monkeypatch):
    """The same lie from DuckDB's side: rows of the columnar backend carry no derivation order,
    so each is checked by a proof re-derived for its cone, which the made-up row does not have."""
    from engine.horn.columnar_model import ColumnarModel, Rows
    real = ColumnarModel.select

    def lying_select(self, pred, pattern=None):
        rows = list(real(self, pred, pattern))
        return Rows.of_list(rows + [("d", "a")] if pred == "path" else rows)
    monkeypatch.setattr(ColumnarModel, "select", lying_select)
    checked = kb_of(CHAIN, columnar_threshold=0).ask_all("path(X, Y)")
    assert reported_pairs(checked) == TRUE_PATHS and "E050" in checked.incomplete
    lazy = kb_of(CHAIN, columnar_threshold=0, check_limit=2).ask_all("path(X, Y)")
    lie = next(a for a in lazy if (a.bindings["X"], a.bindings["Y"]) == ("d", "a"))
    assert lie.proof is None and lie.verdict is Verdict.UNKNOWN
    with pytest.raises(ProofError):
        lazy.verify()


def test_a_point_answer_the_columnar_backend_made_up_is_not_true(monkeypatch):
    from engine.horn.columnar_model import ColumnarModel
    real = ColumnarModel.contains
    monkeypatch.setattr(ColumnarModel, "contains",
                        lambda self, pred, tup: tuple(tup) == ("d", "a") or real(self, pred, tup))
    kb = kb_of(CHAIN + "closed path.\nclosed edge.\n", columnar_threshold=0)
    kb.ask_all("path(X, Y)")                  # the whole model is computed (in DuckDB) and kept
    answer = kb.ask("path(d, a)")
    assert answer.verdict is Verdict.UNKNOWN and answer.reason.startswith("E050")


def reported_pairs(answers) -> set:
    return {(a.bindings["X"], a.bindings["Y"]) for a in answers if a.verdict is Verdict.TRUE}


def test_a_proof_thousands_of_steps_deep_prints():
    kb = kb_of("".join(f"edge(n{i}, n{i + 1}).\n" for i in range(3000)) +
               "path(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\n")
    text = str(kb.ask("path(n0, n3000)").proof)
    lines = text.splitlines()
    assert len(lines) == 6000 and lines[0].startswith("path(n0, n3000)")
    assert max(len(line) for line in lines) < 200 and "[depth 2999]" in text
