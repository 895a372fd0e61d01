"""The compiled view of a knowledge base, computed once per version of it.

Statements are split into the *Horn part* (ground facts and definite rules whose
negations are over settled closed predicates), evaluated by the forward chainer,
and the *hard part* (everything else), handed to z3. A closed predicate is
*settled* when no hard statement can add to what the chainer derives for it; its
extension is then the least model. Other closed predicates get their extension from
entailment checks by z3, in dependency order.
"""
from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass
from functools import cached_property

from ..language import syntax as S
from .denials import denial_rule
from ..horn.factoring import factored
from ..language.graph import dependency_order, reachable
from ..horn import columnar
from ..horn.magic import solve
from ..horn.shape import ground_fact, horn_rule, horn_shape, negated, stratified
from ..proof import Step
from ..language.signature import Signature
from ..smt.solver import Budget, Problem
from ..language.terms import term_value, value_term
from ..language.walks import comparisons, compared_sorts, names, preds, quantifiers


@dataclass(frozen=True)
class Entry:
    """A statement of the KB with its typed sentence and its source (file:line:col)."""

    statement: object
    sentence: object
    source: str


class Theory:
    def __init__(self, entries: tuple, signature: Signature, timeout_ms: int = 5000, perceptions=None,
                 max_instances: int = 200_000, columnar_threshold: int | None = None):
        self.entries = entries
        # components of the least model reading this many tuples run in DuckDB (engine/horn/columnar.py)
        self.columnar_threshold = columnar.default_threshold() if columnar_threshold is None \
            else columnar_threshold
        self._model = None                  # the least model of the Horn part, once computed
        self.max_instances = max_instances
        self.active_timeout_ms = timeout_ms  # the budget of each solver check (see `solver_timeout`)
        self.perceptions = perceptions if perceptions is not None else {}   # source -> (model, input, confidence)
        self.sig = signature
        self.timeout_ms = timeout_ms
        self.by_source = {e.source: e for e in entries}
        self.facts: dict = {}
        self.fact_index: dict = {}          # (pred, tuple) -> entry index
        self.rules: list = []               # HornRule with index = entry index
        self.hard: list = []                # entry indices for z3
        self.symbols: dict = {}             # entry index -> frozenset of the symbols it mentions
        self._problems: dict = {}           # relevant entry indices -> grounded Problem (reused)
        self._atom_closure: dict = {}       # (pred, values) -> closed-false, decided one atom at a time
        self._closure_problems: dict = {}   # pred -> the Problem that decides its atoms one by one
        self._close_inputs: dict = {}       # relevant indices -> what `_close_all` needs of them
        self._denials: dict = {}            # entry index -> violation rule or None (see `denials`)
        self._classify()

    # ------------------------------------------------------------ classification
    def _classify(self):
        candidates, shared = [], {}      # equal symbol sets kept once (8,000 facts: one set)
        for i, e in enumerate(self.entries):
            st = e.statement
            if e.sentence is None:
                continue
            found = frozenset(_symbols(e.sentence))
            self.symbols[i] = shared.setdefault(found, found)
            fact = ground_fact(st)
            if fact is not None:
                self.facts.setdefault(fact[0], set()).add(fact[1])
                self.fact_index.setdefault(fact, i)
            elif isinstance(st, S.Rule) and horn_shape(st) and not self._open_disequality(e.sentence) \
                    and not self._absent_over_infinite(st):
                candidates.append(i)
            else:
                self.hard.append(i)
        while True:   # rules that negate an unsettled closed predicate are hard
            settled = self._settled(candidates)
            moved = [i for i in candidates if any(p not in settled for p in negated(self.entries[i].statement))]
            negating = [i for i in candidates if negated(self.entries[i].statement)]
            if not moved and negating and not stratified([horn_rule(self.entries[i].statement, i) for i in candidates]):
                moved = negating    # a cycle through negation (q :- not p. p :- q.): z3 reads them classically
            if not moved:
                break
            self.hard.extend(moved)
            candidates = [i for i in candidates if i not in moved]
        self.settled = settled
        self.rules = [horn_rule(self.entries[i].statement, i) for i in candidates]

    @cached_property
    def equal_open(self) -> frozenset:
        """The open sorts whose terms some statement compares: there two constants may denote one
        individual, which the least model (a Herbrand model: distinct names, distinct things)
        does not see."""
        compared = set().union(*(compared_sorts(e.sentence, self.sig) for e in self.entries
                                 if e.sentence is not None))
        return frozenset(s for s in compared if s in self.sig.sorts and self.sig.sorts[s].kind == "open")

    def _open_disequality(self, sentence) -> bool:
        """A rule that tests `!=` (or an order) between terms of an open sort: the chainer would
        read distinct names as distinct individuals, which an open sort does not promise."""
        return any(c.op != "=" and compared_sorts(c, self.sig) & self.open_sorts
                   for c in comparisons(sentence)) if self.open_sorts else False

    def _absent_over_infinite(self, rule) -> bool:
        """A rule with `_` in a negated atom at a position whose sort is not finite (`not
        parent(X, _)` over an open sort): "no value" there ranges over individuals that no
        constant names, which the chainer does not see, so z3 reads the rule."""
        for b in rule.body:
            if isinstance(b, S.Not) and isinstance(b.body, S.Atom):
                sorts = self.sig.preds.get(b.body.pred, ())
                for k, a in enumerate(b.body.args):
                    if isinstance(a, S.Var) and a.name == "_" and (k >= len(sorts) or self.sig.domain(sorts[k]) is None):
                        return True
        return False

    @cached_property
    def open_sorts(self) -> frozenset:
        return frozenset(n for n, s in self.sig.sorts.items() if s.kind == "open")

    def _settled(self, horn_candidates) -> set:
        """Closed predicates whose rule-connected neighbourhood (upstream and downstream)
        touches no hard statement: for them the least model is exactly what the KB entails."""
        hard_preds = set().union(*(self.symbols[i] for i in self.hard)) if self.hard else set()
        blocking = [i for i in self.hard if self._denial(i) is None]
        blocking_preds = set().union(*(self.symbols[i] for i in blocking)) if blocking else set()
        negating = {e.statement.head.pred for e in self.entries
                    if isinstance(e.statement, S.Rule) and any(isinstance(b, S.Not) for b in e.statement.body)}
        links = self._links()
        settled = set()
        for p in self.sig.closed:
            cone = reachable(links, {p})
            # denials add no atom to a definite cone (engine/reason/denials.py); through a negated body
            # literal they can (q :- not p with `not q` entails p), so then they count
            if cone & (hard_preds if cone & negating else blocking_preds):
                continue
            if self.equal_open and any(set(self.sig.preds.get(q, ())) & self.equal_open for q in cone):
                continue     # closed over an open sort with equalities: the least model is not the closure
            settled.add(p)
        return settled

    def _denial(self, i: int):
        """The violation rule of entry i when it is a denial (engine/reason/denials.py), else None."""
        if i not in self._denials:
            self._denials[i] = denial_rule(self.entries[i].sentence, i)
        return self._denials[i]

    @cached_property
    def denials(self) -> dict:
        """Entry index -> violation rule, for the hard entries that are denials."""
        return {i: r for i in self.hard if (r := self._denial(i)) is not None}

    def _links(self) -> dict:
        """Predicates linked by rules, in both directions."""
        links: dict = {}
        for e in self.entries:
            if isinstance(e.statement, S.Rule):
                head = e.statement.head.pred
                for b in e.statement.body:
                    for q in _symbols(b):
                        links.setdefault(head, set()).add(q)
                        links.setdefault(q, set()).add(head)
        return links

    @cached_property
    def _depends(self) -> dict:
        """Predicate -> the predicates its truth can depend on in one step: a rule's head on its
        body's, and the predicates of any other statement on one another."""
        graph: dict = {}
        for e in self.entries:
            if e.sentence is None:
                continue
            if isinstance(e.statement, S.Rule):
                graph.setdefault(e.statement.head.pred, set()).update(
                    q for b in e.statement.body for q in _symbols(b) if not q.startswith("fn:"))
            else:
                found = {q for q in _symbols(e.sentence) if not q.startswith("fn:")}
                for q in found:
                    graph.setdefault(q, set()).update(found)
        return graph

    def depends_on(self, preds) -> set:
        """The predicates whose atoms can decide atoms of `preds` (witnesses show only these)."""
        return reachable(self._depends, preds)

    def _dependency_order(self, preds) -> list:
        """Closed predicates ordered so that each comes after those its rules depend on."""
        deps: dict = {}
        for e in self.entries:
            if isinstance(e.statement, S.Rule):
                deps.setdefault(e.statement.head.pred, set()).update(
                    q for b in e.statement.body for q in _symbols(b))
        return dependency_order(deps, preds)

    def premise_step(self, index: int, step_id: int, claim: str):
        """The step that cites entry `index`: a premise, or a perceived fact with its provenance."""
        source = self.entries[index].source
        if self.perceptions and source in self.perceptions:
            model, input_id, confidence = self.perceptions[source]
            return Step(step_id, claim, "perceived", model=model, input=input_id, confidence=confidence)
        return Step(step_id, claim, "premise", source=source)

    # ------------------------------------------------------------ least model and closure
    @property
    def model(self):
        """The least model of the Horn part, computed once, when first needed: the core's Model,
        or a ColumnarModel where a component reads `columnar_threshold` tuples or more."""
        if self._model is None:
            self._model = columnar.saturate(self.rules, self.facts, self.columnar_threshold)
        return self._model

    def point_model(self, pred: str, pattern: tuple):
        """Goal-directed evaluation for one atom, unless the whole model is already known."""
        if self._model is not None:
            return self._model
        return solve(self.rules, self.facts, pred, pattern)

    def factored(self, pred: str, pattern: tuple):
        """The tuples of a linear recursive binary predicate with one bound argument, without
        the whole relation (engine/horn/factoring.py); None where that does not apply (or where the
        whole model is already known: reading it is cheaper)."""
        if self._model is not None:
            return None
        return factored(self.rules, self.facts, pred, pattern)

    @cached_property
    def extensions(self) -> dict:
        """For each unsettled closed predicate, the atoms the KB entails (by z3)."""
        out = {}
        for p in self._dependency_order(self.sig.closed - self.settled):
            out[p] = self._entailed_atoms(p, out)
        return out

    def _entailed_atoms(self, pred: str, known: dict) -> set | None:
        """The atoms of a closed predicate that the KB entails; None where they cannot be
        listed (an argument sort without a finite set of named candidates, or z3 answers
        unknown for one): its atoms are then decided one at a time (`_closed_false_atom`)."""
        sorts = self.sig.preds.get(pred)
        if sorts is None:
            return set()
        domains = [self._candidates(s) for s in sorts]
        indices = self.relevant({pred})
        if any(d is None for d in domains) or not self._closures_ground(indices):
            return None
        problem = self.problem(indices, extensions=known)
        found = set()
        for values in itertools.product(*domains):
            status = _without(problem, pred, values)
            if status == "unknown":
                return None
            if status == "unsat":
                found.add(values)
        return found

    def _candidates(self, sort: str):
        """The ground values an atom may take at a position of this sort: a finite sort's
        elements, or the named constants of an open sort that no function maps into; else None."""
        domain = self.sig.domain(sort)
        if domain is not None:
            return domain
        info = self.sig.sorts.get(sort)
        if info is None or info.kind != "open" or any(result == sort for _, result in self.sig.funs.values()):
            return None
        return self.sig.constants_of(sort)

    def is_closed_false(self, pred: str, values: tuple) -> bool:
        """Closed-world: the atom is false when the KB does not entail it."""
        if pred not in self.sig.closed:
            return False
        if pred in self.settled:    # the goal-directed model decides a ground atom exactly
            model = self._model if self._model is not None else self.point_model(pred, values)
            return not model.contains(pred, values)
        if any(isinstance(v, str) and v not in self.sig.consts for v in values):
            return False    # a constant only the query names (open sort): its atom is left unclosed
        extension = self.extensions.get(pred, set())
        return values not in extension if extension is not None else self._closed_false_atom(pred, values, self.extensions)

    def _closed_false_atom(self, pred: str, values: tuple, known: dict) -> bool:
        """One atom of a closed predicate whose extension could not be listed: false when
        the KB, with the closures of the predicates settled before this one, does not entail
        it (z3 finds a model without it); an `unknown` from z3 leaves it unclosed. `known`
        holds at least every closed predicate before `pred` in dependency order (callers pass
        the extensions as computed so far), so the answer depends on the atom alone."""
        key = (pred, values)
        if key not in self._atom_closure:
            if pred not in self._closure_problems:
                indices = self.relevant({pred})
                order = self._dependency_order(self.sig.closed - self.settled)
                before = {q: known[q] for q in order[:order.index(pred)] if q in known}
                self._closure_problems[pred] = self.problem(indices, extensions=before) \
                    if self._closures_ground(indices) else None
            problem = self._closure_problems[pred]
            status = _without(problem, pred, values) if problem is not None else "none"
            if status == "unknown":          # a budget, not a fact about the KB: not remembered
                return False
            self._atom_closure[key] = status == "sat"
        return self._atom_closure[key]

    def _closures_ground(self, indices) -> bool:
        """Whether the closed-world literals a problem over these statements gets are the whole
        closure: every closed predicate that occurs under a quantifier z3 keeps (over an open or
        infinite sort) has candidate atoms that can be listed (named constants, finite sorts),
        and `problem` then asserts the literal of each one. A closed predicate over `int` under
        such a quantifier has infinitely many atoms: a model z3 finds may break a closure it was
        never told of, and "z3 found a model without the atom" would not mean "not entailed"."""
        return all(self._listable(p) for p in self._kept_closed(indices))

    def _kept_closed(self, indices) -> set:
        """The closed predicates that occur under a quantifier z3 keeps, in these statements."""
        sig, out = self.sig, set()
        for i in indices:
            for q in quantifiers(self.entries[i].sentence):
                if any(sig.domain(s) is None for _, s in q.vars):
                    out |= set(preds(q.body)) & sig.closed
        return out

    def _listable(self, pred: str) -> bool:
        return all(self._candidates(s) is not None for s in self.sig.preds.get(pred, ()))

    def _candidate_atoms(self, pred: str, sig: Signature | None = None) -> list:
        """Every atom of a listable predicate over its candidates (named constants, elements); for
        a predicate the least model settles, also over the constants only a query names (`sig`)."""
        sig = sig if sig is not None and pred in self.settled else self.sig
        sorts = self.sig.preds[pred]
        values = [self._candidates(s) for s in sorts]
        if sig is not self.sig:
            values = [v + tuple(c for c in sig.constants_of(s) if c not in v)
                      if self.sig.sorts.get(s) and self.sig.sorts[s].kind == "open" else v
                      for v, s in zip(values, sorts)]
        return [S.Atom(pred, tuple(value_term(v) for v in vals)) for vals in itertools.product(*values)]

    # ------------------------------------------------------------ relevance and grounding
    def relevant(self, symbols: set) -> list:
        """Entries connected to `symbols` (each read as applied to anything)."""
        return self._connected({("s", x) for x in symbols})

    def relevant_to_entries(self, indices) -> list:
        """Entries connected to the given entries (through their symbols, ground applications
        and open-sort constants, as `relevant_to`), those entries included: a statement that names
        no predicate (`a = b`, `forall X: o. X != a`) still reaches what it constrains."""
        start = set()
        for i in indices:
            start |= self.keys.get(i, set()) | {("s", x) for x in self.symbols.get(i, ())}
        return sorted(set(self._connected(start)) | set(indices))

    def relevant_to(self, formula) -> list:
        """Entries connected to a formula through its symbols, its ground applications and its
        constants of open sorts (see `_keys`)."""
        return self._connected(_keys(formula, self.sig))

    def _connected(self, start: set) -> list:
        """Sentences sharing no key with the query's component cannot change what it entails
        (the KB is consistent, and their models combine with any model of the component).
        Keys: ("s", f) — f applied to a variable or a nested term, which may denote anything;
        ("a", f, values) — f applied to constants and numbers; ("c", c) — a constant of an open
        sort, which may equal another; ("o", sort) — a comparison on a variable of an open sort,
        which depends on every statement about that sort's individuals; EVERYWHERE — such a
        comparison in a statement, which every component must see. A symbol key reaches every
        entry mentioning the symbol; an application key reaches the entries with that
        application and those where it is loose."""
        index = self._key_index
        start = set(start) | {EVERYWHERE}
        seen, chosen, stack = set(start), set(), list(start)
        while stack:
            key = stack.pop()
            if key[0] == "s":
                reach = index["mention"].get(key[1], ())
            elif key[0] == "a":
                reach = itertools.chain(index["app"].get(key[1:], ()), index["loose"].get(key[1], ()))
            elif key == EVERYWHERE:
                reach = index["everywhere"]
            elif key[0] == "o":
                reach = index["sort"].get(key[1], ())
            else:
                reach = index["const"].get(key[1], ())
            for i in reach:
                if i not in chosen:
                    chosen.add(i)
                    for k in self.keys[i] - seen:
                        seen.add(k)
                        stack.append(k)
        chosen.update(i for i, keys in self.keys.items() if not keys)
        return sorted(chosen)

    @cached_property
    def keys(self) -> dict:
        return {i: _keys(self.entries[i].sentence, self.sig) for i in self.symbols}

    @cached_property
    def _key_index(self) -> dict:
        index = {"mention": {}, "app": {}, "loose": {}, "const": {}, "everywhere": [], "sort": {}}
        for i in self.keys:
            for sort in _open_sorts_of(self.entries[i].sentence, self.sig):
                index["sort"].setdefault(sort, []).append(i)
        for i, keys in self.keys.items():
            for s in self.symbols[i]:
                index["mention"].setdefault(s, []).append(i)
            for key in keys:
                if key[0] == "s":
                    index["loose"].setdefault(key[1], []).append(i)
                elif key[0] == "a":
                    index["app"].setdefault(key[1:], []).append(i)
                elif key == EVERYWHERE:
                    index["everywhere"].append(i)
                elif key[0] == "o":
                    continue
                else:
                    index["const"].setdefault(key[1], []).append(i)
        return index

    @contextlib.contextmanager
    def solver_timeout(self, timeout_ms: int | None):
        """Within the block, every solver check of this theory's problems gets `timeout_ms`
        (None: the KB's budget). The KB's lock keeps two queries from overlapping here."""
        before = self.active_timeout_ms
        self.active_timeout_ms = timeout_ms if timeout_ms is not None else self.timeout_ms
        try:
            yield
        finally:
            self.active_timeout_ms = before

    def problem(self, indices: list, signature: Signature | None = None, extensions: dict | None = None,
                extra_formulas=()) -> Problem:
        """A tracked z3 problem: one tracker per rule instance or sentence, plus the closed-world
        literals of the closed atoms that occur in it (tracked as ("closed", pred, values)).
        Problems over the KB's own signature are built once per version of the KB and reused:
        each use starts from the state the KB alone left (`Problem.reset`), so what one query
        added (its atoms, their closed-world literals) never changes the answer to another.
        The grounding is counted before it is built: over the budget, `Budget` is raised."""
        sig = signature or self.sig
        reusable = extensions is None and sig == self.sig
        key = tuple(indices)
        problem = self._problems.get(key) if reusable else None
        known = self.extensions if extensions is None else extensions
        if problem is None:
            problem = Problem(sig, self.timeout_ms, self.max_instances)
            size = sum(grounding_size(self.entries[i].sentence, sig) for i in indices)
            if size > problem.max_instances:
                raise Budget(f"grounding the {len(indices)} relevant statements needs {size:,} instances, "
                             f"over the budget of {problem.max_instances:,}")
            problem.assert_tracked_many(((i, sub), body, sub) for i in indices
                                        for sub, body in _instances(self.entries[i].sentence, sig))
            self._close_all(problem, indices, (), size)
            self._close_atoms(problem, sig, known)
            if reusable:
                problem.mark()
                self._problems[key] = problem
        elif problem.touched():
            problem.reset()
        for f in extra_formulas:
            problem.formula(f)
        if extra_formulas:
            self._close_all(problem, indices, extra_formulas, 0)
        self._close_atoms(problem, sig, known)
        problem.set_timeout(self.active_timeout_ms)
        return problem

    def _close_all(self, problem, indices, extra_formulas, size: int) -> None:
        """Put every candidate atom of a closed predicate into the problem, so that its closed-world
        literal is asserted, where atoms that do not occur may still matter: under a quantifier
        z3 keeps, and over an open sort that a comparison relates (`p(a). closed p.` makes
        `b = a` false through `not p(b)`, an atom that occurs nowhere)."""
        key = tuple(indices)
        if key not in self._close_inputs:
            sentences = [self.entries[i].sentence for i in indices]
            self._close_inputs[key] = (
                set().union(*(compared_sorts(f, self.sig) for f in sentences)) & self.open_sorts,
                set().union(*(set(preds(f)) for f in sentences)) & self.sig.closed,
                self._kept_closed(indices))
        compared, mentioned, kept = self._close_inputs[key]
        compared = compared | (set().union(*(compared_sorts(f, self.sig) for f in extra_formulas)) & self.open_sorts)
        mentioned = mentioned | {p for f in extra_formulas for p in preds(f) if p in self.sig.closed}
        chosen = kept | {q for f in extra_formulas for q in quantified_closed(f, self.sig)}
        if compared:
            chosen |= {p for p in mentioned if set(self.sig.preds.get(p, ())) & compared}
        every = [p for p in sorted(chosen) if self._listable(p)]
        atoms = [a for p in every for a in self._candidate_atoms(p, problem.sig)]
        if len(atoms) + size > problem.max_instances:
            raise Budget(f"the closed-world literals of {', '.join(every)} are over the budget of "
                         f"{problem.max_instances:,} instances")
        before = set(problem.atoms)
        for atom in atoms:
            problem.formula(atom)
        # atoms put in only for their closed-world literal: the statements that make some of
        # them true may lie outside the problem, so a model of it says nothing about them
        problem.closing |= set(problem.atoms) - before

    def _close_atoms(self, problem, sig, known) -> None:
        """Assert the closed-world literal of every closed atom of the problem not yet seen."""
        false = []
        for text, (pred, values, _) in list(problem.atoms.items()):
            if text in problem.closed_done:
                continue
            problem.closed_done.add(text)
            if pred not in sig.closed or not (pred in self.settled or pred in known):
                continue
            if pred in self.settled:
                closed_false = not self.model.contains(pred, values)
            elif known[pred] is not None:
                closed_false = values not in known[pred]
            else:
                closed_false = self._closed_false_atom(pred, values, known)
            if closed_false:
                false.append((("closed", pred, values), text))
        problem.assert_negated_atoms(false)


def quantified_closed(f, sig: Signature) -> set:
    """The closed predicates under a quantifier over an open or infinite sort in a formula."""
    return {p for q in quantifiers(f) if any(sig.domain(s) is None for _, s in q.vars)
            for p in preds(q.body) if p in sig.closed}


def grounding_size(sentence, sig: Signature) -> int:
    """How many leaves the expansion of a sentence over its finite sorts has (what grounding
    builds), counted without building it."""
    match sentence:
        case S.Quant(_, vars_, body):
            inner = grounding_size(body, sig)
            for _, sort in vars_:
                domain = sig.domain(sort)
                if domain is not None:
                    inner *= max(len(domain), 1)
            return inner
        case S.Not(body):
            return grounding_size(body, sig)
        case S.And(items) | S.Or(items):
            return sum(grounding_size(x, sig) for x in items) or 1
        case S.Implies(l, r) | S.Iff(l, r):
            return grounding_size(l, sig) + grounding_size(r, sig)
    return 1


# ---------------------------------------------------------------- helpers
def _without(problem, pred: str, values: tuple) -> str:
    """The status of the problem with the atom pred(values) false: "unsat" means entailed."""
    atom = problem.formula(S.Atom(pred, tuple(value_term(v) for v in values)))
    return problem.check(extra=problem.negate(atom), want_core=False).status


def _instances(sentence, sig: Signature):
    """Split a universal sentence over finite sorts into tracked instances: (subst, body)."""
    if isinstance(sentence, S.Quant) and sentence.kind == "forall":
        domains = [sig.domain(s) for _, s in sentence.vars]
        if all(d is not None for d in domains):
            names = [n for n, _ in sentence.vars]
            for values in itertools.product(*domains):
                yield dict(zip(names, values)), sentence.body
            return
    yield None, sentence


def _symbols(node) -> set:
    out = set()
    _collect(node, out)
    return out


def _collect(node, out):
    for n in S.nodes(node):
        if type(n) is S.Atom:
            out.add(n.pred)
        elif type(n) is S.Fn:
            out.add("fn:" + n.name)


EVERYWHERE = ("*",)     # the key of statements every component reaches (see `_connected`)


def _open_sorts_of(sentence, sig: Signature) -> set:
    """The open sorts a sentence quantifies over or names a constant of."""
    if _plain_atom(sentence):    # most of a large KB: no walk
        found = {sig.consts.get(a.name) for a in sentence.args if type(a) is S.Const and a.name in sig.consts}
        return {s for s in found if s in sig.sorts and sig.sorts[s].kind == "open"}
    found = {s for q in quantifiers(sentence) for _, s in q.vars}
    found |= {sig.consts.get(c, "thing") for c in names(sentence) if c in sig.consts}
    return {s for s in found if s in sig.sorts and sig.sorts[s].kind == "open"}


def _plain_atom(node) -> bool:
    return type(node) is S.Atom and all(type(a) in (S.Const, S.Num) for a in node.args)


def _keys(node, sig: Signature) -> set:
    if _plain_atom(node):        # what _collect_keys gives a ground atom, without the walk
        out = {("a", node.pred, tuple(a.name if type(a) is S.Const else a.value for a in node.args))}
        for a in node.args:
            if type(a) is S.Const:
                info = sig.sorts.get(sig.consts.get(a.name, "thing"))
                if info is not None and info.kind == "open":
                    out.add(("c", a.name))
        return out
    out: set = set()
    _collect_keys(node, sig, out, {})
    return out


def _collect_keys(node, sig, out, scope: dict):
    match node:
        case S.Atom(name, args) | S.Fn(name, args):
            symbol = name if isinstance(node, S.Atom) else "fn:" + name
            values = tuple(term_value(a) for a in args)
            out.add(("a", symbol, values) if all(v is not None for v in values) else ("s", symbol))
            for a in args:
                _collect_keys(a, sig, out, scope)
        case S.Const(name):
            info = sig.sorts.get(sig.consts.get(name, "thing"))
            if info is not None and info.kind == "open":
                out.add(("c", name))
        case S.Op(_, args):
            for a in args:
                _collect_keys(a, sig, out, scope)
        case S.Cmp(_, l, r):
            for t in (l, r):
                info = sig.sorts.get(scope.get(t.name)) if isinstance(t, S.Var) else None
                if info is not None and info.kind == "open":
                    # `forall X: o. X = a` says something of every individual of o, and
                    # `exists X: o. c != X` depends on every statement about o's individuals
                    out.add(EVERYWHERE)
                    out.add(("o", info.name))
            _collect_keys(l, sig, out, scope)
            _collect_keys(r, sig, out, scope)
        case S.Implies(l, r) | S.Iff(l, r):
            _collect_keys(l, sig, out, scope)
            _collect_keys(r, sig, out, scope)
        case S.Quant(_, vars_, body):
            _collect_keys(body, sig, out, {**scope, **dict(vars_)})
        case S.Not(body):
            _collect_keys(body, sig, out, scope)
        case S.And(items) | S.Or(items):
            for x in items:
                _collect_keys(x, sig, out, scope)
