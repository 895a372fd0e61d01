"""Goal-directed evaluation by the magic-sets rewriting.

For a query p(pattern), each rule is specialised to the argument positions that
are bound when it is called (its adornment, `p@bf`), and guarded by a *magic*
predicate `p@bf?` holding the bound arguments of the calls that are actually
made. Bottom-up evaluation of the rewritten program then derives only facts
that the query can reach, as top-down tabling would.

    path@bf(X, Z) :- path@bf?(X), edge(X, Y), path@bf(Y, Z).     modified rule
    path@bf?(Y)   :- path@bf?(X), edge(X, Y).                    magic rule
    path@bf?(n0).                                                seed

Sideways information passes in the join order of `plan` (bound arguments
first). Predicates that occur negated, and everything they depend on, are not
rewritten: they are evaluated in full first, so the rewritten program stays
stratified. The model answers in terms of the original program: a fact holds
if any adorned version of it holds, and its derivation is that of the version
derived earliest, with the magic premise dropped and the names restored.

Known cost (why `solve` hands ground closure queries to engine/horn/reach.py): for
`path(n1, n2)` over `path(X, Z) :- edge(X, Y), path(Y, Z).` the magic relation `path@bb?`
holds (y, n2) for every y reachable from n1, and in the round on the delta of `path@bb(Y, Z)`
the join planner (compile.py `plan`: most bound arguments, then the smaller relation) looks
`path@bb?(X, Z)` up by Z before `edge(X, Y)` by Y -- Z is n2 in every magic tuple, so each new
fact scans the whole magic set: quadratic in the reachable set (cubic for the non-linear
form). A planner that weighed an index by its selectivity (relation size / distinct keys)
rather than the relation's size would take `edge` first.
"""
from __future__ import annotations

from collections import defaultdict

from .core import Derivation, Model, Program, evaluate_components
from .compile import Clause, Lit, lit_vars, plan, strata
from .reach import point
from ..language.graph import reachable
from ..language.syntax import Var


def solve(rules, facts: dict, pred: str, pattern: tuple):
    """A model holding every tuple of pred matching pattern (value or None per column),
    computing only what that query needs (magic sets). Derivations are in terms of the
    original rules. A ground atom of a transitive-closure predicate is decided by a graph
    search instead (engine/horn/reach.py: magic sets are quadratic there)."""
    pattern = tuple(pattern)
    if None not in pattern:
        found = point(rules, facts, pred, pattern)
        if found is not None:
            return found
    return solve_goal(Program(rules), facts, pred, pattern)


def solve_goal(program, facts: dict, pred: str, pattern: tuple):
    """The model of `program` restricted to what the query pred(pattern) needs."""
    cone = _cone(program.by_head, {pred})
    clauses = [c for p in cone for c in program.by_head.get(p, ())]
    negated = {l.pred for c in clauses for l in c.body if l.kind == "neg"}
    whole = _cone(program.by_head, negated)
    if pred in whole or all(v is None for v in pattern) or pred not in program.by_head:
        comps = [comp for comp in program.components if comp & cone]
        return evaluate_components(comps, program.by_head, _restrict(facts, cone))
    rewritten = _Rewriting(program.by_head, whole)
    for c in clauses:
        if c.pred in whole:
            rewritten.copy(c)
    adorned = rewritten.query(pred, pattern)
    inner_facts = _restrict(facts, cone)
    for (p, name) in rewritten.versions:
        inner_facts[name] = facts.get(p, ())
    inner_facts[_magic(adorned)] = {tuple(v for v in pattern if v is not None)}
    by_head = defaultdict(list)
    for c in rewritten.clauses:
        by_head[c.pred].append(c)
    inner = evaluate_components(strata(rewritten.clauses, ()), by_head, inner_facts)
    return GoalModel(inner, rewritten, facts)


def _cone(by_head: dict, roots: set) -> set:
    """The predicates that roots depend on, roots included."""
    return reachable({p: {lit.pred for c in cs for lit in c.body if lit.is_atom} for p, cs in by_head.items()},
                     roots)


def _restrict(facts: dict, preds: set) -> dict:
    return {p: ts for p, ts in facts.items() if p in preds}


def _magic(adorned: str) -> str:
    return adorned + "?"


class _Rewriting:
    """The adorned and magic clauses reachable from one query."""

    def __init__(self, by_head: dict, whole: set):
        self.by_head, self.whole = by_head, whole
        self.clauses: list = []
        self.origin: dict = {}       # internal clause index -> (original clause, magic premises)
        self.versions: list = []     # (original pred, adorned pred)
        self.original: dict = {}     # adorned pred -> original pred

    def copy(self, c: Clause) -> None:
        """Keep an original clause as it is (a predicate evaluated in full)."""
        self._add(Clause(c.pred, c.args, c.body, len(self.clauses), c.names), (c, 0))

    def query(self, pred: str, pattern: tuple) -> str:
        todo = [(pred, "".join("f" if v is None else "b" for v in pattern))]
        name = _adorned(*todo[0])
        seen = set()
        while todo:
            p, adornment = todo.pop()
            if (p, adornment) not in seen:
                seen.add((p, adornment))
                self._adorn(p, adornment, todo)
        return name

    def _adorn(self, p: str, adornment: str, todo: list) -> None:
        name = _adorned(p, adornment)
        self.versions.append((p, name))
        self.original[name] = p
        for c in self.by_head.get(p, ()):
            self._rewrite(c, adornment, todo)

    def _rewrite(self, c: Clause, adornment: str, todo: list) -> None:
        head_magic = Lit("pos", _magic(_adorned(c.pred, adornment)),
                         tuple(a for a, b in zip(c.args, adornment) if b == "b"))
        bound = {a.name for a in head_magic.args if isinstance(a, Var)}
        body, before = list(c.body), [head_magic]
        for i in plan(c, bound=bound):
            lit = c.body[i]
            if lit.kind == "pos" and self._rewritten(lit.pred):
                beta = "".join("b" if _bound(a, bound) else "f" for a in lit.args)
                todo.append((lit.pred, beta))
                body[i] = Lit("pos", _adorned(lit.pred, beta), lit.args)
                self._magic_rule(lit, beta, before)
            before.append(body[i])
            bound |= lit_vars(lit)
        self._add(Clause(_adorned(c.pred, adornment), c.args, (head_magic, *body),
                         len(self.clauses), c.names), (c, 1))

    def _magic_rule(self, lit: Lit, beta: str, before: list) -> None:
        head = tuple(a for a, b in zip(lit.args, beta) if b == "b")
        self._add(Clause(_magic(_adorned(lit.pred, beta)), head, tuple(before),
                         len(self.clauses)), None)

    def _add(self, clause: Clause, origin) -> None:
        self.origin[clause.index] = origin
        self.clauses.append(clause)

    def _rewritten(self, pred: str) -> bool:
        return pred in self.by_head and pred not in self.whole


def _adorned(pred: str, adornment: str) -> str:
    return f"{pred}@{adornment}"


def _bound(a, bound: set) -> bool:
    return not isinstance(a, Var) or a.name in bound


class GoalModel:
    """The answer of `solve`, read in terms of the original predicates and rules.
    Complete for the query's pattern; every fact it holds is true."""

    def __init__(self, inner: Model, rewriting: _Rewriting, facts: dict):
        self._inner, self._rw, self._facts = inner, rewriting, facts
        self._names = defaultdict(list)
        for p in inner.predicates():
            if not p.endswith("?"):
                self._names[rewriting.original.get(p, p)].append(p)

    def contains(self, pred: str, tup: tuple) -> bool:
        return any(self._inner.contains(v, tup) for v in self._names.get(pred, ()))

    def tuples(self, pred: str):
        return iter(self._union(pred, lambda v: self._inner.tuples(v)))

    def match(self, pred: str, pattern: tuple):
        return iter(self._union(pred, lambda v: self._inner.match(v, pattern)))

    def size(self, pred: str) -> int:
        return len(self._union(pred, lambda v: self._inner.tuples(v)))

    def predicates(self) -> list:
        return sorted(self._names)

    def facts_count(self) -> int:
        return sum(self.size(p) for p in self._names)

    def _union(self, pred: str, get) -> set:
        versions = self._names.get(pred, ())
        if len(versions) == 1:
            return set(get(versions[0]))
        return set().union(*(get(v) for v in versions))

    def rounds(self) -> list:
        """The inner model's rounds (Model.rounds) under the original names, magic facts left
        out: a rewritten rule's instance is an original rule's instance plus a magic premise."""
        return [(stamp, self._rw.original.get(p, p), facts) for stamp, p, facts in self._inner.rounds()
                if not p.endswith("?")]

    def derivation(self, pred: str, tup: tuple):
        """The derivation of the earliest-derived version, as an original rule."""
        tup = tuple(tup)
        if tup in self._facts.get(pred, ()):
            return None
        versions = self._names.get(pred, ())
        if len(versions) == 1:
            d = self._inner.derivation(versions[0], tup)
            if d is None:
                return None
        else:
            stamps = [(s, v) for s, v in ((self._inner.stamp(v, tup), v) for v in versions) if s]
            if not stamps:
                return None
            d = self._inner.derivation(min(stamps)[1], tup)
        origin, magic = self._rw.origin[d.rule_index]
        premises = tuple((self._rw.original.get(p, p), t) for p, t in d.premises[magic:])
        return Derivation(origin.index, d.subst, premises, d.absent)
