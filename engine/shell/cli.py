"""The command line: scientia run | ask | check | verify | demo | repl | eval.

A thin shell over the public API. Errors go to stderr as file:line:col with a
caret; the exit status is 1 on any error and 0 otherwise; no traceback is shown.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from ..answer import CONSISTENCY_UNKNOWN, Answer, incompleteness
from ..errors import ScientiaError, UsageError, Diagnostic, Span, read_source
from ..kb import LIBRARY, KnowledgeBase
from ..language.parse import parse_program
from ..proof import Proof
from .render import describe, render_proof
from ..language import syntax as S

DEMO_FILES = ("family.kb", "birds.kb", "knights.kb", "fuse_demo.kb", "false_belief.kb")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["discover"]:     # laws from data: engine/laws parses its own options
        from ..laws.cli import main as discover
        return discover(argv[1:])
    if argv[:1] == ["eval"]:         # a plugin: the suite lives in evals/, parses its own options
        suite = _command("eval")
        if suite is None:
            print("error: the evaluation suite is not installed (scientia eval needs the evals package "
                  "of a source checkout)", file=sys.stderr)
            return 2
        return suite(argv[1:])
    args = _parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except ScientiaError as e:
        print(e.render(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 1
    except BrokenPipeError:      # the reader (e.g. `head`) went away
        sys.stderr.close()
        return 0
    except RecursionError:       # a last resort: inputs are checked for depth where they are read
        print("error: input nested too deep to process [E009]", file=sys.stderr)
        return 1


# Commands that live outside the engine (the engine imports none of them): each is an entry point
# `name = "module:function"` in this group (pyproject.toml registers `eval = "evals.suite:main"`).
# An install whose metadata predates the entry point (an editable install made earlier, or the
# source tree on sys.path) falls back to importing the module named in COMMAND_MODULES.
COMMANDS_GROUP = "scientia.commands"
COMMAND_MODULES = {"eval": "evals.suite:main"}


def _command(name: str):
    """The function behind plugin command `name`, or None when it is not installed."""
    from importlib import import_module
    from importlib.metadata import entry_points
    for ep in entry_points(group=COMMANDS_GROUP):
        if ep.name == name:
            return ep.load()
    module, _, attr = COMMAND_MODULES.get(name, "").partition(":")
    if not module:
        return None
    try:
        return getattr(import_module(module), attr)
    except ModuleNotFoundError as e:     # the module itself (or its package) is absent, not one of its imports
        if e.name and (module == e.name or module.startswith(e.name + ".")):
            return None
        raise


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scientia", description="A reasoning engine whose every answer comes with its reason.")
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="one JSON object per query, one line each")
    common.add_argument("--timeout-ms", type=int, default=5000, help="time budget of each solver call")
    run = sub.add_parser("run", parents=[common], help="load files in order and answer their ?- queries")
    run.add_argument("files", nargs="+")
    run.add_argument("--workers", type=int, default=None, metavar="N",
                     help="each file an independent problem, solved as a Ray task on N local workers "
                          "(or on the cluster at $RAY_ADDRESS); proofs re-checked here (needs scientia[distributed])")
    run.set_defaults(func=cmd_run)
    ask = sub.add_parser("ask", parents=[common], help="answer one query against files")
    ask.add_argument("files", nargs="*")
    ask.add_argument("--query", "-q", required=True)
    ask.set_defaults(func=cmd_ask)
    chk = sub.add_parser("check", parents=[common], help="parse, type and consistency checks")
    chk.add_argument("files", nargs="+")
    chk.set_defaults(func=cmd_check)
    ver = sub.add_parser("verify", parents=[common], help="re-check a saved proof (JSON) against files")
    ver.add_argument("files", nargs="+")
    ver.add_argument("--proof", required=True)
    ver.set_defaults(func=cmd_verify)
    demo = sub.add_parser("demo", parents=[common], help="a short tour of the bundled knowledge bases")
    demo.set_defaults(func=cmd_demo)
    repl = sub.add_parser("repl", parents=[common], help="an interactive session (reads a script when stdin is not a terminal)")
    repl.add_argument("files", nargs="*")
    repl.set_defaults(func=cmd_repl)
    sub.add_parser("discover", add_help=False, help="a law from a numeric CSV table (scientia discover --help)")
    ev = sub.add_parser("eval", add_help=False, help="the compositional-generalisation suite (scientia eval --help)")
    ev.add_argument("rest", nargs=argparse.REMAINDER)
    return p


def _load(kb: KnowledgeBase, path: str, out, as_json: bool, shown: set | None = None) -> list:
    shown = set() if shown is None else shown
    if path.endswith((".p", ".tptp")):
        from ..language.tptp import parse_tptp
        text = read_source(path)
        results = kb.tell_statements(parse_tptp(text, path), {path: text})
    else:
        results = kb.load(path)
    warn(getattr(results, "warnings", ()) + kb.warnings, kb.sources, shown)
    for query, answers in results:
        print_answers(query, answers, out, as_json, kb.sources, shown)
    return results


def warn(diagnostics, sources: dict, shown: set, err=None) -> None:
    """Print warnings to stderr (`file:line:col: warning: ... [W0xx]` with a caret), each once."""
    for d in diagnostics:
        if d not in shown:
            shown.add(d)
            print(d.render(sources), file=err or sys.stderr)


def _loaded(args, out=None) -> KnowledgeBase:
    """A KB with the command's files loaded in order (their query answers printed to `out`)."""
    kb, shown = KnowledgeBase(timeout_ms=args.timeout_ms), set()
    for f in args.files:
        _load(kb, f, out, args.json, shown)
    return kb


def cmd_run(args) -> int:
    """Load the files in order into one KB and answer their queries. With `--workers N` (N > 1,
    or any N when $RAY_ADDRESS names a cluster) each file is instead its own problem, run as a
    Ray task (engine/distributed/batch.py); the output is the same as running each file alone."""
    workers = getattr(args, "workers", None)
    if workers is not None and workers < 1:
        raise UsageError([Diagnostic("E020", f"--workers takes a positive number, got {workers}")])
    if workers is not None and (workers > 1 or os.environ.get("RAY_ADDRESS")):
        return _run_distributed(args)
    _loaded(args, sys.stdout)
    return 0


def _print_result(result, out=None, as_json: bool = False) -> None:
    """Print a result as `scientia run FILE` prints that file: warnings to stderr, then each
    query's answers with their proofs; an error to stderr, naming the file."""
    out = sys.stdout if out is None else out
    if not result.ok:
        text = result.error
        print(text if result.name in text else f"{result.name}: {text}", file=sys.stderr)
        return
    shown: set = set()
    sources = dict(result.sources)
    warn(result.warnings, sources, shown)
    for q in result.queries:
        print_answers(q.query, q.checked, out, as_json, sources, shown)


def _run_distributed(args) -> int:
    """`scientia run --workers N FILE...`: each file an independent problem, one Ray task each
    (see the module docstring), printed in file order as results come in; a file that cannot
    be read is reported in its place and the others still run; exit 1 when any problem failed."""
    from ..distributed.batch import ProblemResult, problem_from_file, run_batch
    problems, unreadable = [], {}
    for k, f in enumerate(args.files):
        try:
            problems.append(problem_from_file(f))
        except ScientiaError as e:
            unreadable[k] = ProblemResult(str(f), error=e.render())
    failed, pos = [], [0]

    def emit(r: ProblemResult) -> None:
        _print_result(r, sys.stdout, args.json)
        sys.stdout.flush()
        failed.extend([r] if not r.ok else [])
        pos[0] += 1

    def flush() -> None:
        while pos[0] in unreadable:
            emit(unreadable[pos[0]])

    def on_result(r: ProblemResult) -> None:
        flush()
        emit(r)
        flush()

    flush()
    if problems:
        run_batch(problems, workers=args.workers, timeout_ms=args.timeout_ms, on_result=on_result)
    flush()
    return 1 if failed else 0


def cmd_ask(args) -> int:
    kb = _loaded(args)
    text = f"?- {args.query.strip().rstrip('.')}."
    statements = parse_program(text, "<query>")
    if len(statements) != 1 or not isinstance(statements[0], (S.Query, S.CausalQuery, S.CauseQuery)):
        raise UsageError([Diagnostic("E002", "--query takes one query, such as 'ancestor(alice, X)'", None,
                                     "tell statements in a file and load it")])
    for query, answers in kb.tell_statements(statements, {"<query>": text}):
        print_answers(query, answers, sys.stdout, args.json, {**kb.sources, "<query>": text})
    return 0


def cmd_check(args) -> int:
    """Parse, type and consistency checks. `ok` only when consistency was established; the
    files' queries (a TPTP conjecture) are answered but not printed, so a query that ran out
    of budget is said: `ok` is about the statements, not about the conjecture."""
    kb, shown, answers = KnowledgeBase(timeout_ms=args.timeout_ms), set(), []
    for f in args.files:
        answers += [a for _, found in _load(kb, f, None, False, shown) for a in found]
    counts = f"{len(kb.entries)} statements, {len(kb.signature.preds)} predicates"
    if any(d.code == CONSISTENCY_UNKNOWN for d in kb.warnings):
        print(f"not established: {counts} parse and type-check, but their consistency was not "
              f"established (resource limit) [{CONSISTENCY_UNKNOWN}]")
    else:
        print(f"ok: {counts}")
    gave_up = sum(a.solver_gave_up for a in answers)
    if gave_up:
        print(f"note: {gave_up} of {len(answers)} query answers ran out of budget (unknown: resource limit); "
              "`scientia run` shows them")
    return 0


def cmd_verify(args) -> int:
    """Check a saved proof. A `--json` answer record (`{"query": ..., "answers": [...]}`, one per
    line) binds each proof to its answer: the verdict, the query and the bindings must be
    what the proof concludes. A bare `{"steps": [...]}` proof binds to nothing."""
    kb = _loaded(args)
    for item in _proof_records(args.proof):
        if isinstance(item, Proof):
            kb.verify(item)
            print(f"ok: the proof of {item.conclusion.text} passes the kernel ({len(item.steps)} steps); "
                  "proof checked (no answer to bind it to)")
            continue
        query, answers = item
        if not answers:
            print(f"ok: ?- {query}. has no answers to check")
        for a in answers:
            kb.verify_answer(a)
            binding = ", ".join(f"{k} = {v}" for k, v in a.to_json()["bindings"].items())
            what = f"?- {query}.{' ' + binding + ':' if binding else ''} {a.verdict}"
            if a.proof is None:
                print(f"ok: {what} (no proof to check)")
            else:
                print(f"ok: {what}: the proof passes the kernel and concludes the answer ({len(a.proof.steps)} steps)")
    return 0


def _proof_records(path: str) -> list:
    """The proofs and (query, answers) records of a proof file: one JSON value, or one per line."""
    def bad(why, span=None, sources=None):
        return UsageError([Diagnostic("E005", f"cannot read proof {path}: {why}", span,
                                      "give a proof or an answer line as written by `scientia ask --json`")],
                          sources)
    text = read_source(path, "proof")
    try:
        values = [json.loads(text)]
    except RecursionError:
        raise bad("it is nested too deep") from None
    except ValueError as first:      # JSONDecodeError, or a number too long to convert
        try:
            values = [json.loads(line) for line in text.splitlines() if line.strip()]
        except (ValueError, RecursionError):
            line, col = getattr(first, "lineno", None), getattr(first, "colno", None)
            raise bad(f"it is not JSON: {getattr(first, 'msg', first)}", Span(path, line, col) if line else None,
                      {path: text}) from None
    out = []
    for d in values:
        try:
            if isinstance(d, dict) and ("answers" in d or "verdict" in d):
                if not isinstance(d.get("query"), str):
                    from ..errors import ProofError
                    raise ProofError([Diagnostic(
                        "E050", f"(answer) an answer in {path} does not say which query it answers, so its "
                                "proof cannot be bound to it", None,
                        'save the whole line `--json` prints: {"query": ..., "answers": [...]}')])
                answers = d["answers"] if "answers" in d else [d]
                out.append((d["query"], [Answer.from_json(d["query"], a) for a in answers]))
            else:
                out.append(Proof.from_json(d.get("proof") if isinstance(d, dict) and isinstance(d.get("proof"), dict)
                                           else d, path))
        except ScientiaError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise bad(f"{type(e).__name__}: {e}") from None
    if not out:
        raise bad("no proof in it")
    return out


def cmd_demo(args) -> int:
    kb_dir = LIBRARY
    for name in DEMO_FILES:
        path = kb_dir / name
        if not path.exists():
            continue
        print(f"==> {name}")
        kb = KnowledgeBase(timeout_ms=args.timeout_ms)
        if args.json:
            _load(kb, str(path), sys.stdout, True)
        else:
            _demo_file(kb, path)
        print()
    if not args.json:
        _scale_demo(args.timeout_ms)
        _laws_demo(args.timeout_ms)
        _perception_demo()
    return 0


def _scale_demo(timeout_ms: int) -> None:
    """A closure of two million answers: computed in DuckDB (the columnar backend), counted
    without building them, and one answer's proof re-derived for its cone and kernel-checked."""
    import time
    print("==> scale: reachability on a chain of 2,000 nodes (the columnar backend, in DuckDB)")
    kb = KnowledgeBase(timeout_ms=timeout_ms)
    kb.tell("".join(f"edge(n{i}, n{i + 1}).\n" for i in range(1999))
            + "path(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\n", "<chain>")
    start = time.perf_counter()
    answers = kb.ask_all("path(X, Y)")
    how = "every one accepted by the kernel" if answers.checked else "each proof kernel-checked when read"
    print(f"?- path(X, Y).  {len(answers):,} answers in {time.perf_counter() - start:.2f} s ({how})")
    proof = kb.ask("path(n0, n1999)").proof
    print(f"?- path(n0, n1999).  true, by a proof of {len(proof.steps):,} steps the kernel accepted; its top:")
    for line in str(proof).splitlines()[:4]:
        print(f"  {line}")
    print()


def _laws_demo(timeout_ms: int) -> None:
    """A law discovered from kb/data/pendulum.csv, told to a KB with its provenance, and asked
    about: the proofs cite the data, which the kernel re-reads (docs/language.md, "Laws from data")."""
    from ..laws import discover
    from ..laws.cli import read_csv
    print("==> laws from data: the period of a pendulum, discovered from kb/data/pendulum.csv")
    data = LIBRARY / "data" / "pendulum.csv"
    law = discover(read_csv(data), "t", budget_s=2.0)
    print(f"discovered: t = {law.expression}  ({law.status}, max relative error {law.max_rel_error:.2g})")
    kb = KnowledgeBase(timeout_ms=timeout_ms)
    kb.tell_law(law, "period", data, target="t", kb_file=LIBRARY / "pendulum_laws.kb")
    print(f"told: {S.show(kb.statements[-1])}")
    for query in ("period(length = 2) > 2.8", "period(length = L) = 3"):
        print_answers(query, kb.ask_all(query), sys.stdout, False)
    print()


def _demo_file(kb: KnowledgeBase, path) -> None:
    """Tell a demo file in order, showing what is told between two queries, so that a change of
    verdict (say, after `closed parent, ancestor.`) reads as a change of knowledge."""
    text = read_source(path)
    statements = parse_program(text, str(path))
    told: list = []
    for st in statements + [None]:
        if isinstance(st, (S.Query, S.CausalQuery, S.CauseQuery)) or st is None:
            if told:
                kb.tell_statements(told, {str(path): text})
                shown = [S.show(t) for t in told if not isinstance(t, (S.PredDecl, S.FunDecl, S.ConstDecl))]
                if len(shown) <= 3:
                    for line in shown:
                        print(f"told: {line}")
                else:
                    print(f"told: {len(told)} statements ({shown[0]} ...)")
                told = []
            if st is not None:
                [(query, answers)] = kb.tell_statements([st], {str(path): text})
                print_answers(query, answers, sys.stdout, False)
        else:
            told.append(st)


def _perception_demo() -> None:
    print("==> perception: digits learned from sums, then reasoned over")
    try:
        from ..perception import demo
    except ImportError:
        print("  (skipped: needs torch and scikit-learn: pip install -e '.[perception]')")
        return
    demo.run(sys.stdout)


def cmd_repl(args) -> int:
    from .repl import Repl
    for stream, errors in ((sys.stdin, "replace"), (sys.stdout, "backslashreplace")):
        if hasattr(stream, "reconfigure"):     # bytes that are not UTF-8 are read as U+FFFD, a parse error
            stream.reconfigure(errors=errors)
    return Repl(timeout_ms=args.timeout_ms, as_json=args.json).run(args.files)


def print_answers(query: str, answers: list, out, as_json: bool, sources: dict | None = None,
                  shown: set | None = None) -> None:
    if out is None:
        return
    warn(getattr(answers, "warnings", ()), sources or {}, set() if shown is None else shown)
    if as_json:
        record = {"query": query, "answers": [a.to_json() for a in answers]}
        if getattr(answers, "incomplete", None):
            record["incomplete"] = answers.incomplete
        print(json.dumps(record), file=out)
        return
    print(f"?- {query}.", file=out)
    notes = incompleteness(answers)
    if not answers:
        for line in notes:
            print("   " + line, file=out)
    for a in answers:
        print("   " + describe(a), file=out)
        if a.proof is not None:
            for line in render_proof(a.proof).splitlines():
                print("      " + line, file=out)
    if answers:
        for line in notes:
            print("   " + line, file=out)
