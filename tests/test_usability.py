"""What a new user trips over: budget-limited consistency, float32 probabilities, typos,
syntax errors with Prolog habits, numeric constants, and REPL conveniences."""
import struct

import pytest

from engine import KnowledgeBase, Verdict


# ---------------------------------------------------------------- 6. probability with float32 masses
class _Table:
    def __init__(self, outputs, threshold=2.0, name="toy", symbol="digit_of"):
        self.outputs, self.threshold, self.name, self.symbol = outputs, threshold, name, symbol

    def distribution(self, x):
        return self.outputs[x]


def test_probability_is_exact_after_visiting_every_case_with_float32_masses():
    # A softmax in float32 sums to 1 only within about 1e-7.
    def f32(*ps):
        return [(k, struct.unpack('f', struct.pack('f', p))[0]) for k, p in enumerate(ps)]
    a, b = f32(0.1, 0.6, 0.2, 0.1 - 3e-7), f32(0.5, 0.1, 0.3, 0.1 - 4e-7)
    assert abs(sum(p for _, p in a) * sum(p for _, p in b) - 1) > 1e-9
    kb = KnowledgeBase()
    kb.tell("type digit = 0..3. type image open. fun digit_of(image) -> digit.")
    model = _Table({"a": a, "b": b})
    kb.perceive_many(["a", "b"], ["a", "b"], model)
    q = kb.probability("digit_of(a) + digit_of(b) = 2")
    assert q.visited == 16
    assert q.exact
    assert q.lower == pytest.approx(q.probability) and q.upper == pytest.approx(q.probability)
    assert q.probability == pytest.approx(0.19, abs=1e-5)
    approx = kb.probability("digit_of(a) + digit_of(b) = 2", limit=5)
    assert not approx.exact and approx.lower < approx.upper


# ---------------------------------------------------------------- 8. syntax errors
from engine.errors import ParseError  # noqa: E402
from engine.language.parse import parse_program  # noqa: E402


def _parse_error(text):
    with pytest.raises(ParseError) as info:
        parse_program(text, "t.kb")
    return info.value


def test_a_syntax_error_lists_only_tokens_that_can_continue_the_statement():
    e = _parse_error("?- anc(tom jim).")
    (d,) = e.diagnostics
    assert d.code == "E002" and (d.span.line, d.span.col) == (1, 12)
    for impossible in ("'open'", "'}'", "':'", "'.'"):
        assert impossible not in d.message
    for possible in ("')'", "','"):
        assert possible in d.message
    assert "^^^" in e.render()


def test_every_listed_token_really_continues_the_statement():
    # Feed each token the message lists after the prefix: the parser must take it.
    from engine.language.parse import _acceptable, _lark, _tokens
    for prefix in ("?- anc(tom", "p(X) :- q(X), Y", "type t", "forall X"):
        toks = _tokens(prefix, "t", [])
        accepted = _acceptable(toks, set())
        assert accepted
        for t in accepted:
            ip = _lark().parse_interactive(start="statement")
            for tok in toks:
                ip.feed_token(tok)
            ip.feed_token(ip.lexer_thread._Token(t, "x")) if t != "$END" else ip.feed_eof()


@pytest.mark.parametrize("text, needle", [
    ("p(Y) :- q(X), Y is X + 1.", "Y = X + 1"),
    ("p(X) :- q(X), X == 1.", "single `=`"),
    ("p(X) :- q(X) ; r(X).", "`|`"),
    ("p(X) :- q(X), !.", "no cut"),
    ("len([H|T]).", "no lists"),
    ("p(X) :- q(X), \\+ r(X).", "`not`"),
    ("p(X) :- q(X), X =< 3.", "`<=`"),
])
def test_prolog_habits_get_a_hint(text, needle):
    e = _parse_error(text)
    assert len(e.diagnostics) == 1, e.render()
    (d,) = e.diagnostics
    assert d.help and needle in d.help, e.render()
    assert "^" in e.render()


# ---------------------------------------------------------------- 5. a consistency check that gave up
from engine.smt import solver as _solver  # noqa: E402
from engine.smt.solver import Outcome  # noqa: E402


@pytest.fixture
def solver_gives_up(monkeypatch):
    """A hypothetical budget-limited case: every z3 check answers unknown, deterministically."""
    monkeypatch.setattr(_solver.Problem, "check",
                        lambda self, *a, **k: Outcome("unknown", reason="resource limit (timeout)"))


HARD = "p(a) | p(b). q(c)."     # a disjunction: the consistency check goes to z3


def test_a_tell_whose_consistency_check_gave_up_is_accepted_with_a_kept_warning(solver_gives_up, monkeypatch):
    kb = KnowledgeBase()
    told = kb.tell(HARD)
    assert [d.code for d in told.warnings] == ["W031"]
    assert told.warnings[0].severity == "warning" and "not established" in told.warnings[0].message
    assert [d.code for d in kb.warnings] == ["W031"]
    assert len(kb.entries) == 2
    monkeypatch.undo()                      # the solver works again: answers still carry the warning
    a = kb.ask("q(c)")
    assert a.verdict is Verdict.TRUE and a.consistency_unknown
    assert [d.code for d in a.warnings] == ["W031"]
    assert all(b.consistency_unknown for b in kb.ask_all("q(X)"))
    assert "warnings" in a.to_json()
    kb.tell("r(d).")                          # a later tell that establishes consistency clears it
    assert kb.warnings == () and not kb.ask("q(c)").warnings


def test_a_real_inconsistency_is_still_refused():
    kb = KnowledgeBase()
    kb.tell(HARD)
    from engine.errors import InconsistencyError
    with pytest.raises(InconsistencyError):
        kb.tell("not p(a). not p(b).")
    assert kb.warnings == ()


def test_cli_check_does_not_say_ok_when_consistency_was_not_established(solver_gives_up, tmp_path, capsys):
    from engine.shell.cli import main
    path = tmp_path / "hard.kb"
    path.write_text(HARD + "\n?- q(c).\n")
    assert main(["check", str(path)]) == 0
    out, err = capsys.readouterr()
    assert not out.startswith("ok") and "consistency was not established" in out and "W031" in out
    assert "warning: consistency was not established" in err
    assert main(["run", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "W031" in out.splitlines()[1]         # next to the verdict
    assert err.count("W031") == 1                # the warning itself, once


def test_cli_check_still_says_ok():
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, "-m", "engine", "check", "kb/family.kb"], capture_output=True, text=True, cwd=root)
    assert run.returncode == 0 and run.stdout.startswith("ok:")


def test_the_repl_shows_and_lists_the_consistency_warning(solver_gives_up):
    import io
    from engine.shell.repl import Repl
    out = io.StringIO()
    repl = Repl(out=out, interactive=False)
    for line in [HARD + "\n", ":warnings\n"]:
        repl.feed(line)
    assert out.getvalue().count("W031") == 2


# ---------------------------------------------------------------- 7. typos
def test_a_query_predicate_that_the_kb_never_mentions_is_warned_about():
    kb = KnowledgeBase()
    kb.tell("parent(tom, jim). ancestors(tom, jim).")
    a = kb.ask("ancestor(tom, jim)")
    assert a.verdict is Verdict.UNKNOWN                    # warnings never change answers
    (w,) = a.warnings
    assert w.code == "W001" and "'ancestor'" in w.message and w.help == "did you mean 'ancestors'?"
    assert (w.span.col, w.span.end_col) == (1, 9)
    assert not kb.ask("parent(tom, jim)").warnings
    (w,) = kb.ask("sibling(tom, jim)").warnings
    assert w.code == "W001" and "did you mean" not in w.help


def test_a_singleton_name_near_a_known_one_is_warned_about_in_a_tell():
    kb = KnowledgeBase()
    told = kb.tell("parent(ann, joe).\nparnet(ann, joe).\n")
    (w,) = told.warnings
    assert w.code == "W002" and "'parnet'" in w.message and "'parent'" in w.message
    assert (w.span.line, w.span.col, w.span.end_col) == (2, 1, 7)
    assert len(kb.entries) == 2                          # told anyway
    assert "parnet" in kb.signature.preds
    assert kb.tell("parent(joe, ann).").warnings == ()
    # a constant: joe is known, jeo occurs once
    (w,) = kb.tell("parent(jeo, ann).").warnings
    assert w.code == "W002" and "'jeo'" in w.message and "'joe'" in w.message


def test_no_typo_warning_for_deliberate_or_unrelated_names():
    kb = KnowledgeBase()
    assert kb.tell("p(a). q(b). item1(x1). item2(x2). const abcd : thing.").warnings == ()
    assert kb.tell("pred colour(thing). colour(a).").warnings == ()
    assert kb.tell("color(a).").warnings != ()          # one edit from colour, used once


def test_a_query_constant_of_an_open_sort_near_a_known_one():
    kb = KnowledgeBase()
    kb.tell("type o open. pred r(o). r(abcd).")
    a = kb.ask("r(abce)")
    assert [d.code for d in a.warnings] == ["W003"] and "did you mean 'abcd'" in a.warnings[0].message
    assert a.verdict is Verdict.UNKNOWN


def test_an_undeclared_query_constant_of_a_named_sort_gets_did_you_mean():
    from engine.errors import TypeCheckError
    kb = KnowledgeBase()
    kb.tell("parent(tom, jim).")
    with pytest.raises(TypeCheckError) as info:
        kb.ask("parent(tom, jmi)")
    (d,) = info.value.diagnostics
    assert d.code == "E015" and d.help.startswith("did you mean 'jim'?")


def test_cli_prints_warnings_to_stderr_with_a_caret(tmp_path):
    import subprocess
    import sys
    path = tmp_path / "typo.kb"
    path.write_text("parent(ann, joe).\nparnet(ann, joe).\n?- ancestor(ann, joe).\n")
    run = subprocess.run([sys.executable, "-m", "engine", "run", str(path)], capture_output=True, text=True)
    assert run.returncode == 0
    assert f"{path}:2:1: warning: predicate 'parnet' occurs only here; did you mean 'parent'? [W002]" in run.stderr
    assert f"{path}:3:4: warning: predicate 'ancestor' occurs nowhere in the knowledge base [W001]" in run.stderr
    assert "\n       ^^^^^^^^\n" in run.stderr
    assert "unknown (open world)" in run.stdout and "warning" not in run.stdout


# ---------------------------------------------------------------- 16. REPL: :time for loads, :timeout, Ctrl-D
def _repl(lines, **kw):
    import io
    from engine.shell.repl import Repl
    out = io.StringIO()
    repl = Repl(out=out, interactive=False, **kw)
    for line in lines:
        repl.feed(line)
    return repl, out.getvalue()


def test_time_reports_the_time_of_a_load(tmp_path, monkeypatch):
    import engine.shell.repl as R
    path = tmp_path / "f.kb"
    path.write_text("p(a).\n")
    ticks = iter([100.0, 102.5])
    monkeypatch.setattr(R.time, "perf_counter", lambda: next(ticks))
    _, out = _repl([":time\n", f":load {path}\n"])
    assert "(2.500 s)" in out


@pytest.mark.parametrize("arg, ms", [("10s", 10_000), ("500ms", 500), ("250", 250), ("1.5 s", 1500)])
def test_timeout_sets_the_budget_of_the_solver(arg, ms):
    repl, out = _repl(["p(a) | p(b).\n", f":timeout {arg}\n"])
    assert repl.kb.timeout_ms == ms and repl.kb._theory.timeout_ms == ms
    assert "time budget" in out


def test_timeout_rejects_nonsense():
    repl, out = _repl([":timeout soon\n", ":timeout 0\n"])
    assert repl.kb.timeout_ms == 5000 and out.count("error:") == 2 and repl.errors == 2


def test_ctrl_d_in_a_multiline_statement_says_the_input_was_dropped(monkeypatch):
    import builtins
    import io
    from engine.shell.repl import Repl
    out = io.StringIO()
    repl = Repl(out=out, interactive=True)
    lines = iter(["ancestor(X, Z) :-"])

    def fake_input(prompt=""):
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None
    monkeypatch.setattr(builtins, "input", fake_input)
    repl.read_one()
    repl.read_one()
    assert repl.done and "dropped the unfinished input" in out.getvalue()
    assert repl.kb.entries == ()


# ---------------------------------------------------------------- 10. named numeric constants
def test_integer_constants_are_unknown_numbers():
    kb = KnowledgeBase()
    kb.tell("const x, y : int. x + y = 10. x - y = 2.")
    for query, verdict in [("x = 6", Verdict.TRUE), ("y = 4", Verdict.TRUE), ("x > 7", Verdict.FALSE),
                           ("x * y = 24", Verdict.TRUE), ("x = y", Verdict.FALSE)]:
        a = kb.ask(query)
        assert a.verdict is verdict, query
        kb.verify_answer(a)


def test_a_numeric_constant_is_not_a_value_of_the_horn_core():
    # With x an unknown number, p(3) is not settled by the fact p(x) even with p closed.
    kb = KnowledgeBase()
    kb.tell("const x : int. pred p(int). p(x). q(Y) :- p(Y), Y > 3.")
    assert kb.ask("p(x)").verdict is Verdict.TRUE
    assert kb.ask("p(3)").verdict is Verdict.UNKNOWN
    assert kb.ask("q(x)").verdict is Verdict.UNKNOWN
    kb.tell("x = 5.")
    assert kb.ask("q(x)").verdict is Verdict.TRUE and kb.ask("q(5)").verdict is Verdict.TRUE
    assert kb.ask("p(5)").verdict is Verdict.TRUE


def test_real_and_range_constants_and_nullary_functions():
    kb = KnowledgeBase()
    kb.tell("const r : real. 2 * r = 1. type digit = 0..9. const d : digit. fun n -> int. n + 1 = 3.")
    assert kb.ask("r = 0.5").verdict is Verdict.TRUE
    assert kb.ask("d >= 0 & d <= 9").verdict is Verdict.TRUE
    assert kb.ask("d = 3").verdict is Verdict.UNKNOWN
    assert kb.ask("n = 2").verdict is Verdict.TRUE and kb.ask("n() = 2").verdict is Verdict.TRUE


def test_numeric_constants_survive_save_load_and_retract(tmp_path):
    kb = KnowledgeBase()
    kb.tell("const x, y : int. x + y = 10. x = 3.")
    kb.save(tmp_path / "n.kb")
    again = KnowledgeBase()
    again.load(tmp_path / "n.kb")
    assert again.ask("y = 7").verdict is Verdict.TRUE
    assert again.retract("x = 3") == 1
    assert again.ask("y = 7").verdict is Verdict.UNKNOWN


def test_an_undeclared_name_used_as_a_number_is_reported_once_per_position():
    from engine.errors import TypeCheckError
    kb = KnowledgeBase()
    with pytest.raises(TypeCheckError) as info:
        kb.tell("x + y = 10.")
    spans = [(d.span.line, d.span.col) for d in info.value.diagnostics]
    assert len(spans) == len(set(spans)) == 2
    assert all(d.code == "E013" and "const" in d.help for d in info.value.diagnostics)


def test_cli_check_says_when_a_query_of_the_files_ran_out_of_budget(tmp_path, capsys, monkeypatch):
    # A TPTP problem's conjecture is a query: `check` answers it silently; when that answer
    # gave up, `ok` (about the axioms) must not read as a verdict on the conjecture.
    from engine import kb as kb_module
    from engine.answer import Answer
    from engine.shell.cli import main
    path = tmp_path / "p.p"
    path.write_text("fof(a, axiom, p(a)).\nfof(c, conjecture, q(a)).\n")
    monkeypatch.setattr(kb_module.KnowledgeBase, "_closed", lambda self, *a, **k:
                        Answer("q(a)", Verdict.UNKNOWN, reason="resource limit (timeout)"))
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ok:") and out[1].startswith("note: 1 of 1 query answers ran out of budget")
