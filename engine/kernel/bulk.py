"""Bulk answers: re-check a whole least model's derivation at once, before any answer is reported.

`ask_all` over the Horn core returns up to millions of bindings. Rather than one proof per
answer, the search hands the kernel a *certificate*: the derived atoms in the order they were
derived (the semi-naive rounds, `engine.horn.core.Model.rounds`). The kernel accepts them one
group after another by this inference rule, for every atom p(t) of the certificate:

    ⊢ B1[σ] ... ⊢ Bn[σ]     rule `p(u) :- B1, ..., Bn` of the KB, p(u)[σ] = p(t), each value
    ───────────────────── rule   of σ of its variable's sort; a positive Bi[σ] is a stated
          ⊢ p(t)                 fact or an atom accepted before; a test Bi[σ] evaluates to
                                 true; a negated `not q(s)`[σ] is certified by the closed-world
                                 check (engine/kernel/closure.py), q closed

It is the `rule` justification of check.py, with the premises looked up instead of cited.
An answer is reported true only when its atom is a stated fact or an accepted atom and it is
an instance of the query (its constants, equal columns for a repeated variable).

Why this is sound. Every accepted atom is entailed by the KB, by induction on the order of
acceptance: its rule is a sentence of the KB (`forall vars. body -> head`, read here from the
KB's statements, not from the search's compiled clauses); σ gives each variable a value of
its sort, so the instance follows from the sentence; each positive premise is a stated fact
(entailed) or was accepted before (entailed, by induction); each test is true by the kernel's
own arithmetic (evaluate.py); each negated premise is a closed-world literal that the
kernel's closure check certifies, which is what a `closed` step of a proof rests on. So the
accepted atoms are exactly what a proof made of `premise`, `rule` and `closed` steps would
establish; the certificate only says in which order to look, and a wrong certificate (an
atom no rule instance yields, a premise listed after its conclusion, a rule that is not the
KB's) leaves atoms unaccepted, never accepts a wrong one.

Sorts. The values of σ must fit their variables' sorts. A value read off an accepted atom or
a stated fact at an argument position fits that position's sort (stated facts are checked
here once; an accepted atom's values come from σ and are checked when the head position's
sort is not its variable's), so a variable that occurs in a positive body atom at a position
of its own sort needs no check; any other variable's value is checked with `fits`.

How. The kernel builds its own indexes (a dict per predicate and bound positions) and, for
each group of atoms and each rule, joins the body atoms with the head's values bound, each
next atom the one with the most bound arguments: plain loops over dicts and sets, nothing
compiled.
"""
from __future__ import annotations

import gc
from operator import itemgetter

from ..language import syntax as S
from .closure import _add_fact, _reach
from .evaluate import evaluate, evaluate_cmp
from .sorts import fits
from .terms import Rejected, as_term, predicates, substitute, var_names


class Bulk:
    """The kernel's re-check of a certificate for the atoms of one predicate's cone."""

    def __init__(self, ctx, pred: str, closed_false=None):
        self.sig = ctx.signature
        self.closed_false = closed_false      # (pred, values) -> bool: the closure check
        rules: dict = {}
        for _, st, sen in ctx.sentences():
            if isinstance(st, S.Rule) and sen is not None:
                rules.setdefault(st.head.pred, []).append((st, sen))
        deps = {h: {q for st, _ in rs for q in predicates(S.Rule(st.head, st.body))} for h, rs in rules.items()}
        cone = self.cone = {pred} | _reach(deps, pred)
        self.known: dict = {q: set() for q in cone}     # stated facts and accepted atoms
        self.indexes: dict = {}                         # (pred, positions) -> key -> tuples
        self.fitting: set = set()                       # (type, value, sort) seen to fit
        facts: dict = {}
        for _, st, sen in ctx.sentences():
            if sen is not None and not isinstance(st, S.Rule) and predicates(sen) & cone:
                _add_fact(sen, facts, self.sig)
        for q, tuples in facts.items():
            if q in cone:
                self.known[q] |= {t for t in tuples if self.well_sorted(q, t)}
        self.stated = {q: frozenset(ts) for q, ts in self.known.items()}
        self.plans = {q: [_Plan(st, sen, self.sig, set(rules)) for st, sen in rules.get(q, ())] for q in cone}
        self.rejected: list = []                        # (pred, tuple) the certificate did not justify

    # ------------------------------------------------------------ facts and sorts
    def well_sorted(self, pred: str, t: tuple) -> bool:
        sorts = self.sig.preds.get(pred)
        return sorts is not None and len(sorts) == len(t) and all(map(self.fits, t, sorts))

    def fits(self, v, sort) -> bool:
        key = (type(v), v, sort)
        if key in self.fitting:
            return True
        if fits(v, sort, self.sig):
            self.fitting.add(key)
            return True
        return False

    def index(self, pred: str, positions: tuple) -> dict:
        key = (pred, positions)
        idx = self.indexes.get(key)
        if idx is None:
            idx = self.indexes[key] = {}
            _extend(idx, positions, self.known[pred])
        return idx

    def accept(self, pred: str, tuples) -> None:
        self.known[pred].update(tuples)
        for (q, positions), idx in self.indexes.items():
            if q == pred:
                _extend(idx, positions, tuples)

    # ------------------------------------------------------------ the check
    def check(self, rounds) -> None:
        """Accept the atoms of each group (round, pred, atoms) in turn, by the inference rule
        of the module's docstring; the atoms no rule instance justifies go to `rejected`."""
        for _, pred, atoms in rounds:
            if pred not in self.cone:
                continue
            known, plans = self.known[pred], self.plans[pred]
            if isinstance(atoms, (set, frozenset)):
                pending = atoms if known.isdisjoint(atoms) else atoms - known
            else:
                pending = [t for t in atoms if t not in known]
            while pending:
                accepted = set()
                for plan in list(plans):
                    if not pending:
                        break
                    ok = plan.run(self, pending)      # a subset of pending
                    if ok:
                        accepted |= ok
                        pending = () if len(ok) == len(pending) else [t for t in pending if t not in ok]
                        plans.remove(plan)         # the rule that served last is tried first
                        plans.insert(0, plan)
                if not accepted:
                    break
                self.accept(pred, accepted)    # atoms of a group may rest on one another
            self.rejected.extend((pred, t) for t in pending)

    def holds(self, pred: str, t: tuple) -> bool:
        return t in self.known.get(pred, ())


def check_answers(ctx, query, rows, rounds, timeout_ms: int = 10_000) -> list:
    """The indices of the rows the kernel does not accept. A row (the argument values of an
    atom of the query's predicate) is accepted when it is an instance of the query atom and a
    stated fact or an atom the certificate `rounds` justifies (Bulk.check)."""
    from .check import _closure
    from .modal import check_kd45
    if not isinstance(query, S.Atom):
        return list(range(len(rows)))
    try:
        check_kd45(ctx)
    except Rejected:
        return list(range(len(rows)))
    memo = {"timeout": timeout_ms}
    bulk = Bulk(ctx, query.pred, lambda p, values: _closure(ctx, memo).closed_false(p, values))
    collecting = gc.isenabled()
    gc.disable()        # millions of new tuples, no cycles: the collector would rescan them all
    try:
        bulk.check(rounds)
    finally:
        if collecting:
            gc.enable()
    match = _instance_test(query)
    known = bulk.known[query.pred]
    if known.issuperset(rows) and (match is None or all(map(match, rows))):
        return []
    return [i for i, row in enumerate(rows) if not (row in known and (match is None or match(row)))]


def _instance_test(query):
    """Whether a tuple is an instance of the query atom: a constant's position holds its value,
    a repeated variable's positions hold one value."""
    fixed, same, seen = [], [], {}
    for k, a in enumerate(query.args):
        if isinstance(a, S.Var):
            if a.name == "_":
                continue
            if a.name in seen:
                same.append((seen[a.name], k))
            else:
                seen[a.name] = k
        else:
            fixed.append((k, evaluate(a)))
    n = len(query.args)
    if not fixed and not same:
        return None         # every known atom of the predicate has its arity (`well_sorted`)
    return lambda t: (len(t) == n and all(t[k] == v and type(t[k]) is not bool for k, v in fixed)
                      and all(t[i] == t[j] for i, j in same))


def _extend(idx: dict, positions: tuple, tuples) -> None:
    key = itemgetter(*positions)
    for t in tuples:
        k = key(t)
        found = idx.get(k)
        if found is None:
            idx[k] = [t]
        else:
            found.append(t)


# ---------------------------------------------------------------- one rule, checked in bulk
class _Plan:
    """How to check head atoms against one rule: an environment is a tuple (the head atom,
    then the values of the variables in the order they are bound); each step extends or
    filters a list of environments. `steps` is None when the rule has a shape this check
    does not read (its atoms are then left to per-answer proofs)."""

    def __init__(self, rule, sentence, sig, derived: set = frozenset()):
        self.derived = derived       # predicates with rules (the others hold stated facts only)
        self.rule = rule
        self.sorts = dict(sentence.vars) if isinstance(sentence, S.Quant) and sentence.kind == "forall" else {}
        self.steps = None
        self.tries = 0
        try:
            self.steps = self._plan(rule, sig)
        except Rejected:
            self.steps = None

    def _plan(self, rule, sig):
        slot: dict = {}          # variable -> its position in an environment
        steps = []
        positions, head_checks, head_later = [], [], []
        for k, a in enumerate(rule.head.args):
            if type(a) is S.Var and a.name != "_":
                if a.name in slot:
                    head_checks.append((positions[slot[a.name] - 1], k, None))
                else:
                    slot[a.name] = len(slot) + 1
                    positions.append(k)
            elif type(a) in (S.Const, S.Num):
                head_checks.append((None, k, evaluate(a)))
            else:
                head_later.append((k, a))
        steps.append(("head", tuple(positions), tuple(head_checks), len(rule.head.args)))
        atoms = [b for b in rule.body if type(b) is S.Atom]
        tests = [b for b in rule.body if type(b) is not S.Atom]
        for t in tests:
            if type(t) is S.Not and type(t.body) is S.Atom:
                if not all(type(a) in (S.Var, S.Const, S.Num) for a in t.body.args):
                    raise Rejected("a negated atom with terms")
            elif type(t) is not S.Cmp:
                raise Rejected("a body literal that is not an atom, a test or a negated atom")
        sorts_at = {}            # variable -> sorts of the positive positions it occupies
        for atom in atoms:
            if not all(type(a) in (S.Var, S.Const, S.Num) for a in atom.args):
                raise Rejected("a body atom with terms")
            for a, s in zip(atom.args, sig.preds.get(atom.pred, ())):
                if type(a) is S.Var:
                    sorts_at.setdefault(a.name, set()).add(s)
        remaining = list(atoms)
        steps += self._tests(tests, slot)
        while remaining:
            # next: an atom with every argument known (a lookup), else one with some known and
            # only stated facts (usually few matches), else the one with the most known
            def rank(b):
                known = sum(1 for a in b.args if type(a) is not S.Var or a.name in slot)
                return known == len(b.args), known > 0 and b.pred not in self.derived, known
            best = max(remaining, key=rank)
            remaining.remove(best)
            bound, binds, same = [], [], []
            fresh = {}
            for pos, a in enumerate(best.args):
                if type(a) is S.Var:
                    if a.name == "_":
                        continue
                    if a.name in slot:
                        bound.append((pos, slot[a.name], None))
                    elif a.name in fresh:
                        same.append((fresh[a.name], pos))
                    else:
                        fresh[a.name] = pos
                        binds.append(pos)
                else:
                    bound.append((pos, None, evaluate(a)))
            for name in fresh:
                slot[name] = len(slot) + 1
            steps.append(("atom", best.pred, tuple(bound), tuple(binds), tuple(same)))
            steps += self._tests(tests, slot)
        if tests:
            raise Rejected("a test with a variable no positive atom binds")
        # sorts: variables not read at a position of their own sort are checked one by one
        unchecked = tuple(sorted((slot[n], self.sorts.get(n)) for n in slot
                                 if self.sorts.get(n) is None or sorts_at.get(n, set()) != {self.sorts[n]}))
        if any(s is None for _, s in unchecked) or set(self.sorts) - set(slot) - {"_"}:
            raise Rejected("a variable without a sort, or a sorted variable the rule does not bind")
        if unchecked:
            steps.append(("sorts", unchecked))
        self.slot = slot
        self.head_later = tuple(head_later)
        return steps

    def _tests(self, tests: list, slot: dict) -> list:
        """The tests whose variables are all bound, taken out of `tests`, as filter steps."""
        out = []
        for t in list(tests):
            names = var_names(t) - {"_"}
            if names <= set(slot):
                tests.remove(t)
                out.append(("test", t, tuple((n, slot[n]) for n in sorted(names))))
        return out

    def run(self, bulk: Bulk, atoms: list) -> set:
        """The head atoms (among `atoms`) that have a rule instance with accepted premises."""
        if self.steps is None:
            return set()
        envs = None
        for step in self.steps:
            kind = step[0]
            if kind == "head":
                _, positions, checks, n = step
                if checks:
                    atoms = [t for t in atoms if len(t) == n and _head_ok(t, checks)]
                if positions == tuple(range(n)) and not checks:   # distinct variables: the values
                    envs = [(t,) + t for t in atoms if len(t) == n]
                else:
                    atoms = [t for t in atoms if len(t) == n]
                    get = itemgetter(*positions) if len(positions) > 1 else None
                    envs = [(t,) + get(t) for t in atoms] if get else \
                        [(t,) if not positions else (t, t[positions[0]]) for t in atoms]
            elif kind == "atom":
                envs = _join(bulk, envs, step)
            elif kind == "test":
                envs = [e for e in envs if _test(bulk, step, e)]
            else:
                envs = [e for e in envs if all(bulk.fits(e[k], s) for k, s in step[1])]
            if not envs:
                return set()
        if self.head_later:
            envs = [e for e in envs if self._head_values(e)]
        heads = {e[0] for e in envs}
        return {t for t in heads if bulk.well_sorted(self.rule.head.pred, t)} if self.check_head_sorts(bulk) else heads

    def check_head_sorts(self, bulk: Bulk) -> bool:
        """Whether an accepted head must have its values' sorts checked: a head position whose
        sort is not the sort of the variable there, or a head term that is not a variable."""
        if not hasattr(self, "_head_sorts"):
            sorts = bulk.sig.preds.get(self.rule.head.pred, ())
            self._head_sorts = len(sorts) != len(self.rule.head.args) or any(
                type(a) is not S.Var or self.sorts.get(a.name) != s for a, s in zip(self.rule.head.args, sorts))
        return self._head_sorts

    def _head_values(self, env) -> bool:
        terms = {n: as_term(env[k]) for n, k in self.slot.items()}
        return all(env[0][k] == evaluate(substitute(a, terms)) for k, a in self.head_later)


def _head_ok(t, checks) -> bool:
    """The head's constants at their positions; a repeated variable's positions equal."""
    for first, k, value in checks:
        if t[k] != (value if first is None else t[first]):
            return False
    return True


def _join(bulk: Bulk, envs: list, step) -> list:
    """Each environment extended by the matching stated or accepted atoms of one body atom."""
    _, pred, bound, binds, same = step
    known = bulk.known.get(pred)
    if known is None:
        return []
    n = len(bulk.sig.preds.get(pred, ()))
    if not binds and not same and len(bound) == n:       # every argument known: one lookup
        order = sorted(bound)
        if all(k is not None for _, k, _ in order):
            if n == 1:
                k = order[0][1]
                return [e for e in envs if (e[k],) in known]
            key = itemgetter(*(k for _, k, _ in order))
            return [e for e in envs if key(e) in known]
        return [e for e in envs if tuple(e[k] if k is not None else v for _, k, v in order) in known]
    if bound and all(k is not None for _, k, _ in bound) and len(binds) == 1 and not same:
        get, key, b = bulk.index(pred, tuple(pos for pos, _, _ in bound)).get, \
            itemgetter(*(k for _, k, _ in bound)), binds[0]
        return [e + (m[b],) for e in envs for m in get(key(e), ())]      # the common case
    if bound:
        idx = bulk.index(pred, tuple(pos for pos, _, _ in bound))
        if all(k is not None for _, k, _ in bound):
            key = itemgetter(*(k for _, k, _ in bound))
            groups = [idx.get(key(e), ()) for e in envs]
        elif len(bound) == 1:
            groups = [idx.get(bound[0][2], ())] * len(envs)
        else:
            groups = [idx.get(tuple(e[k] if k is not None else v for _, k, v in bound), ()) for e in envs]
    else:
        everything = list(known)
        groups = [everything] * len(envs)
    return [e + tuple(m[p] for p in binds) for e, ms in zip(envs, groups) for m in ms
            if all(m[i] == m[j] for i, j in same)]


def _test(bulk: Bulk, step, env) -> bool:
    """A test under the environment is true, or a negated atom is certified by the closure
    check; anything that cannot be evaluated (an anonymous variable, arithmetic on a name,
    z3 out of time) fails the test."""
    try:
        return _test_holds(bulk, step, env)
    except Rejected:
        return False


def _test_holds(bulk: Bulk, step, env) -> bool:
    _, lit, names = step
    terms = {n: as_term(env[k]) for n, k in names}
    if type(lit) is S.Cmp:
        return evaluate_cmp(substitute(lit, terms))
    atom = substitute(lit.body, terms)
    if atom.pred not in bulk.sig.closed or bulk.closed_false is None:
        return False
    return bulk.closed_false(atom.pred, tuple(evaluate(a) for a in atom.args))
