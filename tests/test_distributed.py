"""The distributed path (engine/distributed): batches of problems as Ray tasks, whose proofs the
driver re-checks, and the closure sharded by its first argument. Ray starts once for the module
(two local CPUs); every test is deterministic (fixed seeds, and files whose answers have one
derivation where printed text is compared)."""
from __future__ import annotations

import io
import os
import random
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import pytest

ray = pytest.importorskip("ray")

from engine.distributed import (Problem, run_batch, sharded_closure, source_partitionable,  # noqa: E402
                                restricted_program)
from engine.distributed.batch import check_result, solve_problem  # noqa: E402
from engine.horn.core import HornRule, saturate  # noqa: E402
from engine.kb import KnowledgeBase  # noqa: E402
from engine.language.syntax import Var  # noqa: E402
from engine.shell.cli import main  # noqa: E402

X, Y, Z, W = (Var(n) for n in "XYZW")


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


# ---------------------------------------------------------------- batches
def _problem(i: int) -> Problem:
    """A small family problem: a chain of parents, closed and open queries, a false one."""
    n = 3 + i % 5
    people = [f"p{i}_{k}" for k in range(n)]
    facts = "".join(f"parent({a}, {b}).\n" for a, b in zip(people, people[1:]))
    text = ("ancestor(X, Y) :- parent(X, Y).\nancestor(X, Z) :- parent(X, Y), ancestor(Y, Z).\n" + facts +
            f"?- ancestor({people[0]}, {people[-1]}).\n?- ancestor({people[0]}, W).\n"
            f"closed parent, ancestor.\n?- ancestor({people[-1]}, {people[0]}).\n")
    if i % 4 == 0:
        text += "?- ancestor(X, Y) & ancestor(Y, X).\n"
    return Problem(f"problem{i:02d}.kb", text)


def _sequential(p: Problem) -> list:
    kb = KnowledgeBase()
    return [(q, [(a.verdict.value, a.to_json()["bindings"]) for a in answers]) for q, answers in kb.tell(p.text, p.name)]


def test_batch_matches_sequential_and_every_proof_is_rechecked(cluster):
    problems = [_problem(i) for i in range(20)]
    results = run_batch(problems, workers=2)
    assert [r.name for r in results] == [p.name for p in problems]
    for p, r in zip(problems, results):
        assert r.ok, r.error
        got = [(q, [(a.verdict.value, a.to_json()["bindings"]) for a in answers]) for q, answers in r.answers()]
        assert got == _sequential(p)
        kb = KnowledgeBase()          # an independent check of what the driver printed
        kb.tell("".join(line + "\n" for line in p.text.splitlines() if not line.startswith(("?-", "closed"))), p.name)
        proved = [a for _, answers in r.answers() for a in answers if a.proof is not None]
        assert proved and all(a.verdict.value in ("true", "false") for a in proved)
        for a in proved:
            if a.verdict.value == "true":
                kb.verify_answer(a)


def test_the_driver_does_not_trust_a_worker(cluster):
    p = _problem(1)
    honest = solve_problem(p)
    assert check_result(honest, p).ok
    lying = solve_problem(p)
    open_query = lying.queries[1]
    first = dict(open_query.answers[0])
    first["bindings"] = {k: "p1_0" for k in first["bindings"]}    # a binding its proof does not conclude
    open_query.answers[0] = first
    checked = check_result(lying, p)
    assert not checked.ok and "problem01.kb" in checked.error and "not certified" in checked.error
    swapped = solve_problem(p)
    swapped.queries[0].query = "ancestor(p1_3, p1_0)"               # another query than the file's
    assert not check_result(swapped, p).ok


def test_a_failing_task_is_reported_with_its_file(cluster):
    def solve(problem, timeout_ms):
        if problem.name == "bad.kb":
            raise RuntimeError("the worker broke on purpose")
        from engine.distributed.batch import solve_problem
        return solve_problem(problem, timeout_ms)

    problems = [_problem(i) for i in range(3)] + [Problem("bad.kb", "p(a).\n?- p(a).\n")] + [_problem(5)]
    results = run_batch(problems, workers=2, max_retries=1, chunk=5, solve=solve)   # one task, then split
    assert [r.ok for r in results] == [True, True, True, False, True]
    bad = results[3]
    assert "bad.kb" in bad.error and "RuntimeError: the worker broke on purpose" in bad.error
    assert "failed 2 times" in bad.error


def test_a_worker_that_dies_is_retried_then_reported(cluster):
    def solve(problem, timeout_ms):
        if problem.name == "crash.kb":
            import os
            os._exit(3)           # the worker process dies: Ray sees a system failure, not an exception
        from engine.distributed.batch import solve_problem
        return solve_problem(problem, timeout_ms)

    results = run_batch([_problem(3), Problem("crash.kb", "p(a).\n")], workers=2, max_retries=1, chunk=1, solve=solve)
    assert results[0].ok
    assert not results[1].ok and "crash.kb" in results[1].error and "failed 2 times" in results[1].error


def test_the_engine_runs_without_importing_ray(tmp_path):
    f = tmp_path / "p.kb"
    f.write_text(_unique(0))
    code = ("import sys\nfrom engine.shell.cli import main\n"
            f"rc = main(['run', {str(f)!r}])\nrc2 = main(['run', '--workers', '1', {str(f)!r}])\n"
            "assert 'ray' not in sys.modules, 'ray was imported'\nraise SystemExit(rc or rc2)\n")
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("?- path(a0, d0).") == 2


def test_a_wrong_file_is_its_own_error(cluster):
    results = run_batch([Problem("typo.kb", "parent(a, b).\nparent(a).\n?- parent(a, X).\n"), _problem(2)], workers=2)
    assert not results[0].ok and "typo.kb" in results[0].error and "E011" in results[0].error
    assert results[1].ok


def _unique(k: int) -> str:
    """A file whose every answer has one derivation (so the printed proof is the same in any process)."""
    a, b, c, d = (f"{x}{k}" for x in "abcd")
    return (f"edge({a}, {b}).\nedge({b}, {c}).\nedge({c}, {d}).\n"
            "path(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\n"
            f"?- path({a}, {d}).\n?- path({b}, W).\nclosed edge, path.\n?- path({d}, {a}).\n?- bogus_name({a}).\n")


def test_cli_workers_prints_what_the_sequential_run_prints(cluster, tmp_path):
    files = []
    for k in range(3):
        f = tmp_path / f"f{k}.kb"
        f.write_text(_unique(k))
        files.append(str(f))
    bad = tmp_path / "bad.kb"
    bad.write_text("p(a).\np(a, b).\n")
    files.insert(1, str(bad))
    files.append(str(tmp_path / "missing.kb"))
    expected_out, expected_err, codes = io.StringIO(), io.StringIO(), []
    for f in files:                            # the sequential run, one file at a time
        with redirect_stdout(expected_out), redirect_stderr(expected_err):
            codes.append(main(["run", f]))
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["run", "--workers", "2", *files])
    assert out.getvalue() == expected_out.getvalue()
    assert err.getvalue() == expected_err.getvalue()
    assert codes == [0, 1, 0, 0, 1] and code == 1
    with redirect_stdout(io.StringIO()) as ok_out, redirect_stderr(io.StringIO()):
        assert main(["run", "--workers", "2", files[0], files[2]]) == 0
    assert ok_out.getvalue().count("?- path(") == 6 and "W = c1" in ok_out.getvalue()


# ---------------------------------------------------------------- the static check
def _rule(head, *body, index=0):
    return HornRule(head, tuple(body), index)


EXIT = _rule(("path", (X, Y)), ("pos", "edge", (X, Y)))
LEFT = [EXIT, _rule(("path", (X, Z)), ("pos", "path", (X, Y)), ("pos", "edge", (Y, Z)), index=1)]


def test_source_partitionable_accepts_left_linear_reachability():
    assert source_partitionable(LEFT, "path")
    filtered = [EXIT, _rule(("path", (X, Z)), ("pos", "edge", (Y, Z)), ("pos", "path", (X, Y)),
                            ("cmp", "!=", X, Z), index=1)]
    assert source_partitionable(filtered, "path")
    other_exit = [_rule(("path", (X, Y)), ("pos", "start", (X,)), ("pos", "edge", (X, Y))), LEFT[1],
                  _rule(("far", (X,)), ("pos", "path", (X, X)), index=2)]     # a rule above path: not its component
    assert source_partitionable(other_exit, "path")


@pytest.mark.parametrize("name, rules", [
    ("right-linear", [EXIT, _rule(("path", (X, Z)), ("pos", "edge", (X, Y)), ("pos", "path", (Y, Z)), index=1)]),
    ("non-linear", [EXIT, _rule(("path", (X, Z)), ("pos", "path", (X, Y)), ("pos", "path", (Y, Z)), index=1)]),
    ("mutual", [EXIT, _rule(("path", (X, Z)), ("pos", "hop", (X, Y)), ("pos", "edge", (Y, Z)), index=1),
                _rule(("hop", (X, Y)), ("pos", "path", (X, Y)), index=2)]),
    ("changes the first argument", [EXIT, _rule(("path", (Y, Z)), ("pos", "path", (X, Z)), ("pos", "edge", (X, Y)),
                                                index=1)]),
    ("swaps the arguments", [EXIT, _rule(("path", (X, Y)), ("pos", "path", (Y, X)), index=1)]),
    ("negates itself", [EXIT, _rule(("path", (X, Y)), ("pos", "edge", (X, Y)), ("neg", "path", (X, X)), index=1)]),
])
def test_source_partitionable_rejects(name, rules):
    assert not source_partitionable(rules, "path")
    with pytest.raises(ValueError, match="cannot be sharded"):
        sharded_closure(rules, {"edge": {("a", "b")}}, "path")


def test_the_restricted_program_guards_only_the_exit_rules():
    restricted = restricted_program(LEFT + [_rule(("unrelated", (X,)), ("pos", "edge", (X, X)), index=2)], "path")
    assert [r.index for r in restricted] == [0, 1]
    assert restricted[0].body[-1] == ("pos", "__shard", (X,)) and restricted[1] == LEFT[1]


# ---------------------------------------------------------------- the sharded closure
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("method", ["auto", "evaluate"])
def test_sharded_closure_equals_the_single_process_closure(cluster, seed, method):
    rng = random.Random(seed)
    n = 30 + 10 * seed
    edges = {(f"n{rng.randrange(n)}", f"n{rng.randrange(n)}") for _ in range(2 * n)}    # cycles, self-loops
    want = set(saturate(LEFT, {"edge": edges}).tuples("path"))
    with sharded_closure(LEFT, {"edge": edges}, "path", workers=2, method=method) as got:
        assert got.to_set() == want and got.count == len(want)
        assert len(got.files) == 2 and all(n > 0 for n in got.shard_counts)
        backends = {"engine.horn.core", "engine.horn.columnar"}     # default_evaluate: columnar where installed
        assert {s["method"] for s in got.stats} <= ({"duckdb"} if method == "auto" else backends)


def test_sharded_closure_of_a_general_left_linear_program(cluster):
    """Exit rules that join and filter, base facts of the closed predicate, integer values, a
    recursive rule with a test: only the embedded backend applies (no plain step)."""
    rng = random.Random(7)
    edges = {(rng.randrange(25), rng.randrange(25)) for _ in range(60)}
    rules = [_rule(("reach", (X, Y)), ("pos", "start", (X,)), ("pos", "edge", (X, Y))),
             _rule(("reach", (X, Z)), ("pos", "reach", (X, Y)), ("pos", "edge", (Y, Z)), ("cmp", "<", Y, Z), index=1)]
    facts = {"edge": edges, "start": {(k,) for k in range(0, 25, 3)}, "reach": {(100, 1), (101, 2)}}
    want = set(saturate(rules, facts).tuples("reach"))
    with sharded_closure(rules, facts, "reach", workers=2) as got:
        assert got.to_set() == want
        assert {s["method"] for s in got.stats} != {"duckdb"}
