"""Hostile input: every failure is an error with a code and a path or position, never a
traceback; paths stay inside the folders they belong to; save/load keeps what the user had."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from engine.shell import cli
from engine.language import syntax as S
from engine.errors import ParseError, ProofError, ScientiaError, UsageError
from engine.kb import KnowledgeBase
from engine.language.parse import MAX_DEPTH
from engine.proof import Proof
from engine.shell.repl import Repl
from engine.language.tptp import load_tptp

ROOT = Path(__file__).resolve().parent.parent
NO_ENV: dict = {}
BINARY = b"\xff\xfe\x00\x01garbage\x80"
FAMILY = "parent(alice, bob). parent(bob, carol).\nancestor(X, Y) :- parent(X, Y).\n" \
         "ancestor(X, Z) :- parent(X, Y), ancestor(Y, Z).\n"


ENV = {**os.environ, "PYTHONPATH": str(ROOT)}      # this checkout's engine, whatever the cwd


def scientia(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "engine", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=300, env=ENV)


def run_main(capsys, *args) -> tuple[int, str]:
    """The CLI in this process: an exception that escapes `main` fails the test."""
    rc = cli.main([str(a) for a in args])
    return rc, capsys.readouterr().err


def leftovers(folder: Path) -> list:
    return [p.name for p in folder.iterdir() if p.name.startswith(".scientia-")]


# ---------------------------------------------------------------- unreadable input files
COMMANDS = [("run",), ("check",), ("ask", "-q", "p(a)"), ("verify", "--proof", "proof.json")]


@pytest.mark.parametrize("suffix", [".kb", ".p"])
@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_binary_file_is_E004_with_its_path_in_every_command(tmp_path, command, suffix):
    bad = tmp_path / f"bin{suffix}"
    bad.write_bytes(BINARY)
    out = scientia(*command, bad, cwd=tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert f"{bad}:1:1: error: cannot read {bad}: not UTF-8 text" in out.stderr and "[E004]" in out.stderr


@pytest.mark.parametrize("suffix", [".kb", ".p"])
def test_nul_byte_and_bad_byte_position(tmp_path, suffix):
    bad = tmp_path / f"nul{suffix}"
    bad.write_bytes(b"p(a).\nq(b). \x00\n")
    with pytest.raises(UsageError) as e:
        (KnowledgeBase().load if suffix == ".kb" else load_tptp)(bad)
    (d,) = e.value.diagnostics
    assert d.code == "E004" and (d.span.line, d.span.col) == (2, 7) and "NUL" in d.message


@pytest.mark.parametrize("suffix", [".kb", ".p"])
def test_directory_given_as_a_file(tmp_path, capsys, suffix):
    folder = tmp_path / f"dir{suffix}"
    folder.mkdir()
    rc, err = run_main(capsys, "check", folder)
    assert rc == 1 and f"cannot read {folder}: it is a directory [E004]" in err


def test_missing_and_unreadable_tptp_file(tmp_path, capsys, monkeypatch):
    rc, err = run_main(capsys, "run", tmp_path / "missing.p")
    assert rc == 1 and "No such file" in err and "[E004]" in err
    problem = tmp_path / "locked.p"
    problem.write_text("fof(a, axiom, p).\n")

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))
    monkeypatch.setattr(Path, "read_bytes", denied)
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: denied(self))
    rc, err = run_main(capsys, "run", problem)
    assert rc == 1 and f"cannot read {problem}: Permission denied [E004]" in err
    with pytest.raises(UsageError) as e:
        KnowledgeBase().load(tmp_path / "locked.kb")
    assert e.value.codes == ["E004"] and "Permission denied" in e.value.render()


def test_api_load_and_tell_raise_scientia_errors(tmp_path):
    kb = KnowledgeBase()
    kb.tell("q(z).")
    before = kb.entries
    (tmp_path / "bin.kb").write_bytes(BINARY)
    for call, code in [(lambda: kb.load(tmp_path / "bin.kb"), "E004"), (lambda: kb.load(tmp_path), "E004"),
                       (lambda: kb.tell(b"p(a)."), "E020"), (lambda: kb.tell(None), "E020"),
                       (lambda: kb.load(None), "E020"), (lambda: kb.save(3), "E020"),
                       (lambda: kb.ask(b"p(a)"), "E020"), (lambda: kb.load("a\x00b"), "E004"),
                       (lambda: kb.tell("p('a\ud800')."), "E001"), (lambda: kb.tell("p(a). \x00"), "E001")]:
        with pytest.raises(ScientiaError) as e:
            call()
        assert code in e.value.codes
        e.value.render().encode("utf-8")       # printable: no lone surrogate in the rendering
    assert kb.entries == before


def test_huge_line_shows_a_window_around_the_error(tmp_path):
    text = "p(a). " * 50_000 + "q(#)."
    with pytest.raises(ParseError) as e:
        KnowledgeBase().tell(text, "big.kb")
    rendered = e.value.render()
    assert "big.kb:1:300003:" in rendered and len(rendered) < 1000
    source, caret = rendered.splitlines()[1:3]
    assert source[caret.index("^")] == "#"


# ---------------------------------------------------------------- nesting
SHAPES = {   # name -> (declarations, a formula nested n deep, a query)
    "not": ("pred q. pred p.", lambda n: "p :- " + "not " * n + "q.", "p"),
    "implies": ("pred q.", lambda n: " -> ".join(["q"] * n) + ".", "q"),
    "and": ("pred q.", lambda n: "(q & " * n + "q" + ")" * n + ".", "q"),
    "function": ("type t open. fun f(t) -> t. const a: t. pred q(t).",
                 lambda n: "q(" + "f(" * n + "a" + ")" * n + ").", "q(X)"),
    "sum": ("pred q(int).", lambda n: "q(" + " + ".join(["1"] * n) + ").", "q(X)"),
    "forall": ("type t open. const a: t. pred q(t).",
               lambda n: "".join(f"forall X{i}. " for i in range(n)) + "q(X0).", "q(a)"),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_too_deep_is_E009_with_a_position_and_the_kb_unchanged(shape):
    decls, formula, _ = SHAPES[shape]
    kb = KnowledgeBase()
    kb.tell(decls)
    before = kb.entries
    for n in (MAX_DEPTH + 10, 1000, 5000):
        with pytest.raises(ParseError) as e:
            kb.tell("\n" + formula(n), "deep.kb")
        (d,) = e.value.diagnostics
        assert d.code == "E009" and d.span.file == "deep.kb" and d.span.line == 2 and "too deep" in d.message
        assert kb.entries == before


@pytest.mark.parametrize("shape", SHAPES)
def test_nesting_under_the_limit_works_end_to_end(shape, tmp_path):
    decls, formula, query = SHAPES[shape]
    kb = KnowledgeBase()
    kb.tell(decls + "\n" + formula(MAX_DEPTH - 10))
    for answer in kb.ask_all(query):
        if answer.proof is not None:
            answer.proof.render()
            kb.verify(Proof.from_json(json.loads(json.dumps(answer.proof.to_json()))))
    kb.save(tmp_path / "deep.kb")
    again = KnowledgeBase()
    again.load(tmp_path / "deep.kb")
    assert [S.show(s) for s in again.statements] == [S.show(s) for s in kb.statements]


def test_many_parentheses_work():
    kb = KnowledgeBase()
    kb.tell("q. p :- " + "(" * 400 + "q" + ")" * 400 + ".")
    assert kb.ask("p").verdict.value == "true"


def test_deep_tptp_is_E009(tmp_path, capsys):
    problem = tmp_path / "deep.p"
    problem.write_text("fof(a, axiom, p).\nfof(b, axiom, " + "~ " * 2000 + "p).\n")
    rc, err = run_main(capsys, "check", problem)
    assert rc == 1 and f"{problem}:2:" in err and "[E009]" in err


def test_deep_query_and_repl_input(capsys):
    rc, err = run_main(capsys, "ask", "-q", "not " * 1000 + "p")
    assert rc == 1 and "[E009]" in err
    out = _Out()
    repl = Repl(out=out, interactive=False)
    repl.script(["q.\n", "p :- " + "not " * 1000 + "q.\n", "?- q.\n"])
    assert "[E009]" in out.text and "true" in out.text.split("[E009]")[1] and len(repl.kb.entries) == 1


# ---------------------------------------------------------------- the REPL
class _Out:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def test_repl_load_binary_and_save_to_bad_paths(tmp_path):
    (tmp_path / "bin.kb").write_bytes(BINARY)
    out = _Out()
    repl = Repl(out=out, interactive=False)
    repl.script(["p(a).\n", f":load {tmp_path / 'bin.kb'}\n", f":save {tmp_path / 'no' / 'x.kb'}\n",
                 f":save {tmp_path}\n", f":load {tmp_path}\n", "?- p(a).\n"])
    assert f"cannot read {tmp_path / 'bin.kb'}: not UTF-8 text" in out.text
    assert f"cannot write {tmp_path / 'no' / 'x.kb'}: there is no folder" in out.text
    assert f"cannot write {tmp_path}: it is a directory [E021]" in out.text
    assert f"cannot read {tmp_path}: it is a directory [E004]" in out.text
    assert out.text.rstrip().endswith("true") or "   true" in out.text
    assert repl.errors == 4 and leftovers(tmp_path) == []


def test_repl_script_with_bytes_that_are_not_utf8(tmp_path):
    run = subprocess.run([sys.executable, "-m", "engine", "repl"], input=b"p(\xff).\n?- q.\n", capture_output=True,
                         cwd=ROOT, timeout=120, env={**ENV, "PYTHONIOENCODING": "utf-8:strict"})
    assert b"Traceback" not in run.stderr and b"[E001]" in run.stdout and b"unknown" in run.stdout


# ---------------------------------------------------------------- proofs given to verify
def _good_proof(tmp_path) -> tuple[Path, dict]:
    kb = tmp_path / "f.kb"
    kb.write_text(FAMILY)
    loaded = KnowledgeBase()
    loaded.load(kb)
    return kb, loaded.ask("ancestor(alice, carol)").proof.to_json()


def _mutations(good: dict) -> list:
    def edit(f):
        d = json.loads(json.dumps(good))
        f(d)
        return json.dumps(d)
    step = lambda i, k, v: edit(lambda d: d["steps"][i].__setitem__(k, v))       # noqa: E731
    return ["not json", "", "[1, 2]", "null", '"steps"', '{"steps": 3}', '{"steps": [1]}', '{"proof": []}',
            '{"steps": [{}]}', "[" * 100_000, "1" * 5000,
            edit(lambda d: d["steps"][0].pop("claim")), edit(lambda d: d["steps"][-1].pop("id")),
            step(0, "id", "one"), step(0, "id", True), step(0, "claim", 7), step(0, "by", None),
            step(-1, "from", "12"), step(-1, "from", [None]), step(-1, "subst", [1]),
            step(-1, "subst", {"X": [1]}), step(-1, "subst", {"X": "#1/0"}), step(-1, "subst", {"X": "#x"}),
            step(-1, "subst", {"X": True}), step(0, "source", 3), step(0, "confidence", "high"),
            step(0, "confidence", 7), step(-1, "instances", {"x": []}), step(-1, "instances", {"1": 2}),
            step(-1, "instances", [1]), step(-1, "rule", {"a": 1})]


def test_malformed_proof_json_is_E005(tmp_path, capsys):
    kb, good = _good_proof(tmp_path)
    for i, text in enumerate(_mutations(good)):
        path = tmp_path / f"bad{i}.json"
        path.write_text(text)
        rc, err = run_main(capsys, "verify", kb, "--proof", path)
        assert rc == 1 and "[E005]" in err, (text[:80], err)


def test_proof_file_unreadable_and_proof_from_json_api(tmp_path, capsys):
    kb, good = _good_proof(tmp_path)
    rc, err = run_main(capsys, "verify", kb, "--proof", tmp_path)
    assert rc == 1 and "[E004]" in err
    (tmp_path / "p.bin").write_bytes(BINARY)
    rc, err = run_main(capsys, "verify", kb, "--proof", tmp_path / "p.bin")
    assert rc == 1 and "[E004]" in err
    with pytest.raises(ProofError) as e:
        Proof.from_json({"steps": [{"id": 1, "claim": "p(a)"}]})
    assert e.value.codes == ["E005"] and "steps[0]" in e.value.render() and "'by'" in e.value.render()
    (tmp_path / "ok.json").write_text(json.dumps({"query": "q", "proof": good}))      # an `ask --json` answer
    assert run_main(capsys, "verify", kb, "--proof", tmp_path / "ok.json")[0] == 0


def test_ask_takes_one_query(capsys, tmp_path):
    kb, _ = _good_proof(tmp_path)
    rc, err = run_main(capsys, "ask", kb, "-q", "parent(alice, bob). evil(x)")
    assert rc == 1 and "one query" in err


# ---------------------------------------------------------------- libraries stay in their folder
def test_library_names_cannot_leave_the_library_folder(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "good.kb").write_text("good(a).\n")
    (tmp_path / "outside.kb").write_text("outside(a).\n")
    (lib / "link.kb").symlink_to(tmp_path / "outside.kb")
    (lib / "sub").mkdir()
    (lib / "sub" / "inner.kb").write_text("inner(a).\n")
    (lib / "dir.kb").mkdir()
    kb = KnowledgeBase(library=lib)
    kb.tell("use good.")
    for name in [f"'{tmp_path / 'outside'}'", "'../outside'", "'..'", "'.'", "'sub/inner'", "link",
                 "'sub\\\\inner'", "'good.kb'", "''", "dir", "'/etc/passwd'"]:
        with pytest.raises(UsageError) as e:
            kb.tell(f"use {name}.", "in.kb")
        assert e.value.codes == ["E018"] and "in.kb:1:1" in e.value.render(), name
    assert [S.show(s) for s in kb.statements] == ["use good.", "good(a)."]


def test_binary_library_is_an_error_on_the_use(tmp_path):
    (tmp_path / "bad.kb").write_bytes(BINARY)
    with pytest.raises(UsageError) as e:
        KnowledgeBase(library=tmp_path).tell("use bad.", "in.kb")
    assert e.value.codes == ["E004"] and "in.kb:1:1" in e.value.render()


# ---------------------------------------------------------------- TPTP includes stay in their folders
def test_tptp_include_outside_the_allowed_folders_is_refused_without_showing_it(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-TOKEN is not TPTP\n")
    problem_dir = tmp_path / "problem"
    problem_dir.mkdir()
    (problem_dir / "link.ax").symlink_to(secret)
    for target in [str(secret), "../secret.txt", "link.ax", "/etc/passwd", "../problem/../secret.txt"]:
        problem = problem_dir / "p.p"
        problem.write_text(f"fof(a, axiom, p).\ninclude('{target}').\n")
        with pytest.raises(ParseError) as e:
            load_tptp(problem, env=NO_ENV)
        assert e.value.codes == ["E008"], target
        assert "SECRET" not in e.value.render() and "root:" not in e.value.render()
        assert e.value.diagnostics[0].span.line == 2


def test_tptp_include_inside_include_dirs_and_tptp_still_works(tmp_path):
    (tmp_path / "axioms").mkdir()
    (tmp_path / "axioms" / "a.ax").write_text("fof(h, axiom, human(socrates)).\n")
    problem_dir = tmp_path / "problems"
    problem_dir.mkdir()
    (problem_dir / "p.p").write_text("include('a.ax').\nfof(g, conjecture, human(socrates)).\n")
    assert load_tptp(problem_dir / "p.p", include_dirs=[str(tmp_path / "axioms")], env=NO_ENV)
    assert load_tptp(problem_dir / "p.p", env={"TPTP": str(tmp_path / "axioms")})
    (problem_dir / "q.p").write_text("include('../axioms/a.ax').\n")
    with pytest.raises(ParseError) as e:
        load_tptp(problem_dir / "q.p", env=NO_ENV)
    assert e.value.codes == ["E008"]
    assert load_tptp(problem_dir / "q.p", env={"TPTP": str(tmp_path / "axioms")})


def test_tptp_binary_include_is_E004_on_the_include(tmp_path):
    (tmp_path / "bin.ax").write_bytes(BINARY)
    (tmp_path / "p.p").write_text("include('bin.ax').\n")
    with pytest.raises(ParseError) as e:
        load_tptp(tmp_path / "p.p", env=NO_ENV)
    (d,) = e.value.diagnostics
    assert d.code == "E004" and d.span.line == 1 and "not UTF-8" in d.message


# ---------------------------------------------------------------- save and load
def test_retracted_library_fact_stays_retracted_after_save_and_load(tmp_path):
    kb = KnowledgeBase()
    kb.tell("use family.\nextra(z). extra(carol).")     # carol stays an individual after the retraction
    assert kb.ask("ancestor(alice, carol)").verdict.value == "true"
    kb.retract("parent(bob, carol).")
    kb.save(tmp_path / "s.kb")
    again = KnowledgeBase()
    again.load(tmp_path / "s.kb")
    assert [S.show(s) for s in again.statements] == [S.show(s) for s in kb.statements]
    assert again.ask("parent(bob, carol)").verdict.value == "false"        # family.kb closes parent
    assert again.ask("ancestor(alice, carol)").verdict.value == "false"
    again.tell("use family.")              # the library counts as used: nothing comes back
    assert again.ask("parent(bob, carol)").verdict.value == "false"


def test_intact_library_is_saved_as_its_use_line(tmp_path):
    kb = KnowledgeBase()
    kb.tell("use kinship_demo.")
    kb.save(tmp_path / "s.kb")
    assert (tmp_path / "s.kb").read_text().splitlines()[1:] == ["use kinship_demo."]
    lib = [e for e in kb.entries if e.source.startswith("kb/kinship.kb:")
           and isinstance(e.statement, S.Axiom) and isinstance(e.statement.formula, S.Quant)]
    kb.retract(S.show(lib[0].statement))           # in the library that kinship_demo uses
    kb.save(tmp_path / "s.kb")
    again = KnowledgeBase()
    again.load(tmp_path / "s.kb")
    assert [S.show(s) for s in again.statements] == [S.show(s) for s in kb.statements]


def test_user_file_under_a_kb_folder_is_saved(tmp_path):
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "mine.kb").write_text("mine(a).\n")
    kb = KnowledgeBase()
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        kb.load("kb/mine.kb")
        kb.save("out.kb")
    finally:
        os.chdir(cwd)
    assert "mine(a)." in (tmp_path / "out.kb").read_text()


def test_perceived_provenance_survives_save_and_load(tmp_path):
    kb = KnowledgeBase()
    kb.tell("type image open. type digit = 0..9. fun label(image) -> digit. const img1: image.\n"
            "pred big(image). big(X) :- label(X) > 5.")
    kb.add_perceived("label(img1) = 7.", "cnn", "img1", 0.93)
    kb.save(tmp_path / "s.kb")
    again = KnowledgeBase()
    again.load(tmp_path / "s.kb")
    answer = again.ask("big(img1)")
    assert answer.verdict.value == "true"
    assert answer.rests_on["perceived"] == [{"claim": "label(img1) = 7", "model": "cnn", "input": "img1",
                                             "confidence": 0.93}]
    assert again.perceptions == kb.perceptions
    again.save(tmp_path / "t.kb")          # and again
    assert (tmp_path / "t.kb").read_text() == (tmp_path / "s.kb").read_text()


def test_malformed_perceived_line_is_an_error(tmp_path):
    (tmp_path / "s.kb").write_text('p(a).\n% @perceived {"model": "cnn"}\nq(b).\n')
    kb = KnowledgeBase()
    with pytest.raises(ParseError) as e:
        kb.load(tmp_path / "s.kb")
    assert e.value.diagnostics[0].span.line == 2 and kb.entries == ()


def test_add_perceived_checks_its_arguments():
    kb = KnowledgeBase()
    kb.tell("type image open. type digit = 0..9. fun label(image) -> digit. const img1: image.")
    for args in [("label(img1) = 7. label(img1) = 8.", "cnn", "img1", 0.9), ("type x.", "cnn", "img1", 0.9),
                 ("label(img1) = 7.", "cnn", "img1", "high"), ("label(img1) = 7.", "cnn", "img1", 3)]:
        with pytest.raises(UsageError) as e:
            kb.add_perceived(*args)
        assert e.value.codes == ["E020"]
    kb.add_perceived("  label(img1) = 7.", "cnn", "img1", 0.9)       # not at column 1
    assert kb.ask("label(img1) = 7").rests_on["perceived"]


def test_save_keeps_the_mode_of_the_file_and_the_umask(tmp_path):
    kb = KnowledgeBase()
    kb.tell("p(a).")
    old = os.umask(0o027)
    try:
        kb.save(tmp_path / "new.kb")
        assert stat.S_IMODE((tmp_path / "new.kb").stat().st_mode) == 0o640
    finally:
        os.umask(old)
    (tmp_path / "shared.kb").write_text("% old\n")
    os.chmod(tmp_path / "shared.kb", 0o664)
    kb.save(tmp_path / "shared.kb")
    assert stat.S_IMODE((tmp_path / "shared.kb").stat().st_mode) == 0o664
    assert "p(a)." in (tmp_path / "shared.kb").read_text()


def test_save_to_a_bad_path_is_E021_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    kb = KnowledgeBase()
    kb.tell("p(a).")
    for path in [tmp_path, tmp_path / "missing" / "x.kb", str(tmp_path) + "/"]:
        with pytest.raises(UsageError) as e:
            kb.save(path)
        assert e.value.codes == ["E021"] and "cannot write" in e.value.render()
    (tmp_path / "sub.kb").mkdir()
    with pytest.raises(UsageError):
        kb.save(tmp_path / "sub.kb")

    def full(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(UsageError) as e:
        kb.save(tmp_path / "y.kb")
    assert "No space left" in e.value.render()
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "sub.kb") == []


def test_a_derivation_too_deep_to_draw_is_listed(tmp_path, capsys):
    n = 1200
    chain = tmp_path / "chain.kb"
    chain.write_text(" ".join(f"parent(n{i}, n{i + 1})." for i in range(n)) + "\n" + FAMILY.split("\n", 1)[1]
                     + f"?- ancestor(n0, n{n}).\n")
    rc = cli.main(["run", str(chain)])
    out = capsys.readouterr().out
    assert rc == 0 and "   true" in out and "too deep to draw" in out and f"ancestor(n1, n{n})" in out
    text = _Out()
    repl = Repl(out=text, interactive=False)
    repl.script([f":load {chain}\n", ":why\n"])
    assert repl.errors == 0 and "too deep to draw" in text.text and "more lines (:why)" in text.text
