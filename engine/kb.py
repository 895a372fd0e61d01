"""KnowledgeBase: the public API. tell, ask, ask_all, retract, load, save.

Every change builds a new version of the KB (statements, signature, theory) and
swaps it in only when it has parsed, type-checked and proved consistent: a failed
`tell` leaves the KB exactly as it was.
"""
from __future__ import annotations

import functools
import json
import os
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import kernel
from .language import syntax as S
from .answer import Answer, AnswerList, Answers, Verdict
from .language.check import check, check_query, nullary_terms, query_warnings, tell_warnings
from .errors import (Diagnostic, InconsistencyError, ScientiaError, TypeCheckError, UsageError, read_source,
                     warning)
from .language.modal import is_modal, kd45_statements
from .language.parse import parse_formula, parse_program
from .reason.perceived import perception
from .reason.probability import Perception, QueryProbability, mentions, outcomes, query_probability
from .reason.denials import violation
from .reason.prove import candidates, decide
from .reason.router import FORWARD, route
from .language.signature import Signature
from .smt.solver import Budget
from .language.terms import canonical, free_vars, substitute, value_term
from .reason.theory import Entry, Theory
from .causal.program import CausalProgram, is_causal
from .causal.answer import is_causal_query, parse_causal_query

# the kernel's words (engine/kernel/quantities.py) for "the statements do not settle it"
OPEN_ROWS = ("leave open", "not fixed by the statements")
# Rows of the columnar backend carry no derivation order; each one's proof is re-derived
# goal-directed to be checked, so `ask_all` checks at most this many of them before returning.
PER_ROW_CHECKS = 1_000
from .files import (EXPANDED, checked_provenance, library_file, perceived_marks, saved_entries, source_of,
                    write_text)

LIBRARY = Path(__file__).resolve().parent.parent / "kb"


def _locked(method):
    """Run a public method under the KB's lock: a KnowledgeBase may be shared between threads.
    Calls are serialised (one tell or ask at a time); the z3 problems a KB caches are never
    used by two threads at once, and a tell swaps in its new version whole."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return run


@dataclass(frozen=True)
class _Version:
    entries: tuple = ()
    signature: Signature = field(default_factory=Signature)
    sources: dict = field(default_factory=dict)
    libraries: frozenset = frozenset()
    warnings: tuple = ()        # standing warnings of this version (W031), carried by every answer
    causal: object = None       # the causal program (engine/causal/program.py) of the causal statements
    laws: object = None         # the laws (engine/reason/laws.py LawBook) of the `law` statements


class Revision(list):
    """What `revise` returns: the (query, answers) pairs of the text's queries (as `tell`), and
    `given_up`, the statements the revision removed as (statement text, source file:line:col)."""

    def __init__(self, results=(), given_up=()):
        super().__init__(results)
        self.warnings = tuple(getattr(results, "warnings", ()))
        self.given_up = tuple(given_up)


@functools.lru_cache(maxsize=16)
def _parse_library(text: str, name: str) -> tuple:
    """A library's statements, parsed once per text (a pure function of it: the syntax is frozen)."""
    return tuple(parse_program(text, name))


def _revisable(st) -> bool:
    """A statement revision may give up: facts, rules, formulas, `closed` declarations."""
    return isinstance(st, (S.Axiom, S.Rule, S.ClosedDecl))


def _entrenchment(spec, base: list, perceived: dict):
    """The key that orders statements from the first given up to the last (see `revise`)."""
    index = {id(st): i for i, st in enumerate(base)}
    if callable(spec):
        return lambda st: spec(st, source_of(st), index[id(st)])
    if isinstance(spec, dict):
        prio = {}
        for text, p in spec.items():
            for st in parse_program(text if text.strip().endswith(".") else text + ".", "<entrenchment>"):
                prio[_key(st)] = p
        return lambda st: (prio.get(_key(st), 0), index[id(st)])
    if spec is not None:
        raise UsageError([Diagnostic("E020", "entrenchment is None, a dict {statement: priority} or a function",
                                     None)])

    def default(st):
        src = source_of(st)
        if src in perceived:
            return (0, perceived[src][2], index[id(st)])
        return (1, 0, index[id(st)])
    return default


class Told(list):
    """What `tell` and `load` return: the (query text, [Answer, ...]) pairs of the text's
    queries, in order, and in `warnings` the warnings of the tell: likely typos (W002) and
    a consistency check that gave up (W031)."""

    def __init__(self, results=(), warnings=()):
        super().__init__(results)
        self.warnings = tuple(warnings)


_KERNEL_CACHES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # theory -> the kernel's cache


class _KernelView:
    """What the kernel may consult, as data only: the statements with their sources and typed
    sentences, the signature (which predicates are closed), and the perceived-fact records.
    Nothing here runs the search. `kernel_cache` lets the kernel keep what it computed from
    these data (its least models, closures) across the proofs checked against this view."""

    def __init__(self, theory: Theory, signature: Signature, perceived: dict, causal=None):
        self.signature = signature
        self._causal = causal
        self._entries, self._by_source, self._perceived = theory.entries, theory.by_source, perceived
        self.kernel_cache: dict = _KERNEL_CACHES.setdefault(theory, {})

    def statement_at(self, source: str):
        return self._by_source.get(source)

    def sentences(self):
        """(source, statement, typed sentence) for every statement of the KB."""
        return [(e.source, e.statement, e.sentence) for e in self._entries]

    def causal_statements(self):
        """(source, statement) for every causal statement of the KB, in order."""
        return [(src, st) for st, src in self._causal.statements] if self._causal else []

    def perceived(self):
        """(sentence, model, input, confidence) for every perceived fact of the KB."""
        return [(e.sentence, *self._perceived[e.source]) for e in self._entries if e.source in self._perceived]


@functools.lru_cache(maxsize=64)
def _kd45_for(modal_preds: tuple, sorts: tuple) -> tuple:
    preds = dict(modal_preds)
    statements = kd45_statements({p: len(s) for p, s in preds.items()})
    if not statements:
        return ()
    _, checked = check(statements, Signature(sorts=dict(sorts), preds=preds), {})
    return tuple(Entry(c.statement, c.sentence, source_of(c.statement)) for c in checked)


def _kd45_entries(signature: Signature) -> tuple:
    """The KD45 statements that relate the KB's belief predicates (engine/language/modal.py):
    part of the theory the search and the kernel use, never of the KB's own statements."""
    found = tuple(sorted((p, sorts) for p, sorts in signature.preds.items() if is_modal(p)))
    if not found:
        return ()
    used = sorted({s for _, sorts in found for s in sorts if s in signature.sorts})
    return _kd45_for(found, tuple((s, signature.sorts[s]) for s in used))


def read_claims(proof):
    """The proof with every claim given as text read into a formula (once), outside the
    kernel, which neither parses nor prints. A claim that does not parse rejects its step."""
    from .errors import ProofError
    from .language.parse import parse_ground_literal
    from .proof import Proof, Step
    if not isinstance(proof, Proof) or not any(isinstance(getattr(s, "claim", None), str) for s in proof.steps):
        return proof
    from .proof import CAUSAL_KINDS, LAW_KINDS
    if any(getattr(s, "by", None) in CAUSAL_KINDS + LAW_KINDS for s in proof.steps):
        return _read_causal_claims(proof, premises=("premise", "law"))
    steps = []
    for s in proof.steps:
        if isinstance(s, Step) and isinstance(s.claim, str):
            try:
                formula = parse_ground_literal(s.claim) or parse_formula(s.claim, "<claim>")
            except ScientiaError as e:
                raise ProofError([Diagnostic("E050", f"(kernel) step {s.id} ({s.by}) rejected: claim does not "
                                                     f"parse: {e.diagnostics[0].message}")]) from None
            except (KeyboardInterrupt, SystemExit):
                raise
            except Exception as e:      # nested too deeply, ...
                raise ProofError([Diagnostic("E050", f"(kernel) step {s.id} ({s.by}) rejected: claim cannot "
                                                     f"be read ({type(e).__name__})")]) from None
            s = replace(s, claim=formula)
        steps.append(s)
    return Proof(tuple(steps))


def _read_causal_claims(proof, premises=("premise",)):
    """A causal proof from JSON: its premises' claims read back into statements (the other
    steps' claims are text for people; the kernel checks their data)."""
    from .errors import ProofError
    from .language.parse import parse_statement
    from .proof import Proof
    steps = []
    for s in proof.steps:
        if s.by in premises and isinstance(s.claim, str):
            try:
                s = replace(s, claim=parse_statement(s.claim, "<claim>"))
            except ScientiaError as e:
                raise ProofError([Diagnostic("E050", f"(kernel) step {s.id} (premise) rejected: claim does not "
                                                     f"parse: {e.diagnostics[0].message}")]) from None
        steps.append(s)
    return Proof(tuple(steps))


class KnowledgeBase:
    def __init__(self, timeout_ms: int = 5000, library: str | os.PathLike | None = None,
                 max_instances: int = 200_000, check_limit: int = 100_000, columnar_threshold: int | None = None):
        """`check_limit`: `ask_all` has the kernel accept up to this many answers before it
        returns; more come back with proofs checked when read (`Answers.checked`,
        `Answers.verify`). `columnar_threshold`: a Horn component whose input holds at least
        this many tuples is evaluated in DuckDB (engine/horn/columnar.py); None: the default,
        or the environment variable SCIENTIA_COLUMNAR_THRESHOLD."""
        self._lock = threading.RLock()
        self.check_limit = check_limit
        self.columnar_threshold = columnar_threshold
        self.timeout_ms = timeout_ms
        self.max_instances = max_instances     # grounding budget of one z3 problem
        self.library = Path(library) if library else LIBRARY
        self._v = _Version()
        self._tells = 0
        self._perceived: dict = {}      # source -> (model, input, confidence)
        self._distributions: dict = {}  # (symbol, input id) -> Perception, for probability
        self._theory = self._theory_for((), Signature())

    # ------------------------------------------------------------ reading
    @property
    def signature(self) -> Signature:
        return self._v.signature

    @property
    def statements(self) -> list:
        causal = [st for st, _ in self._v.causal.statements] if self._v.causal else []
        return [e.statement for e in self._v.entries] + causal + _laws_of(self._v)

    @property
    def entries(self) -> tuple:
        return self._v.entries

    @property
    def sources(self) -> dict:
        return dict(self._v.sources)

    @property
    def warnings(self) -> tuple:
        """The warnings that hold for the KB as it stands, as Diagnostics: W031 when z3 could not
        establish its consistency within the budget. The statements were told anyway, so an
        answer may rest on a contradiction: every answer carries these (`Answer.warnings`)
        until a change of the KB establishes consistency."""
        return self._v.warnings

    @_locked
    def set_timeout(self, timeout_ms: int) -> None:
        """Change the time budget of each solver call (`timeout_ms`). Assigning `kb.timeout_ms`
        alone reaches only theories built later: the current one (and its cached z3 problems)
        was built with the old budget, so it is rebuilt here from the same statements."""
        if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or timeout_ms <= 0:
            raise UsageError([Diagnostic("E020", f"the time budget must be a positive number of ms, got {timeout_ms!r}")])
        self.timeout_ms = timeout_ms
        self._theory = self._theory_for(self._v.entries, self._v.signature)

    # ------------------------------------------------------------ tell
    @_locked
    def tell(self, text: str, file: str | None = None) -> list:
        """Add statements atomically; answer the text's `?-` queries in order.
        Returns a list of (query text, [Answer, ...]) pairs."""
        if file is None:
            self._tells += 1
            file = f"<tell#{self._tells}>"
        statements = parse_program(text, file)
        before = self._v
        results = self.tell_statements(statements, {file: text})
        lint = tell_warnings(statements, before.signature, self._v.signature)
        return Told(results, lint + [w for w in self._v.warnings if w not in before.warnings])

    @_locked
    def tell_statements(self, statements: list, sources: dict | None = None) -> list:
        """Like `tell`, for statements already parsed (for example from TPTP)."""
        version, theory, results = self._v, self._theory, []
        sources = {**version.sources, **(sources or {})}
        pending: list = []
        for st in statements + [None]:
            if isinstance(st, (S.Query, S.CausalQuery, S.CauseQuery)) or st is None:
                if pending:
                    version, theory = self._extend(version, pending, sources)
                    pending = []
                if st is not None:
                    results.append(self._answer_query(theory, version, st))
            else:
                pending.append(st)
        self._v, self._theory = version, theory
        return results

    @_locked
    def revise(self, text: str, file: str | None = None, entrenchment=None) -> "Revision":
        """Tell `text`; where it contradicts the KB, give up a minimal set of the least entrenched
        statements instead of refusing, and say which (`Revision.given_up`: (statement, source)).

        Entrenchment (what is given up first): `None` (the default) ranks a perceived fact by its
        confidence below every told statement, and told statements by recency (the older, the
        less entrenched); a dict {statement text: priority} ranks by priority (the statements it
        does not name have priority 0; lower is given up first), then by recency; a callable (statement, source,
        index) -> comparable key ranks by its key. The new statements are never given up (AGM
        success); if they contradict each other, this raises InconsistencyError and changes
        nothing. The result is consistent (or its consistency is not established: W031), and
        minimal: every statement given up is needed, none can be told back alone. Declarations
        are never given up, except a `closed` declaration whose closed world is in the conflict."""
        if file is None:
            self._tells += 1
            file = f"<revise#{self._tells}>"
        statements = parse_program(text, file)
        told = [st for st in statements if not isinstance(st, (S.Query, S.CausalQuery, S.CauseQuery))]
        try:
            return Revision(self.tell(text, file), ())
        except InconsistencyError:
            pass
        version, sources = self._v, {**self._v.sources, file: text}
        new, libraries, sources = self._expand_uses(told, version.libraries, sources)
        base = [e.statement for e in version.entries] + \
            ([st for st, _ in version.causal.statements] if version.causal else []) + _laws_of(version)
        rank = _entrenchment(entrenchment, base, self._perceived)
        new_sources = {source_of(st) for st in new}
        removed: list = []
        while True:
            kept = [st for st in base if st not in removed]
            try:
                self._build(kept + new, sources, libraries)
                break
            except InconsistencyError as e:
                candidates = [st for st in kept if source_of(st) in set(getattr(e, "core_sources", ()))
                              and source_of(st) not in new_sources and _revisable(st)]
                if not candidates:
                    raise InconsistencyError(e.diagnostics, e.sources) from None
                removed.append(min(candidates, key=rank))
        for st in sorted(removed, key=rank, reverse=True):      # minimality: tell back what is not needed
            trial = [x for x in base if x not in removed or x is st]
            try:
                self._build(trial + new, sources, libraries)
                removed.remove(st)
            except InconsistencyError:
                pass
        kept = [st for st in base if st not in removed]
        self._v, self._theory = self._build(kept, version.sources, version.libraries)
        try:
            results = self.tell(text, file)
        except ScientiaError:
            self._v, self._theory = version, self._theory_for(version.entries, version.signature)
            raise
        return Revision(results, tuple((S.show(st), source_of(st)) for st in removed))

    def _extend(self, version: _Version, statements: list, sources: dict):
        statements, libraries, sources = self._expand_uses(statements, version.libraries, sources)
        base = [e.statement for e in version.entries]
        if version.causal is not None:
            base += [st for st, _ in version.causal.statements]
        return self._build(base + _laws_of(version) + statements, sources, libraries)

    def _build(self, statements: list, sources: dict, libraries: frozenset):
        """Check, compile and prove consistent a whole list of statements: a new version.
        Causal statements (engine/causal/program.py) are read into the version's causal
        program; the rest is the logic theory."""
        causal = [st for st in statements if is_causal(st)]
        laws = [st for st in statements if isinstance(st, S.LawDecl)]
        statements = [st for st in statements if not is_causal(st) and not isinstance(st, S.LawDecl)]
        _no_named_arguments(statements, sources)
        signature, checked = check(statements, Signature(), sources)
        program = None
        if causal:
            try:
                program = CausalProgram(causal, signature, source_of)
            except TypeCheckError as e:
                raise TypeCheckError(e.diagnostics, sources) from None
        entries = tuple(Entry(c.statement, c.sentence, source_of(c.statement)) for c in checked)
        theory = self._theory_for(entries, signature)
        warnings = self._check_consistent(theory, sources)
        book = _law_book(laws, signature, sources)
        return _Version(entries, signature, sources, libraries, tuple(warnings), program, book), theory

    def _theory_for(self, entries, signature) -> Theory:
        return Theory(tuple(entries) + _kd45_entries(signature), signature, self.timeout_ms, self._perceived,
                      self.max_instances, columnar_threshold=self.columnar_threshold)

    @property
    def perceptions(self) -> dict:
        """claim -> (model, input, confidence) for every perceived fact in the KB."""
        if not self._perceived:
            return {}
        return {S.show_formula(e.sentence): self._perceived[e.source] for e in self._v.entries
                if e.source in self._perceived}

    @_locked
    def add_perceived(self, statement: str, model: str, input_id: str, confidence: float) -> None:
        """Assert a fact produced by a perception model. Proofs cite it as a `perceived` step
        with its provenance; like any tell it is atomic and refused when it contradicts the KB.
        The statement must be one fact (E020 otherwise); `save` keeps its provenance."""
        file = f"<perceived:{model}:{input_id}>"
        parsed = parse_program(statement, file)
        provenance = checked_provenance(model, input_id, confidence)
        if len(parsed) != 1 or not isinstance(parsed[0], S.Axiom):
            raise UsageError([Diagnostic("E020", "add_perceived takes exactly one fact, such as `label(img1) = 7.`",
                                         None, "tell declarations with kb.tell first")])
        key = source_of(parsed[0])
        before = self._perceived.get(key)
        self._perceived[key] = provenance
        try:
            self.tell_statements(parsed, {file: statement})
        except ScientiaError:
            if before is None:
                del self._perceived[key]
            else:
                self._perceived[key] = before
            raise

    def perceive(self, x, input_id: str, model) -> Perception:
        """Run a perception model on input `x` and assert what it saw about `input_id` as a
        perceived fact (`digit_of(img7) = 3`), unless its confidence is under the model's
        threshold: then it abstains and the fact stays unknown. Its distribution is kept
        for `probability`. Atomic like `tell`; a contradiction names the perceived facts."""
        return self.add_perceptions(model, [(input_id, model.distribution(x))])[0]

    def perceive_many(self, xs, input_ids, model) -> list:
        """`perceive` for a batch of inputs, in one atomic tell."""
        dists = model.distributions(xs) if hasattr(model, "distributions") else [model.distribution(x) for x in xs]
        return self.add_perceptions(model, list(zip(input_ids, dists)))

    @_locked
    def add_perceptions(self, model, items) -> list:
        """Assert perceptions from distributions already computed: items are (input id, [(label, p)...])."""
        records, statements, sources, registered = [], [], {}, {}
        for input_id, dist in items:
            file = f"<perceived:{model.name}:{input_id}>"
            record, parsed, sources[file] = perception(self.signature, model, input_id, dist, file)
            if record.source is not None:
                registered[record.source] = (model.name, input_id, record.confidence)
            records.append(record)
            statements += parsed
        self._perceived.update(registered)
        try:
            self.tell_statements(statements, sources)
        except ScientiaError:
            for key in registered:
                del self._perceived[key]
            raise
        self._distributions.update({(r.symbol, r.input_id): r for r in records})
        return records

    @_locked
    def probability(self, query: str, limit: int = 4096) -> QueryProbability:
        """P(query) over the distributions of the perceived symbols whose input the query names:
        exact when their interpretations number at most `limit`, else best-first with bounds."""
        typed, _, sig = check_query(_existential(parse_formula(query)), self._v.signature, self._v.sources)
        theory, involved = self._without_perceptions(typed)
        return query_probability(theory, sig, typed, query, involved, limit)

    @_locked
    def outcomes(self, query: str, limit: int = 4096) -> list:
        """For each consistent interpretation of the perceived symbols the query names (best
        first): (probability, {input id: label}, [entailed bindings of the query's variables])."""
        typed, var_sorts, sig = check_query(parse_formula(query), self._v.signature, self._v.sources)
        theory, involved = self._without_perceptions(typed)
        return [(p, {r.input_id: r.distribution[k][0] for r, k in zip(involved, labels)}, bindings)
                for p, labels, bindings in outcomes(theory, sig, typed, var_sorts, involved, limit)]

    def _without_perceptions(self, typed):
        """The theory without the perceived facts about the inputs the formula names, and those perceptions."""
        involved = [r for (_, input_id), r in sorted(self._distributions.items()) if mentions(typed, input_id)]
        drop = {r.source for r in involved}
        return self._theory_for(tuple(e for e in self._v.entries if e.source not in drop), self._v.signature), involved

    def _expand_uses(self, statements, libraries, sources):
        out = []
        for st in statements:
            out.append(st)
            if isinstance(st, S.Use) and st.name not in libraries:
                path = library_file(self.library, st.name)
                if path is None:
                    raise UsageError([Diagnostic("E018", f"no library '{st.name}' in {self.library}", st.span,
                                                 "libraries are the .kb files of the kb/ folder, named without "
                                                 "folder or extension: `use family.`")], sources)
                name = f"kb/{st.name}.kb"
                try:
                    text = read_source(path, "library")
                except UsageError as e:
                    raise UsageError([replace(d, span=st.span) for d in e.diagnostics], sources) from None
                sources = {**sources, name: text}
                libraries = libraries | {st.name}
                inner = [x for x in _parse_library(text, name)
                         if not isinstance(x, (S.Query, S.CausalQuery, S.CauseQuery))]
                more, libraries, sources = self._expand_uses(inner, libraries, sources)
                out.extend(more)
        return out, libraries, sources

    def _check_consistent(self, theory: Theory, sources: dict) -> list:
        """Raise InconsistencyError when the statements contradict each other; return the
        warnings of the check: W031 when it gave up (a time or grounding budget). Such a KB
        is accepted, not refused (a hard but consistent KB stays usable), and the warning stays
        on it: every answer carries it, since from a contradiction anything follows."""
        if not theory.hard:
            return []
        try:
            return self._check_components(theory, sources)
        except Budget as e:
            return [_consistency_unknown(
                f"resource limit: {e}", "the statements ground to too many instances: use an open sort, "
                "or fewer variables over large finite sorts")]

    def _check_components(self, theory: Theory, sources: dict):
        plan = route(theory, entries=theory.hard)
        indices = list(plan.entries)
        if plan.core == FORWARD:     # definite rules and denials: forward chaining decides
            core = violation(theory, indices)
            if core is not None:
                raise _inconsistent(theory, core, self._perceived, sources)
            return []
        for extensions in ({}, None):      # first without, then with the closed-world literals
            problem = theory.problem(indices, extensions=extensions)
            outcome = problem.check()
            if outcome.status == "unsat":
                raise _inconsistent(theory, outcome.core, self._perceived, sources)
            if outcome.status == "unknown":
                return [_consistency_unknown(outcome.reason or "resource limit",
                                             "raise the time budget (timeout_ms; `:timeout` in the REPL, "
                                             "--timeout-ms on the command line) or simplify the statements")]
        return []

    # ------------------------------------------------------------ ask
    @_locked
    def ask(self, query: str, timeout_ms: int | None = None) -> Answer:
        """A closed query: true, false or unknown. Free variables are read existentially.
        `Answer.warnings` holds the KB's warnings and the query's (W001, W003). The pipeline:
        parse here, then check, route, solve and prove, kernel (`_closed`)."""
        causal = parse_causal_query(query, self._v.causal)
        if causal is not None:
            return self._causal(self._v, causal, query)
        formula = parse_formula(query)
        if _is_law_query(formula, self._v):
            found = self._laws(self._v, formula, query)
            return found[0] if found else Answer(query, Verdict.UNKNOWN, reason="no real solution found",
                                                 warnings=self._v.warnings)
        answer = self._closed(self._theory, self._v, _existential(formula), query, timeout_ms)
        answer.warnings = self._query_warnings(self._v, formula)
        return answer

    @_locked
    def ask_all(self, query: str, timeout_ms: int | None = None, budget_ms: int | None = None) -> Sequence:
        """One Answer per binding of the free variables whose instance the KB entails: an
        `Answers` sequence whose Answer objects (and proof objects) are built when read; every
        binding in it was accepted by the kernel before `ask_all` returned. `timeout_ms` is the
        budget of each solver call; `budget_ms` (default: a minute, or 12 solver budgets if
        that is more) bounds the whole search; `Answers.incomplete` says when it ran out."""
        formula = parse_formula(query)
        if _is_law_query(formula, self._v):
            return AnswerList(self._laws(self._v, formula, query), None, self._v.warnings)
        if not free_vars(formula):
            answer = self._closed(self._theory, self._v, formula, query, timeout_ms)
            answer.warnings = self._query_warnings(self._v, formula)
            return AnswerList([answer], None, answer.warnings)
        budget = budget_ms if budget_ms is not None else max(60_000, 12 * (timeout_ms or self.timeout_ms))
        answers = self._open(self._theory, self._v, formula, query, timeout_ms, budget)
        answers.warnings = self._query_warnings(self._v, formula)
        return answers

    def _answer_query(self, theory, version, st: S.Query):
        if is_causal_query(st, version.causal):
            text = S.show(st).removeprefix("?- ").removesuffix(".")
            return text, AnswerList([self._causal(version, st, text)], None, version.warnings)
        text = S.show_formula(st.formula)
        if _is_law_query(st.formula, version):
            return text, AnswerList(self._laws(version, st.formula, text), None, version.warnings)
        warnings = self._query_warnings(version, st.formula)
        if free_vars(st.formula):
            answers = self._open(theory, version, st.formula, text)
            answers.warnings = warnings
            return text, AnswerList(sorted(answers, key=lambda a: sorted((k, repr(v)) for k, v in a.bindings.items())),
                                    answers.incomplete, warnings)
        answer = self._closed(theory, version, st.formula, text)
        answer.warnings = warnings
        return text, AnswerList([answer], None, warnings)

    def _causal(self, version, st, text: str) -> Answer:
        """A causal query: the search's answer (engine/causal/ask.py), kept once the kernel
        (engine/kernel/causal.py) accepts its proof."""
        from .causal.answer import answer as causal_answer
        result = causal_answer(version.causal, st, version.sources)
        verdict = Verdict(result.verdict)
        answer = Answer(text, verdict, reason=result.reason, witnesses=result.witnesses, value=result.value,
                        warnings=version.warnings)
        if verdict is Verdict.UNKNOWN:
            return answer
        from .errors import ProofError
        from .proof import Proof
        proof = Proof(tuple(result.steps))
        try:
            kernel.check_causal(proof, self._causal_view(version), st, result.verdict, result.value)
        except ProofError as e:
            if not any(m in e.diagnostics[0].message for m in OPEN_ROWS):
                # The search's probes are not proofs: an answer the kernel does not accept is not given.
                return Answer(text, Verdict.UNKNOWN, reason="the kernel did not accept the search's proof: "
                              + e.diagnostics[0].message.removeprefix("(kernel) "), warnings=version.warnings)
            # The numbers leave a value open that the search's sweep took as fixed. The verdict
            # may still hold whatever the open rows are: ask the kernel for that, without values.
            proof = Proof(tuple(replace(s, data={k: v for k, v in s.data.items() if k != "value"})
                                if s.data and s.by in ("compute", "verdict") else s for s in proof.steps))
            try:
                kernel.check_causal(proof, self._causal_view(version), st, result.verdict, None)
            except ProofError as again:
                why = again.diagnostics[0].message.split(": ", 1)[-1].removesuffix(" [E050]")
                return Answer(text, Verdict.UNKNOWN, reason=f"the given numbers do not settle it: {why}",
                              warnings=version.warnings)
            answer.value = None
        answer._proof = proof
        return answer

    def _laws(self, version, formula, text) -> list:
        """The answers of a law query (engine/reason/laws.py), each kept once the kernel
        (engine/kernel/laws.py) accepts its proof; one that it does not accept is unknown."""
        from .errors import ProofError
        from .proof import Proof
        from .reason.laws import LawBook, answer as law_answer
        book = version.laws or LawBook()
        try:
            results = law_answer(book, formula)
        except TypeCheckError as e:
            raise TypeCheckError(e.diagnostics, {**version.sources, "<query>": text}) from None
        out = []
        for r in results:
            answer = Answer(text, Verdict(r.verdict), bindings=r.bindings, reason=r.reason, warnings=version.warnings)
            if r.verdict != "unknown":
                proof = Proof(tuple(r.steps))
                try:
                    kernel.check_law(proof, book, formula, r.verdict, r.enclosure)
                    answer._proof = proof
                except ProofError as e:
                    answer = Answer(text, Verdict.UNKNOWN, warnings=version.warnings,
                                    reason="the kernel did not accept the proof: "
                                    + e.diagnostics[0].message.removeprefix("(kernel) "))
            out.append(answer)
        return out

    @_locked
    def tell_law(self, law, name: str, data, target: str | None = None, params=None, kb_file=None) -> list:
        """Tell a discovered law (engine.laws.Law, or a sympy expression) as a `law` statement
        with its provenance: the data file's sha256, its rows and the law's largest relative
        error on them, computed here from the file. `data` is the CSV file; its path is
        written relative to the folder of `kb_file` (the KB file the statement is meant for;
        default: the working folder). Returns what `tell` returns."""
        from .reason.provenance import law_statement
        text = law_statement(law, name, data, target, params, kb_file)
        return self.tell(text, str(kb_file) if kb_file else None)

    def _causal_view(self, version) -> "_KernelView":
        return _KernelView(self._theory_for((), version.signature), version.signature, {}, version.causal)

    @staticmethod
    def _query_warnings(version, formula) -> tuple:
        """The warnings an answer carries: the KB's (W031) and the query's own (W001, W003)."""
        return tuple(version.warnings) + tuple(query_warnings(formula, version.signature))

    def _closed(self, theory, version, formula, text, timeout_ms: int | None = None) -> Answer:
        """The pipeline of a closed query, after parsing: check, route, solve and prove, kernel."""
        typed, _, sig = check_query(formula, version.signature, version.sources)
        plan = route(theory, typed)
        try:
            with theory.solver_timeout(timeout_ms):
                answer, proof = decide(theory, sig, typed, text, plan)
        except (KeyboardInterrupt, SystemExit, ScientiaError):
            raise
        except Exception as e:       # the search found an answer it cannot prove: not given
            return Answer(text, Verdict.UNKNOWN, reason=f"E050: the search could not build a proof "
                          f"({type(e).__name__}: {e})")
        if proof is None:
            return answer
        claim = typed if answer.verdict is Verdict.TRUE else S.Not(typed)
        return self._kernel_checked(answer, proof, claim, _KernelView(theory, sig, self._perceived), timeout_ms)

    def _kernel_checked(self, answer: Answer, proof, claim, view, timeout_ms: int | None = None) -> Answer:
        """The answer with its proof once the kernel accepts it (a ProofError propagates: a
        search bug); `unknown` when the kernel runs out of time."""
        from .errors import KernelBudget
        try:
            kernel.check(read_claims(proof), view, claim, self._kernel_ms(timeout_ms))
        except KernelBudget:
            return Answer(answer.query, Verdict.UNKNOWN, answer.bindings,
                          reason="resource limit: the kernel could not re-check the proof in time")
        answer._proof = proof
        return answer

    def _open(self, theory, version, formula, text, timeout_ms: int | None = None,
              budget_ms: int | None = None) -> Answers:
        """Every binding the search finds. Up to `check_limit` of them, each is reported only
        once the kernel accepted it: the Horn core's rows in bulk (engine/kernel/bulk.py
        re-checks the derivation order the search hands over), any other row by its own proof,
        checked here; a row the kernel does not accept is left out and `incomplete` says so
        (E050: the search erred). Beyond that (a closure of millions), the answers come back
        unchecked (`Answers.checked` False) and each proof is built and checked when read, or
        all of them by `Answers.verify()`: a check as costly as the search is not paid for
        answers nobody reads."""
        import time
        from .errors import KernelBudget, ProofError
        typed, var_sorts, sig = check_query(formula, version.signature, version.sources)
        view = _KernelView(theory, sig, self._perceived)
        start = time.monotonic()
        with theory.solver_timeout(timeout_ms):
            found = candidates(theory, sig, typed, var_sorts, budget_ms)
        rows, notes = found.rows, []

        def instance_of(row):
            binding = dict(zip(found.names, (row[k] for k in found.positions)))
            # the proof must conclude the query under the binding the answer shows, whatever
            # instance the search says it proved
            return binding, substitute(typed, {n: value_term(v) for n, v in binding.items()})

        def proved(i):
            """The checked proof of row i, or an Answer saying why there is none."""
            binding, instance = instance_of(found.rows[i])
            try:
                _, proof = found.proof(i)
                kernel.check(read_claims(proof), view, instance, self._kernel_ms(timeout_ms))
            except KernelBudget:
                return Answer(text, Verdict.UNKNOWN, binding,
                              reason="resource limit: the kernel could not re-check the proof in time")
            except ProofError as e:
                return Answer(text, Verdict.UNKNOWN, binding, reason=f"E050: {e.diagnostics[0].message}")
            except (KeyboardInterrupt, SystemExit):
                raise
            except Exception as e:       # the search could not build a proof: not checked
                return Answer(text, Verdict.UNKNOWN, binding, reason=f"E050: no proof ({type(e).__name__})")
            return proof

        def check(rows, deadline):
            """The kernel's verdict on the rows: (proofs of rows checked one by one, indices
            it did not accept, how many were left unchecked when the deadline passed)."""
            linear = _linear_check(view, typed, rows) if rows else None
            if not rows:
                todo = []
            elif linear is not None:         # a linear recursion asked with one argument given
                todo = linear
            elif found.certificate is not None and isinstance(typed, S.Atom):
                try:
                    todo = kernel.check_answers(view, typed, rows, found.certificate(), self._kernel_ms(timeout_ms))
                except (KeyboardInterrupt, SystemExit):
                    raise
                except Exception:            # a certificate the kernel cannot read: check each row
                    todo = list(range(len(rows)))
            else:
                todo = list(range(len(rows)))
            proofs, wrong, unchecked = {}, [], 0
            for n, i in enumerate(todo):
                if deadline is not None and time.monotonic() > deadline:
                    unchecked += len(todo) - n
                    break
                got = proved(i)
                if isinstance(got, Answer):
                    if got.reason.startswith("E050"):
                        wrong.append(i)
                    else:
                        unchecked += 1
                else:
                    proofs[i] = got
            return todo, proofs, wrong, unchecked

        # Checked before returning: up to `check_limit` rows, and rows of the columnar backend
        # (no derivation order: each row's proof is re-derived) only up to PER_ROW_CHECKS.
        eager = len(rows) <= self.check_limit and (isinstance(rows, (tuple, list)) or len(rows) <= PER_ROW_CHECKS)
        if not eager:
            def verify():
                return check(tuple(rows), None)[2]
            return Answers(text, found.names, rows, found.positions, proved, found.incomplete,
                           checked=False, verify=verify)
        rows = tuple(rows) if not isinstance(rows, (tuple, list)) else rows
        todo, proofs, wrong, unchecked = check(rows, None if budget_ms is None else start + budget_ms / 1000)
        if wrong:
            notes.append(f"E050: the kernel did not accept {len(wrong):,} of the bindings the search found "
                         "(a bug in the search); they are left out")
        if unchecked:
            notes.append(f"resource limit: {unchecked:,} bindings the search found were not re-checked "
                         "by the kernel in time; they are left out")
        if len(proofs) < len(todo):
            origin = sorted(set(range(len(rows))).difference(todo).union(proofs))
            rows = [rows[i] for i in origin]
        else:
            origin = None

        def checked(i):
            with self._lock:      # proofs are built when read, perhaps in another thread
                k = i if origin is None else origin[i]
                if k in proofs:
                    return proofs[k]
                return proved(k)
        incomplete = "; ".join([found.incomplete, *notes] if found.incomplete else notes) or None
        return Answers(text, found.names, rows, found.positions, checked, incomplete)

    # ------------------------------------------------------------ retract, load, save
    @_locked
    def retract(self, text: str) -> int:
        """Remove every statement equal (up to bound-variable names) to the given one."""
        target = [st for st in parse_program(text if text.strip().endswith(".") else text + ".", "<retract>")]
        target = nullary_terms(target, {f for f, (args, _) in self.signature.funs.items() if not args})
        keys = {_key(st) for st in target}
        keep = [e.statement for e in self._v.entries if _key(e.statement) not in keys]
        removed = len(self._v.entries) - len(keep)
        causal = [st for st, _ in self._v.causal.statements] if self._v.causal else []
        kept_causal = [st for st in causal if st not in target]
        removed += len(causal) - len(kept_causal)
        keep += kept_causal
        laws = _laws_of(self._v)
        keep += [st for st in laws if st not in target]
        removed += sum(st in target for st in laws)
        if not removed:
            raise UsageError([Diagnostic("E019", f"no statement {text.strip()} in the knowledge base", None,
                                         "list the statements with kb.statements (or :list in the REPL)")])
        self._v, self._theory = self._build(keep, self._v.sources, self._v.libraries)
        return removed

    @_locked
    def load(self, path) -> list:
        """Tell the statements of a Scientia file (UTF-8 text) and answer its queries; a file
        that cannot be read is a UsageError E004 naming it. A `% @perceived {...}` line (as
        `save` writes them) gives the statement on the next line its perception provenance; a
        `% @expanded NAME` line says that the file holds the statements of library NAME written
        out, so that its `use NAME.` does not read the library again."""
        text = read_source(path)
        file = str(path)
        marks = {k: v for k, v in perceived_marks(text, file).items() if k not in self._perceived}
        expanded = set(EXPANDED.findall(text)) - self._v.libraries
        before = self._v
        self._perceived.update(marks)
        if expanded:        # written out in the file: `use` must not read them again
            self._v = replace(before, libraries=before.libraries | expanded)
        try:
            return self.tell(text, file)
        except ScientiaError:
            for key in marks:
                del self._perceived[key]
            self._v = before
            raise

    @_locked
    def save(self, path) -> None:
        """Write the KB as source text that `load` reads back to the same statements.

        - A library (`use NAME.`) is written as its `use` line only while all of its statements
          are still in the KB and its file reads as when it was used. Once one of its statements
          has been retracted (or the file changed, or a library it uses is written out), its
          remaining statements are written out in full after the `use` line, which gets a
          `% @expanded NAME` comment above it: `load` then counts the library as used without
          reading its file, so a retracted library fact cannot come back, and the saved file
          does not depend on later edits of the library. (Recording the retractions instead
          would need new syntax and would go wrong as soon as the library file changes.)
        - A perceived fact is preceded by a `% @perceived {"model": ..., "input": ...,
          "confidence": ...}` comment, which `load` reads back as its provenance.
        - The file is written atomically (a temporary file renamed into place, removed on any
          failure); it keeps the mode of the file it replaces, or gets 0666 less the umask.
          A path that cannot be written is a UsageError E021.
        """
        lines = ["% saved by scientia"]
        entries, kept = saved_entries(self._v, self.library)
        for e in entries:
            if isinstance(e.statement, S.Use) and e.statement.name not in kept:
                lines.append(f"% @expanded {e.statement.name}")
            if e.source in self._perceived:
                model, input_id, confidence = self._perceived[e.source]
                lines.append("% @perceived " + json.dumps({"model": model, "input": input_id,
                                                           "confidence": confidence}))
            lines.append(S.show(e.statement))
        if self._v.causal is not None:
            for st, src in self._v.causal.statements:
                if not any(src.startswith(f"kb/{name}.kb:") for name in kept):
                    lines.append(S.show(st))
        if self._v.laws:
            from .reason.provenance import moved
            lines += [S.show(moved(st, path)) for st in _laws_of(self._v)]
        write_text(path, "\n".join(lines) + "\n")

    # ------------------------------------------------------------ proofs
    @_locked
    def verify(self, proof, claim: str | None = None) -> None:
        """Re-check a proof against this KB; raises ProofError naming the failing step. Given a
        claim (a formula's text), the proof must conclude exactly it. Given an Answer, this is
        `verify_answer`. A bare proof binds to nothing: only its steps are checked, in the
        signature its conclusion's symbols give (as if it were asked as a query)."""
        from .errors import ProofError
        from .proof import Proof
        if isinstance(proof, Answer):
            if claim is not None:
                raise UsageError([Diagnostic("E050", "verify an Answer without a separate claim")])
            return self.verify_answer(proof)
        if not isinstance(proof, Proof) or not proof.steps:
            raise ProofError([Diagnostic("E050", "(kernel) empty proof" if isinstance(proof, Proof)
                                         else f"(kernel) not a proof: {type(proof).__name__}")])
        proof = read_claims(proof)
        if claim is not None:
            expected, sig = self._typed_claim(claim, "the claim")
        else:     # the kernel rejects a conclusion that is not a well-typed formula, naming its step
            try:
                _, sig = self._typed_claim(proof.conclusion.claim, "the proof's conclusion")
            except ProofError:
                sig = self._v.signature
            expected = None
        kernel.check(proof, _KernelView(self._theory, sig, self._perceived), expected, self._kernel_ms())

    def verify_answer(self, answer: Answer) -> None:
        """Re-check an answer: its proof must pass the kernel and conclude exactly what the
        answer says: for `true` the query's instance under the bindings (the query itself,
        its free variables read existentially, when there are no bindings), for `false` its
        negation. The bindings must bind exactly the query's free variables (or none), each
        to a value of the variable's sort. An `unknown` answer claims nothing and must carry
        no proof. Raises ProofError (E050) naming what does not match."""
        from .errors import KernelBudget, ProofError
        from .proof import Proof
        from .language.terms import substitute, value_term

        def wrong(message):
            return ProofError([Diagnostic("E050", f"(answer) {message}")])
        if not isinstance(answer, Answer) or not isinstance(answer.verdict, Verdict):
            raise wrong("not an answer")
        proof = answer.proof
        if answer.verdict is Verdict.UNKNOWN:
            if proof is not None:
                raise wrong("an unknown answer carries a proof; a proof certifies true or false")
            return
        if not isinstance(proof, Proof) or not proof.steps:
            raise wrong(f"a {answer.verdict} answer without a proof")
        try:
            causal = parse_causal_query(answer.query, self._v.causal) if isinstance(answer.query, str) else None
        except ScientiaError as e:
            raise wrong(f"the query {answer.query!r} does not parse: {e.diagnostics[0].message}") from None
        if causal is not None:
            kernel.check_causal(read_claims(proof), self._causal_view(self._v), causal, answer.verdict.value,
                                answer.value)
            return
        try:
            formula = parse_formula(answer.query) if isinstance(answer.query, str) else None
        except ScientiaError as e:
            raise wrong(f"the query {answer.query!r} does not parse: {e.diagnostics[0].message}") from None
        if formula is None:
            raise wrong("the answer has no query text")
        if _is_law_query(formula, self._v):
            return self._verify_law(answer, formula, read_claims(proof), wrong)
        bindings = answer.bindings if isinstance(answer.bindings, dict) else None
        names = free_vars(formula)
        if bindings is None or bindings and set(bindings) != names:
            raise wrong(f"the bindings {answer.bindings!r} do not bind the query's variables "
                        f"({', '.join(sorted(names)) or 'none'})")
        typed, sig = self._typed_claim(formula if bindings else _existential(formula), "the query")
        if bindings:
            _, var_sorts, _ = check_query(formula, self._v.signature)
            for name, value in sorted(bindings.items()):
                if not kernel.fits(value, var_sorts[name], sig):
                    raise wrong(f"the binding {name} = {value!r} is not a value of sort {var_sorts[name]}")
            typed = substitute(typed, {k: value_term(v) for k, v in bindings.items()})
        expected = typed if answer.verdict is Verdict.TRUE else S.Not(typed)
        proof = read_claims(proof)
        concluded = proof.conclusion.claim
        if concluded != expected:
            raise wrong(f"the answer {answer.verdict} for {answer.query}{self._bound(bindings)} claims "
                        f"{S.show_formula(expected)}, but its proof concludes {proof.conclusion.text}")
        try:
            kernel.check(proof, _KernelView(self._theory, sig, self._perceived), expected, self._kernel_ms())
        except KernelBudget:
            raise
        except ProofError as e:
            raise ProofError([Diagnostic("E050", f"(answer) {answer.verdict} for {answer.query}"
                                                 f"{self._bound(bindings)} is not certified: {e.diagnostics[0].message}")]) from None

    def _verify_law(self, answer, formula, proof, wrong) -> None:
        """verify_answer for a law query: the bindings are the proof's solution, if any, and the
        kernel accepts the proof (engine/kernel/laws.py)."""
        from fractions import Fraction
        from .reason.laws import LawBook
        solve = [s for s in proof.steps if s.by == "solve"]
        binding = None
        if answer.bindings or solve:
            data = (solve[-1].data or {}) if solve else {}
            if set(answer.bindings) != {data.get("var")}:
                raise wrong(f"the bindings {answer.bindings!r} are not the proof's solution")
            try:
                lo, hi = (Fraction(str(data.get(k)).lstrip("#")) for k in ("lo", "hi"))
            except (ValueError, ZeroDivisionError):
                raise wrong("the proof's enclosure is not a pair of numbers") from None
            value = answer.bindings[data["var"]]
            if isinstance(value, (int, Fraction)) and not lo <= value <= hi:
                raise wrong(f"the binding {value} is outside the proof's enclosure")
            binding = {data["var"]: (lo, hi)}
        kernel.check_law(proof, self._v.laws or LawBook(), formula, answer.verdict.value, binding)

    def _typed_claim(self, claim, what: str):
        """The claim typed as `check_query` types a query, and the signature it is checked in:
        the KB's, extended exactly as the query checker extends it with the claim's new symbols."""
        from .errors import ProofError
        try:
            formula = parse_formula(claim) if isinstance(claim, str) else claim
            typed, _, sig = check_query(formula, self._v.signature)
        except ScientiaError as e:
            raise ProofError([Diagnostic("E050", f"(kernel) {what} is not a well-typed formula: "
                                                 f"{e.diagnostics[0].message}")]) from None
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as e:      # not a text, nested too deeply, ...
            raise ProofError([Diagnostic("E050", f"(kernel) {what} cannot be read ({type(e).__name__})")]) from None
        return typed, sig

    def _kernel_ms(self, timeout_ms: int | None = None) -> int:
        """The kernel's time budget for one smt step: the query's, else at least 10 s."""
        return timeout_ms if timeout_ms is not None else max(10_000, self.timeout_ms)

    @staticmethod
    def _bound(bindings: dict) -> str:
        return " with " + ", ".join(f"{k} = {v}" for k, v in sorted(bindings.items())) if bindings else ""


def _linear_check(view, typed, rows):
    """The rows the kernel's derived rule for linear recursion does not accept, or None where
    it does not apply (engine/kernel/linear.py); a failure inside it counts as not applying."""
    try:
        return kernel.check_linear(view, typed, rows)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception:
        return None


def _consistency_unknown(reason: str, hint: str) -> Diagnostic:
    from .answer import CONSISTENCY_UNKNOWN
    return warning(CONSISTENCY_UNKNOWN, f"consistency was not established ({reason}): the statements were told, "
                                        "but the knowledge base may be inconsistent, and then every answer "
                                        "from it is unreliable", None, hint)


def _existential(formula):
    """A query's free variables read existentially."""
    names = sorted(free_vars(formula))
    return S.Quant("exists", tuple((n, None) for n in names), formula) if names else formula


def _laws_of(version) -> list:
    return [st for st, _ in version.laws.statements] if version.laws else []


def _is_law_query(formula, version) -> bool:
    """Does the query apply a law (or use a named argument, which only laws take)? Checked
    here, so that a KB without laws never imports engine/reason/laws.py (and sympy)."""
    names = version.laws.by_name if version.laws else {}
    return any(isinstance(n, S.NamedArg) or isinstance(n, S.Fn) and n.name in names for n in S.nodes(formula))


def _no_named_arguments(statements: list, sources: dict) -> None:
    """E072 for `name = value` as an argument in a statement: only law queries take them."""
    for st in statements:
        for n in () if S.plain_fact(st) else S.nodes(st):
            if isinstance(n, S.NamedArg):
                raise TypeCheckError([Diagnostic("E072", f"a named argument {n.name} = ... outside a law query",
                                                 n.span or st.span, "arguments are positional; named ones are "
                                                 "for applying a law in a query: ?- f(x = 1) > 2.")], sources)


def _law_book(laws: list, signature: Signature, sources: dict):
    """The laws of a version (None without any); E071 for a law named like a predicate or
    function, or two different laws of one name."""
    if not laws:
        return None
    from .reason.laws import LawBook
    seen, kept = {}, []
    for st in laws:
        clash = st.name in signature.preds or st.name in signature.funs
        other = seen.get(st.name)
        if clash or other is not None and other != st:
            what = "a predicate or function" if clash else f"another law (at {source_of(other)})"
            raise TypeCheckError([Diagnostic("E071", f"the law {st.name} has the name of {what}", st.span,
                                             "give the law its own name, or retract the other statement")], sources)
        if other is None:
            seen[st.name] = st
            kept.append((st, source_of(st)))
    return LawBook(kept)


def _from_library(e: Entry) -> bool:
    return e.statement.span is not None and e.statement.span.file.startswith("kb/")


def _key(st):
    if is_causal(st):
        return ("causal", st)
    match st:
        case S.Axiom(f):
            return ("axiom", canonical(_close(f)))
        case S.Rule():
            return ("rule", canonical(_close(S.Implies(S.And(st.body), st.head))))
    return ("decl", st)


def _close(f):
    names = sorted(free_vars(f))
    return S.Quant("forall", tuple((n, None) for n in names), f) if names else f


def _inconsistent(theory: Theory, core, perceived: dict, sources: dict) -> InconsistencyError:
    """The error for a conflicting core, carrying the sources of the statements in it
    (`core_sources`; a closed-world assumption counts as its `closed` declaration) for revise."""
    error = InconsistencyError(_conflict(theory, core, perceived), sources)
    found = []
    for key in core:
        if key[0] == "closed":
            found += [e.source for e in theory.entries
                      if isinstance(e.statement, S.ClosedDecl) and key[1] in e.statement.preds]
        else:
            found.append(theory.entries[key[0]].source)
    error.core_sources = tuple(dict.fromkeys(found))
    return error


def _conflict(theory: Theory, core, perceived: dict) -> list:
    diags = []
    for key in sorted(core, key=repr):
        if key[0] == "closed":
            _, pred, values = key
            atom = S.show_atom(S.Atom(pred, tuple(S.Const(v) if isinstance(v, str) else S.Num(v) for v in values)))
            diags.append(Diagnostic("E030", f"conflicting closed-world assumption: not {atom} "
                                            f"({'believes' if pred.startswith('@') else pred} is closed and "
                                            f"{atom} is not entailed)", None))
            continue
        entry = theory.entries[key[0]]
        if entry.source in perceived:
            model, input_id, confidence = perceived[entry.source]
            diags.append(Diagnostic("E030", f"conflicting perceived fact: {S.show(entry.statement)} "
                                            f"(model {model}, input {input_id}, confidence {confidence:.3f})", None))
            continue
        diags.append(Diagnostic("E030", f"conflicting statement: {S.show(entry.statement)}", entry.statement.span))
    unique = list(dict.fromkeys(diags))
    count = len(unique)
    weakest = min(((perceived[theory.entries[k[0]].source][2], S.show(theory.entries[k[0]].statement))
                   for k in core if k[0] != "closed" and theory.entries[k[0]].source in perceived), default=None)
    if weakest is not None:
        unique.append(Diagnostic("E030", f"cheapest fix: drop the least confident perception {weakest[1]} "
                                         f"(confidence {weakest[0]:.3f})", None))
    head = Diagnostic("E030", f"inconsistent: these {count} statement(s) contradict each other; "
                              "the knowledge base is unchanged", None, "remove or correct one of them")
    return [head] + unique
