"""Laws from data as knowledge (docs/language.md, "Laws from data"): the `law` statement and
its errors, law queries (comparisons, named and positional arguments, solving), save/load,
and the kernel's re-check of the data (a changed file, law or recorded error is rejected)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import sympy

from engine.answer import Verdict
from engine.errors import ParseError, ProofError, TypeCheckError
from engine.kb import KnowledgeBase
from engine.language import syntax as S
from engine.language.parse import parse_program
from engine.proof import Proof

ROOT = Path(__file__).resolve().parent.parent
GRAVITY = "law gravity(m1, m2, r) = 6.674e-11 * m1 * m2 / r^2."


def kb_with(text: str) -> KnowledgeBase:
    kb = KnowledgeBase()
    kb.tell(text)
    return kb


def write_table(folder: Path, noise: float = 0.0) -> Path:
    """y = 2 x + 1 on 20 rows; with `noise`, every other row off by that relative amount."""
    rows = ["x,y"]
    for i in range(1, 21):
        y = 2 * i + 1
        rows.append(f"{i},{y * (1 + (noise if i % 2 else -noise))!r}")
    path = folder / "line.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


# ---------------------------------------------------------------- syntax
def test_law_statement_parses_and_prints_back():
    h = "ab" * 32
    for text in [GRAVITY, "law f(x) = -x ^ 2 ^ 3 + exp(-x) - e * pi.",
                 f'law p(l) = 2 * pi * sqrt(l / 9.81) from "d/p.csv" target "t" sha256 "{h}" rows 100 max_rel_error 1.2e-15.']:
        st = parse_program(text)[0]
        assert isinstance(st, S.LawDecl)
        assert parse_program(S.show(st))[0] == st
    st = parse_program(f'law t(l) = l from "p.csv" sha256 "{h}" rows 3 max_rel_error 0.')[0]
    assert st.source == S.LawSource("p.csv", "t", h, 3, "0")
    assert parse_program("law(a).")[0] == S.Axiom(S.Atom("law", (S.Const("a"),)))


@pytest.mark.parametrize("text, code, where, words", [
    ("law g(x) = y.", "E070", "1:12", "not a parameter"),
    ("law g(x) = foo(x).", "E070", "1:12", "unknown function foo"),
    ("law g(x, x) = x.", "E070", "1:7", "named twice"),
    ('law g(x) = x from "a.csv" rows 3.', "E070", "1:14", "needs sha256"),
    ("law g(x) = x ^ .", "E002", "1:16", "expected"),
    ('law g(x) = x from "a.csv" sha256 "12" rows 3 max_rel_error 0.', "E070", "1:14", "64"),
])
def test_law_errors_point_at_the_problem(text, code, where, words):
    kb = KnowledgeBase()
    with pytest.raises(ParseError) as info:
        kb.tell(text, "bad.kb")
    d = info.value.diagnostics[0]
    assert d.code == code and f"{d.span.line}:{d.span.col}" == where and words in d.message
    rendered = info.value.render()
    assert f"bad.kb:{where}" in rendered and "^" in rendered
    assert kb.statements == []


def test_a_string_outside_a_law_keeps_its_hint():
    with pytest.raises(ParseError) as info:
        KnowledgeBase().tell('p("a").')
    assert "single quotes" in info.value.render()


def test_named_arguments_outside_law_queries_are_refused():
    kb = KnowledgeBase()
    for text in ["p(f(x = 1)).", "q(X) :- r(f(y = X))."]:
        with pytest.raises(TypeCheckError) as info:
            kb.tell(text)
        assert info.value.codes == ["E072"]
    assert kb.statements == []


def test_a_law_named_like_a_predicate_is_refused():
    kb = kb_with("p(a).")
    with pytest.raises(TypeCheckError) as info:
        kb.tell("law p(x) = x.")
    assert info.value.codes == ["E071"]
    with pytest.raises(TypeCheckError):
        kb_with("law f(x) = x.").tell("law f(x) = 2 * x.")


# ---------------------------------------------------------------- queries
@pytest.mark.parametrize("query, verdict", [
    ("gravity(m1=2, m2=3, r=1.5) > 10", "false"),
    ("gravity(2, 3, 1.5) < 1", "true"),
    ("gravity(r=1.5, m1=2, m2=3) = 6.674e-11 * 6 / 2.25", "true"),
    ("gravity(2, 3, 1.5) != 6.674e-11 * 6 / 2.25", "false"),
    ("gravity(2, 3, 1.5) >= 2 * gravity(2, 3, 3)", "true"),
])
def test_comparisons_are_decided_and_checked(query, verdict):
    kb = kb_with(GRAVITY)
    a = kb.ask(query)
    assert a.verdict.value == verdict
    assert [s.by for s in a.proof.steps] == ["premise", "evaluate"]     # told by hand: a premise
    kb.verify_answer(a)
    back = type(a).from_json(a.query, json.loads(json.dumps(a.to_json())))
    kb.verify_answer(back)


def test_irrational_comparisons():
    kb = kb_with("law f(x) = sqrt(x) + sin(x).")
    assert kb.ask("f(2) > 2.32").verdict is Verdict.TRUE        # 2.3235...
    assert kb.ask("f(2) < 2.32").verdict is Verdict.FALSE
    a = kb.ask("f(2) = 2.3235")
    assert a.verdict is Verdict.FALSE
    kb.verify_answer(a)
    assert kb.ask("f(2) = f(2)").verdict is Verdict.TRUE


def test_undecidable_equality_is_unknown_with_a_reason():
    kb = kb_with("law f(x) = exp(x). law g(x) = sqrt(x) ^ 2.")
    a = kb.ask("g(2) = 2")
    assert a.verdict in (Verdict.TRUE, Verdict.UNKNOWN)       # never false
    if a.verdict is Verdict.UNKNOWN:
        assert a.reason and a.proof is None
    assert kb.ask("f(1) = 2.7182818").verdict is Verdict.FALSE
    b = kb.ask("f(1) = 2.718281828459045")      # 2e-16 off: closer than the kernel's enclosure
    assert b.verdict is Verdict.UNKNOWN and b.reason
    c = kb_with("law h(x) = 1 / x.").ask("h(0) > 1")
    assert c.verdict is Verdict.UNKNOWN and "not defined" in c.reason


def test_bad_law_queries_are_errors():
    kb = kb_with(GRAVITY)
    for query, words in [("gravity(m1=2, m2=3) > 1", "missing r"), ("gravity(2, 3) > 1", "takes 3 arguments"),
                         ("gravity(m1=2, m2=3, q=1) > 1", "no parameter q"),
                         ("gravity(X, 3, Y) = 1", "one variable")]:
        with pytest.raises(TypeCheckError) as info:
            kb.ask_all(query)
        assert info.value.codes == ["E072"] and words in info.value.render()


def test_solving_for_one_variable():
    kb = kb_with(GRAVITY)
    answers = list(kb.ask_all("gravity(m1=2, m2=3, r=R) = 1e-10"))
    values = sorted(sympy.sympify(a.bindings["R"]) for a in answers)
    assert values == [-sympy.sqrt(10011) / 50, sympy.sqrt(10011) / 50]
    for a in answers:
        assert a.verdict is Verdict.TRUE and a.proof.steps[-1].by == "solve"
        kb.verify_answer(a)
    linear = kb_with("law f(x) = 3 * x + 1.")
    [a] = linear.ask_all("f(X) = 10")
    assert a.bindings == {"X": 3}
    linear.verify_answer(a)
    assert list(linear.ask_all("f(X) = f(X) + 1")) == []


def test_a_forged_solution_is_rejected():
    kb = kb_with("law f(x) = 3 * x + 1.")
    [a] = kb.ask_all("f(X) = 10")
    a.bindings = {"X": 4}
    with pytest.raises(ProofError):
        kb.verify_answer(a)
    d = a.proof.to_json()
    d["steps"][-1]["data"]["lo"] = d["steps"][-1]["data"]["hi"] = "#4/1"
    a2 = type(a).from_json(a.query, {"verdict": "true", "bindings": {"X": 4}, "proof": d})
    with pytest.raises(ProofError):
        kb.verify_answer(a2)


# ---------------------------------------------------------------- provenance and the kernel
def test_tell_law_records_provenance_and_the_kernel_rechecks_it(tmp_path):
    data = write_table(tmp_path, noise=0.01)
    kb = KnowledgeBase()
    kb.tell_law(sympy.sympify("2*x + 1"), "line", data, target="y", kb_file=tmp_path / "k.kb")
    [st] = kb.statements
    assert st.source.file == "line.csv" and st.source.rows == 20 and st.source.target == "y"
    assert 0.0099 < float(st.source.max_rel_error) <= 0.011
    a = kb.ask("line(x = 30) > 60")
    assert a.verdict is Verdict.TRUE
    assert [s.by for s in a.proof.steps] == ["law", "evaluate"]
    assert "line.csv" in str(a.proof) and "20 rows" in str(a.proof)
    kb.verify_answer(a)


def tampered(tmp_path, change):
    data = write_table(tmp_path, noise=0.01)
    kb = KnowledgeBase()
    kb.tell_law(sympy.sympify("2*x + 1"), "line", data, target="y", kb_file=tmp_path / "k.kb")
    kb.save(tmp_path / "k.kb")
    answer = kb.ask("line(x = 30) > 60")
    change(tmp_path / "k.kb", data)
    fresh = KnowledgeBase()
    fresh.load(tmp_path / "k.kb")
    return answer, fresh, kb


def test_a_changed_data_file_is_rejected(tmp_path):
    def change(kb_file, data):
        data.write_text(data.read_text().replace("\n3,", "\n3.5,", 1))
    answer, kb, original = tampered(tmp_path, change)
    with pytest.raises(ProofError, match="sha256"):
        original.verify_answer(answer)
    a = kb.ask("line(x = 30) > 60")
    assert a.verdict is Verdict.UNKNOWN and "sha256" in a.reason


def test_a_changed_law_is_rejected(tmp_path):
    def change(kb_file, data):
        assert " 2 * x" in kb_file.read_text()
        kb_file.write_text(kb_file.read_text().replace(" 2 * x", " 2.1 * x"))
    answer, kb, _ = tampered(tmp_path, change)
    a = kb.ask("line(x = 30) > 60")
    assert a.verdict is Verdict.UNKNOWN and "relative error" in a.reason
    with pytest.raises(ProofError):
        kb.verify_answer(answer)       # the cited statement is no longer in the KB


def test_a_changed_recorded_error_is_rejected(tmp_path):
    def change(kb_file, data):
        text = kb_file.read_text()
        start = text.index("max_rel_error ") + len("max_rel_error ")
        kb_file.write_text(text[:start] + "0.001." + text[text.index(".\n", start) + 2 - 1:].lstrip("."))
    answer, kb, _ = tampered(tmp_path, change)
    assert "max_rel_error 0.001." in (tmp_path / "k.kb").read_text()
    a = kb.ask("line(x = 30) > 60")
    assert a.verdict is Verdict.UNKNOWN and "more than the recorded 0.001" in a.reason


def test_a_changed_row_count_or_missing_file_is_rejected(tmp_path):
    def change(kb_file, data):
        kb_file.write_text(kb_file.read_text().replace("rows 20", "rows 21"))
    _, kb, _ = tampered(tmp_path, change)
    assert "21 recorded" in kb.ask("line(x = 30) > 60").reason
    (tmp_path / "line.csv").unlink()
    assert "cannot read" in kb.ask("line(x = 30) > 60").reason


def test_save_load_retract_round_trip(tmp_path):
    data = write_table(tmp_path)
    kb = KnowledgeBase()
    kb.tell("p(a). " + GRAVITY)
    kb.tell_law(sympy.sympify("2*x + 1"), "line", data, target="y", kb_file=tmp_path / "k.kb")
    (tmp_path / "elsewhere").mkdir()
    kb.save(tmp_path / "elsewhere" / "k.kb")
    text = (tmp_path / "elsewhere" / "k.kb").read_text()
    assert 'from "../line.csv"' in text          # the data path is rewritten for the new folder
    again = KnowledgeBase()
    again.load(tmp_path / "elsewhere" / "k.kb")
    assert set(map(S.show, again.statements)) == set(map(S.show, kb.statements)) - {S.show(kb.statements[-1])} \
        | {S.show(again.statements[-1])}
    assert again.ask("line(x = 1) = 3").verdict is Verdict.TRUE
    assert again.retract(GRAVITY) == 1
    assert not any(isinstance(st, S.LawDecl) and st.name == "gravity" for st in again.statements)


def test_a_hand_told_law_has_no_provenance():
    kb = kb_with(GRAVITY)
    [st] = kb.statements
    assert st.source is None
    a = kb.ask("gravity(1, 1, 1) > 0")
    assert a.proof.steps[0].by == "premise" and a.proof.steps[0].data is None
    assert a.proof.rests_on()["premises"] == [a.proof.steps[0].source]


def test_the_kernel_reads_no_search_module():
    src = (ROOT / "engine" / "kernel" / "laws.py").read_text()
    assert "engine.laws" not in src and "sympy" not in src and "reason" not in src


def test_the_pendulum_law_is_discovered_exactly_and_cites_the_data():
    from engine.laws import discover
    from engine.laws.cli import read_csv
    data = ROOT / "kb" / "data" / "pendulum.csv"
    law = discover(read_csv(data), "t", budget_s=2.0)
    assert law.status == "exact"
    kb = KnowledgeBase()
    kb.tell_law(law, "period", data, target="t", kb_file=ROOT / "kb" / "x.kb")
    assert kb.statements[0].source.file == "data/pendulum.csv"
    a = kb.ask("period(length = 2) > 2.8")
    assert a.verdict is Verdict.TRUE and "pendulum.csv" in str(a.proof)
    [s] = kb.ask_all("period(length = L) = 3")
    assert abs(float(s.bindings["L"]) - 9.81 * (3 / (2 * math.pi)) ** 2) < 1e-9


def test_discover_tell_appends_to_a_kb_file(tmp_path, capsys):
    from engine.shell.cli import main
    data = write_table(tmp_path)
    kb_file = tmp_path / "k.kb"
    kb_file.write_text("p(a).")
    assert main(["discover", str(data), "--target", "y", "--budget", "2", "--tell", str(kb_file),
                 "--name", "line"]) == 0
    text = kb_file.read_text()
    assert text.startswith("p(a).\nlaw line(x) = ") and 'from "line.csv" target "y"' in text
    kb = KnowledgeBase()
    kb.load(kb_file)
    assert kb.ask("line(x = 2) = 5").verdict is Verdict.TRUE


def test_the_demo_has_the_laws_step(capsys, monkeypatch):
    from engine.shell import cli
    monkeypatch.setattr(cli, "_perception_demo", lambda: None)
    monkeypatch.setattr(cli, "DEMO_FILES", ())
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "==> laws from data" in out and "?- period(length = 2) > 2.8." in out
    assert "true" in out and "data/pendulum.csv" in out and "100 rows" in out
