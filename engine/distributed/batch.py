"""Batches of independent problems as Ray tasks: `scientia run --workers N FILE...`, `run_batch`.

Each problem (a KB text under its file name, with its `?-` queries) is solved in a worker by a
fresh embedded `KnowledgeBase`, exactly as `scientia run FILE` would solve it alone. The worker
sends back, per query, its answers as `Answer.to_json` (bindings, verdict, proof) plus the
warnings to print; Diagnostics travel as Ray pickles them, proofs as JSON.

Why the driver re-checks: a worker is another process, possibly another machine, running
possibly another version of the engine; its word is not evidence. The driver builds its own KB
from the same text, statement group by statement group as `tell` does, and at each query hands
the returned answers to its own kernel (`KnowledgeBase.verify_answer`) against the KB *as it
stood at that query* (a closed-world step valid there may be invalid after a later
`closed ...`). An answer is printed only once the driver's kernel accepted its proof and the
query it answers is the query of the driver's own parse. What is not certified, here as in the
sequential run: `unknown` verdicts (they claim nothing) and completeness (a worker could omit
a binding; the proofs show soundness only).

Why the output is the sequential output: the driver prints with the CLI's own `print_answers`
and `warn`, from Answers rebuilt by `Answer.from_json`, in file order (results are re-checked
as they arrive and printed as soon as every earlier file has been), so `scientia run --workers
2 a.kb b.kb` prints what `scientia run a.kb; scientia run b.kb` prints. Note the one difference
in meaning: with `--workers` each file is its own problem (a fresh KB), whereas the sequential
`scientia run a.kb b.kb` tells both files to one KB.

Failures are never lost: a problem whose text is wrong (a ScientiaError) is a result carrying
the rendered error; a task that raises or whose worker dies is retried by Ray (`max_retries`,
`retry_exceptions`), and a batch of problems sent as one task is split into one task per
problem before giving up, so the error names the file. Every failed problem is printed to
stderr with its file name and the command exits 1.
"""
from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass, field

from ..errors import Diagnostic, ScientiaError, UsageError, read_source

MARKS = ("% @perceived", "% @expanded")


@dataclass(frozen=True)
class Problem:
    """One independent problem: a KB text under its file name (the name errors and spans
    show), and extra query texts (without `?-`) answered after the text's own queries."""

    name: str
    text: str
    queries: tuple = ()

    @property
    def source(self) -> str:
        """The text the worker and the driver both read: the file's, then the extra queries."""
        if not self.queries:
            return self.text
        sep = "" if not self.text or self.text.endswith("\n") else "\n"
        return self.text + sep + "".join(f"?- {q.strip().rstrip('.')}.\n" for q in self.queries)


@dataclass
class QueryResult:
    """One query's answers as the worker sent them (JSON), and once the driver's kernel has
    re-checked them, as Answers (`checked`, an AnswerList ready for `print_answers`)."""

    query: str
    answers: list                          # Answer.to_json() of each answer, in print order
    incomplete: str | None = None
    warnings: tuple = ()                   # the query's Diagnostics (AnswerList.warnings)
    answer_warnings: tuple = ()            # each answer's Diagnostics (Answer.warnings)
    links: tuple = ()                      # each answer's {step id: premise ids} that the JSON omits
    checked: object = None                 # AnswerList of re-checked Answers (driver side)


@dataclass
class ProblemResult:
    """What became of one problem: its answers, or its error (`error`, a rendered text).
    `warnings`/`sources` are what `scientia run` prints to stderr before the answers."""

    name: str
    queries: list = field(default_factory=list)
    warnings: tuple = ()
    sources: dict = field(default_factory=dict)
    error: str | None = None
    attempts: int = 1
    worker_s: float = 0.0                  # time the worker spent solving
    check_s: float = 0.0                   # time the driver spent re-checking

    @property
    def ok(self) -> bool:
        return self.error is None

    def answers(self) -> list:
        """(query, [Answer, ...]) pairs, the shape `KnowledgeBase.load` returns."""
        return [(q.query, q.checked) for q in self.queries]


def problem_from_file(path: str) -> Problem:
    """The problem of one file; an unreadable file is a UsageError E004 naming it."""
    return Problem(str(path), read_source(path))


def _as_problem(p) -> Problem:
    if isinstance(p, Problem):
        return p
    if isinstance(p, (tuple, list)) and len(p) in (2, 3):
        return Problem(str(p[0]), p[1], tuple(p[2]) if len(p) == 3 else ())
    raise TypeError(f"a problem is a Problem or (name, text[, queries]), got {type(p).__name__}")


def _statements(name: str, text: str) -> list:
    from ..language.parse import parse_program
    if name.endswith((".p", ".tptp")):
        from ..language.tptp import parse_tptp
        return parse_tptp(text, name)
    return parse_program(text, name)


def _no_marks(name: str, text: str) -> None:
    """`% @perceived` / `% @expanded` lines (a file `KnowledgeBase.save` wrote) are read by
    `KnowledgeBase.load` from a path only; a text told elsewhere would lose them, so refuse."""
    if any(line.startswith(MARKS) for line in text.splitlines()):
        raise UsageError([Diagnostic(
            "E020", f"{name}: a file with `% @perceived` or `% @expanded` lines (written by save) "
                    "cannot run as a distributed problem yet", None, "run it without --workers")])


# ---------------------------------------------------------------- the worker's side
def solve_problem(problem: Problem, timeout_ms: int = 5000) -> ProblemResult:
    """Solve one problem with a fresh embedded KnowledgeBase, as `scientia run FILE` does
    (kb.load where the worker reads the same file at the same path, else kb.tell of the text).
    A ScientiaError is the problem's answer (its rendered error), not a failure of the task:
    retrying it would give the same error. Any other exception propagates, so Ray retries."""
    from ..kb import KnowledgeBase
    start = time.perf_counter()
    name, text = problem.name, problem.source
    kb = KnowledgeBase(timeout_ms=timeout_ms)
    try:
        if name.endswith((".p", ".tptp")):
            results = kb.tell_statements(_statements(name, text), {name: text})
        elif not problem.queries and _same_file(name, text):
            results = kb.load(name)
        else:
            _no_marks(name, text)
            results = kb.tell(text, name)
    except ScientiaError as e:
        return ProblemResult(name, error=e.render(), worker_s=time.perf_counter() - start)
    except RecursionError:
        return ProblemResult(name, error="error: input nested too deep to process [E009]",
                             worker_s=time.perf_counter() - start)
    warnings = tuple(getattr(results, "warnings", ())) + tuple(kb.warnings)
    queries = []
    for query, answers in results:
        for a in answers:       # build the proof first: one the kernel cannot re-check in time turns unknown
            a.proof
        queries.append(QueryResult(query, [a.to_json() for a in answers], getattr(answers, "incomplete", None),
                                   tuple(getattr(answers, "warnings", ())), tuple(tuple(a.warnings) for a in answers),
                                   tuple(_links(a.proof) for a in answers)))
    shown = {d.span.file for q in queries for d in q.warnings + sum(q.answer_warnings, ())
             if d.span} | {d.span.file for d in warnings if d.span}
    sources = {f: t for f, t in kb.sources.items() if f in shown}
    return ProblemResult(name, queries, warnings, sources, worker_s=time.perf_counter() - start)


def _links(proof) -> dict:
    """The premise links `Proof.to_json` leaves out: it writes "from" for rule and smt steps
    only, so a causal proof read back renders flat. Sent beside the JSON and put back on the
    driver's side (they shape the printed tree; the kernel checks the steps either way).
    Remove once the proof JSON carries "from" for every step."""
    if proof is None:
        return {}
    return {s.id: tuple(s.premises) for s in proof.steps if s.premises and s.by not in ("rule", "smt")}


def _same_file(name: str, text: str) -> bool:
    try:
        return os.path.isfile(name) and read_source(name) == text
    except ScientiaError:
        return False


def solve_chunk(problems: list, timeout_ms: int, solve=None) -> list:
    """The body of one Ray task: a few problems, solved one after the other."""
    solve = solve or solve_problem
    return [solve(p, timeout_ms) for p in problems]


# ---------------------------------------------------------------- the driver's side
def check_result(result: ProblemResult, problem: Problem, timeout_ms: int = 5000) -> ProblemResult:
    """Re-check a worker's result with this process's kernel (see the module docstring): tell
    the problem's statements group by group to a fresh KB, and at each query verify every
    returned answer against the KB as it stands there. Sets `checked` on each QueryResult, or
    `error` on the result when an answer is not certified or the results do not match the
    problem's queries."""
    from ..answer import Answer, AnswerList
    from ..kb import KnowledgeBase
    from ..language import syntax as S
    if not result.ok:
        return result
    start = time.perf_counter()
    name, text = problem.name, problem.source
    try:
        if not name.endswith((".p", ".tptp")):
            _no_marks(name, text)
        kb = KnowledgeBase(timeout_ms=timeout_ms)
        statements, sources = _statements(name, text), {name: text}
        pending, i = [], 0
        for st in statements + [None]:
            if not (st is None or isinstance(st, (S.Query, S.CausalQuery, S.CauseQuery))):
                pending.append(st)
                continue
            if pending:
                kb.tell_statements(pending, sources)
                pending = []
            if st is None:
                break
            if i >= len(result.queries):
                raise _wrong(name, f"the worker answered {len(result.queries)} queries; the file has more")
            q = result.queries[i]
            i += 1
            expected = {S.show(st).removeprefix("?- ").removesuffix(".")}
            if isinstance(st, S.Query):
                expected.add(S.show_formula(st.formula))
            if q.query not in expected:
                raise _wrong(name, f"the worker's query {q.query!r} is not the file's query {sorted(expected)[0]!r}")
            answers = []
            for d, w, links in zip(q.answers, q.answer_warnings or ((),) * len(q.answers),
                                   q.links or ({},) * len(q.answers)):
                a = Answer.from_json(q.query, d)
                if a.proof is not None and links:
                    for step in a.proof.steps:
                        if step.id in links and not step.premises:
                            step.premises = tuple(int(i) for i in links[step.id])
                kb.verify_answer(a)
                a.warnings = tuple(w)
                answers.append(a)
            q.checked = AnswerList(answers, q.incomplete, q.warnings)
        if i != len(result.queries):
            raise _wrong(name, f"the worker answered {len(result.queries)} queries; the file has {i}")
    except ScientiaError as e:
        result.error = f"error: {name}: the worker's answers are not certified by this kernel:\n{e.render()}"
    except Exception as e:        # a malformed record: not certified either
        result.error = f"error: {name}: the worker's answers cannot be re-checked: {type(e).__name__}: {e}"
    result.check_s = time.perf_counter() - start
    return result


def _wrong(name: str, message: str) -> ScientiaError:
    from ..errors import ProofError
    return ProofError([Diagnostic("E050", f"(answer) {message}")])


@contextlib.contextmanager
def ray_session(workers: int | None = None, address: str | None = None):
    """Ray for the length of a `with` block: attached to `address` (or $RAY_ADDRESS) when given,
    else a local instance with `workers` CPUs; shut down at the end, unless Ray was already
    running in this process (then whoever started it owns it). Yields the ray module."""
    try:
        import ray
    except ImportError:
        raise UsageError([Diagnostic("E020", "the distributed path needs Ray", None,
                                     "pip install 'scientia[distributed]'")]) from None
    if ray.is_initialized():
        yield ray
        return
    address = address or os.environ.get("RAY_ADDRESS") or None
    quiet = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
                 configure_logging=True)
    try:
        if address:
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
        else:
            ray.init(num_cpus=workers or os.cpu_count(), **quiet)
    except (ConnectionError, RuntimeError, ValueError) as e:   # no cluster there, a refused token, ...
        where = f"attach to the Ray cluster at {address}" if address else "start a local Ray instance"
        raise UsageError([Diagnostic("E020", f"cannot {where}: {type(e).__name__}: "
                                             f"{(str(e).splitlines() or [''])[0]}", None,
                                     "check RAY_ADDRESS, or run without --workers")]) from None
    try:
        yield ray
    finally:
        ray.shutdown()


def run_batch(problems, workers: int = 2, timeout_ms: int = 5000, address: str | None = None,
              max_retries: int = 2, chunk: int = 1, on_result=None, solve=None) -> list:
    """Solve independent problems as Ray tasks; a list of ProblemResult in the problems' order.

    problems: Problem objects or (name, text[, queries]) tuples. Each true/false answer comes
    back with its proof and is re-checked by this process's kernel before it is returned
    (`QueryResult.checked`); a result that fails, in the worker or at the re-check, has
    `error` set. `chunk` problems go to one task (default 1: one task per problem; more saves
    Ray's ~1 ms per task but delays the driver's re-checking, which then cannot overlap the
    workers: on the 2-CPU bench machine one problem per task was faster; None picks about 8
    tasks per worker, at most 16 problems each). `on_result(result)`
    is called in the problems' order as soon as a result and all before it are in (the CLI
    prints there). Ray is started here unless it already runs (see `ray_session`). `solve`
    replaces `solve_problem` in the workers (tests use it to make a task fail)."""
    problems = [_as_problem(p) for p in problems]
    if workers < 1:
        raise UsageError([Diagnostic("E020", f"workers must be at least 1, got {workers}")])
    if not problems:
        return []
    n = len(problems)
    chunk = chunk or max(1, min(16, n // (8 * workers)))     # None or 0: the automatic size
    results: list = [None] * n
    with ray_session(workers, address) as ray:
        task = ray.remote(num_cpus=1, max_retries=max_retries, retry_exceptions=True)(solve_chunk)
        pending = {}      # ObjectRef -> the problem indices it solves
        for lo in range(0, n, chunk):
            idx = list(range(lo, min(n, lo + chunk)))
            pending[task.remote([problems[i] for i in idx], timeout_ms, solve)] = idx
        emitted = 0
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            ref = done[0]
            idx = pending.pop(ref)
            try:
                got = ray.get(ref)
            except Exception as e:        # the task failed max_retries + 1 times
                if len(idx) > 1:          # find which problem fails: one task each
                    for i in idx:
                        pending[task.remote([problems[i]], timeout_ms, solve)] = [i]
                    continue
                got = [ProblemResult(problems[idx[0]].name, attempts=max_retries + 1,
                                     error=f"error: {problems[idx[0]].name}: the task failed "
                                           f"{max_retries + 1} times: {_failure(e)}")]
            for i, r in zip(idx, got):
                results[i] = check_result(r, problems[i], timeout_ms)
            while emitted < n and results[emitted] is not None:
                if on_result is not None:
                    on_result(results[emitted])
                emitted += 1
    return results


def _failure(e: Exception) -> str:
    """The root cause of a Ray task failure in one line: the application exception's type and
    message (a RayTaskError wraps it), or what Ray says about a worker that died."""
    cause = getattr(e, "cause", None)
    if isinstance(cause, BaseException):
        return f"{type(cause).__name__}: {cause}".splitlines()[0]
    lines = [ln for ln in str(e).splitlines() if ln.strip()]
    return f"{type(e).__name__}: {lines[0] if lines else ''}"
