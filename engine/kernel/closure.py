"""Closed-world certificates: is `not p(t)` true for a closed predicate p?

The kernel decides this from the KB's statements alone (never by asking the search), in one
of two ways.

**Settled predicates: the kernel's own least model.** Let C be the predicates linked to p by
rules (in both directions, transitively). p is *settled* here when every statement that
mentions a predicate of C is
  - a fact: a ground atom of constants and numbers, or one universally quantified over
    finite sorts;
  - a rule whose body has atoms, tests on numbers or finite-sort constants, and negated atoms
    of closed predicates, the rules of C being stratified; or
  - when no rule of C negates, a *denial*: a sentence in which every predicate of C occurs
    under an odd number of negations only (it is anti-monotone in them);
and no predicate of C has an argument of an open sort (distinct names need not be distinct
individuals there). Then the kernel computes the perfect model LM of C's facts and rules,
stratum by stratum, with the naive semi-naive loop below, and accepts `not p(t)` iff p(t) is
not in LM.

Why this is sound. If the KB is inconsistent every claim is entailed. Otherwise take any
model M of the KB with the closures of the other closed predicates (the language's reading),
and let M' be M with the predicates of C interpreted as LM. M' satisfies the facts and rules
of C (LM is a model of them: the perfect model of a stratified program is one); a rule
mentioning a C predicate has its head in C (C is closed under rule links), so no rule outside
C changes; a denial holds in M' because, with definite rules, LM is contained in every model's
C part, and shrinking an anti-monotone sentence's relations keeps it true; no other statement
mentions C; and the closures of C's closed predicates are exactly LM's complements: each atom
of LM is entailed (derived by the rules from facts, negations read through the closures of
lower strata), and M' shows that no other atom is. So the KB does not entail p(t) when
p(t) ∉ LM, which is what `closed` claims.

**Other closed predicates: a satisfiability certificate.** For a closed predicate that is
not settled (some other statement reaches C), the extension is what the KB entails given
the closures of the closed predicates before it (README.md: dependency order by rules,
alphabetical where unordered; settled predicates' closures always hold). The kernel asks its
own z3 writer (engine/kernel/smt.py) whether the KB's sentences linked to p (`Closure.relevant`), the closed-world
literals of those earlier predicates, and `not p(t)` are satisfiable: "sat" means p(t) is
not entailed. The earlier predicates' closures are computed the same way (their atoms over
finite sorts, one satisfiability question each), so the kernel needs every such predicate to
range over finite sorts; otherwise, and whenever z3 answers unknown, it does not accept.
"""
from __future__ import annotations

import itertools

from .. import syntax as S
from ..signature import Signature
from . import smt
from .evaluate import evaluate, evaluate_cmp
from .sorts import _term_sort
from .terms import Rejected, Unconfirmed, as_term, predicates, substitute

MAX_ATOMS = 2_000_000      # the least model the kernel is willing to build
MAX_CANDIDATES = 5_000     # atoms of one earlier closed predicate decided by z3


class Closure:
    """The closed-world facts of one version of a KB, computed once per kernel context."""

    def __init__(self, sentences: list, sig: Signature, timeout_ms: int):
        self.sig, self.timeout_ms = sig, timeout_ms
        self.sentences = [(st, sen) for _, st, sen in sentences if sen is not None]
        self.rules = [st for st, _ in self.sentences if isinstance(st, S.Rule)]
        self.links: dict = {}
        for r in self.rules:
            for q in predicates(r):
                self.links.setdefault(r.head.pred, set()).add(q)
                self.links.setdefault(q, set()).add(r.head.pred)
        self.models: dict = {}       # frozenset C -> least model, or None when not settled
        self.extensions: dict = {}   # unsettled closed predicate -> set of entailed tuples

    # ------------------------------------------------------------ the verdict
    def closed_false(self, pred: str, values: tuple) -> bool:
        model = self.least_model(pred)
        if model is not None:
            return values not in model.get(pred, ())
        formulas = self.sentences_with_closures(pred)
        atom = S.Atom(pred, tuple(as_term(v) for v in values))
        outcome = smt.satisfiable(self.sig, [*formulas, S.Not(atom)], self.timeout_ms)
        if outcome.status == "unknown":
            raise Unconfirmed(f"z3 could not settle whether the KB entails {pred}{values}")
        return outcome.status == "sat"

    # ------------------------------------------------------------ settled: the least model
    def component(self, pred: str) -> frozenset:
        seen, stack = {pred}, [pred]
        while stack:
            for q in self.links.get(stack.pop(), ()):
                if q not in seen:
                    seen.add(q)
                    stack.append(q)
        return frozenset(seen)

    def least_model(self, pred: str):
        """LM of the component of pred when it is settled (see the module's docstring), else None."""
        cone = self.component(pred)
        if cone not in self.models:
            self.models[cone] = self._least_model(cone)
        return self.models[cone]

    def _least_model(self, cone: frozenset):
        sig = self.sig
        if any(sig.sorts.get(s) is None or sig.sorts[s].kind == "open" for q in cone for s in sig.preds.get(q, ())):
            return None
        rules = [r for r in self.rules if r.head.pred in cone]
        negating = any(isinstance(b, S.Not) for r in rules for b in r.body)
        facts: dict = {}
        for st, sen in self.sentences:
            if not predicates(sen) & cone or isinstance(st, S.Rule):
                continue
            if not _add_fact(sen, facts, sig) and (negating or not _negative_only(sen, cone, False)):
                return None
        for r in rules:
            if not _evaluable(r, sig):
                return None
        strata = _strata(rules, cone)
        if strata is None:
            return None
        model = {q: set(facts.get(q, ())) for q in cone}
        for layer in strata:
            _saturate(layer, model)
        return model

    # ------------------------------------------------------------ unsettled: satisfiability
    def order(self) -> list:
        """Unsettled closed predicates, each after those its rules depend on (theory's order)."""
        if "order" not in self.extensions:
            unsettled = {p for p in self.sig.closed if self.least_model(p) is None}
            deps: dict = {}
            for r in self.rules:
                deps.setdefault(r.head.pred, set()).update(q for b in r.body for q in predicates(b))
            order, seen = [], set()

            def visit(p, trail):
                if p in seen or p in trail:
                    return
                for q in sorted(deps.get(p, ())):
                    visit(q, trail | {p})
                seen.add(p)
                if p in unsettled:
                    order.append(p)
            for p in sorted(unsettled):
                visit(p, frozenset())
            self.extensions["order"] = order
        return self.extensions["order"]

    def sentences_with_closures(self, pred: str) -> list:
        """All sentences, with the closed-world literals of every settled closed predicate and
        of the unsettled ones before `pred`."""
        order = self.order()
        before = order[:order.index(pred)] if pred in order else None
        if before is None:
            raise Rejected(f"{pred} is not a closed predicate of the KB")
        out = self.relevant(pred)
        mentioned = set().union(*(predicates(sen) for sen in out)) if out else set()
        for q in sorted(self.sig.closed & mentioned):
            if q == pred or q in order and q not in before:
                continue
            model = self.least_model(q)
            true = model.get(q, set()) if model is not None else self.extension(q)
            out.extend(S.Not(S.Atom(q, tuple(as_term(v) for v in values)))
                       for values in self.candidates(q) if values not in true)
        return out

    def relevant(self, pred: str) -> list:
        """The sentences linked to `pred` by shared symbols: predicates, functions, and open
        sorts (a sentence over an open sort may bound its size). The others can be left out:
        they share no uninterpreted symbol or universe with these (finite and numeric sorts
        are the same in every model), so a model of these sentences combines with a model
        of the rest (the KB is consistent) into one of the whole KB."""
        if "symbols" not in self.extensions:
            self.extensions["symbols"] = [_symbols(sen, self.sig) for _, sen in self.sentences]
        symbols = self.extensions["symbols"]
        reached, chosen, changed = {pred}, set(), True
        while changed:
            changed = False
            for i, found in enumerate(symbols):
                if i not in chosen and found & reached:
                    chosen.add(i)
                    reached |= found
                    changed = True
        return [self.sentences[i][1] for i in sorted(chosen)]

    def extension(self, q: str) -> set:
        if q not in self.extensions:
            formulas = self.sentences_with_closures(q)
            found = set()
            for values in self.candidates(q):
                atom = S.Atom(q, tuple(as_term(v) for v in values))
                outcome = smt.satisfiable(self.sig, [*formulas, S.Not(atom)], self.timeout_ms)
                if outcome.status == "unknown":
                    raise Unconfirmed(f"z3 could not settle the extension of {q}")
                if outcome.status == "unsat":
                    found.add(values)
            self.extensions[q] = found
        return self.extensions[q]

    def candidates(self, q: str) -> list:
        """Every tuple of q's finite argument sorts; Rejected when a sort is not finite."""
        domains = []
        for s in self.sig.preds.get(q, ()):
            d = self.sig.domain(s)
            if d is None:
                raise Unconfirmed(f"the kernel cannot list the closure of {q}: its sort {s} is not finite")
            domains.append(d)
        count = 1
        for d in domains:
            count *= len(d)
        if count > MAX_CANDIDATES:
            raise Unconfirmed(f"the closure of {q} has {count:,} atoms")
        return list(itertools.product(*domains))


def _symbols(node, sig: Signature, out: set | None = None) -> set:
    """Predicates, functions ("fn", name) and open sorts ("sort", name) a sentence mentions."""
    out = set() if out is None else out

    def sort(name):
        if name is not None and name in sig.sorts and sig.sorts[name].kind == "open":
            out.add(("sort", name))
    match node:
        case S.Atom(pred, args):
            out.add(pred)
            for s in sig.preds.get(pred, ()):
                sort(s)
            for a in args:
                _symbols(a, sig, out)
        case S.Fn(name, args):
            out.add(("fn", name))
            typed = sig.funs.get(name, ((), None))
            for s in (*typed[0], typed[1]):
                sort(s)
            for a in args:
                _symbols(a, sig, out)
        case S.Const(name):
            sort(sig.consts.get(name))
        case S.Op(_, args):
            for a in args:
                _symbols(a, sig, out)
        case S.Cmp(_, l, r) | S.Implies(l, r) | S.Iff(l, r):
            _symbols(l, sig, out)
            _symbols(r, sig, out)
        case S.Not(body):
            _symbols(body, sig, out)
        case S.And(items) | S.Or(items):
            for x in items:
                _symbols(x, sig, out)
        case S.Quant(_, vars_, body):
            for _, s in vars_:
                sort(s)
            _symbols(body, sig, out)
    return out


# ---------------------------------------------------------------- the naive evaluator
def _add_fact(sen, facts: dict, sig: Signature) -> bool:
    """Add a ground atom, or a universal atom over finite sorts; False for any other sentence."""
    env_sorts = []
    while isinstance(sen, S.Quant) and sen.kind == "forall":
        env_sorts += list(sen.vars)
        sen = sen.body
    if not isinstance(sen, S.Atom):
        return False
    domains = [sig.domain(s) if s is not None else None for _, s in env_sorts]
    if any(d is None for d in domains):
        return False
    names = [n for n, _ in env_sorts]
    for combo in itertools.product(*domains):
        atom = substitute(sen, {n: as_term(v) for n, v in zip(names, combo)})
        try:
            values = tuple(_value(a) for a in atom.args)
        except Rejected:
            return False
        facts.setdefault(atom.pred, set()).add(values)
    return True


def _value(t):
    if isinstance(t, (S.Const, S.Num, S.Op)):
        return evaluate(t)
    raise Rejected("not a ground value")


def _negative_only(f, cone, negated: bool) -> bool:
    """Every atom of a cone predicate occurs under an odd number of negations (an implication's
    left side counts as one; under `<->` an atom is both, so it fails)."""
    match f:
        case S.Atom(pred, _):
            return pred not in cone or negated
        case S.Cmp():
            return True
        case S.Not(body):
            return _negative_only(body, cone, not negated)
        case S.And(items) | S.Or(items):
            return all(_negative_only(x, cone, negated) for x in items)
        case S.Implies(l, r):
            return _negative_only(l, cone, not negated) and _negative_only(r, cone, negated)
        case S.Iff(l, r):
            return not (predicates(l) | predicates(r)) & cone
        case S.Quant(_, _, body):
            return _negative_only(body, cone, negated)
    return False


def _evaluable(rule, sig: Signature) -> bool:
    """Atoms over variables, constants and numbers; tests between numbers or finite-sort
    constants; negated atoms of closed predicates; every variable bound by a positive atom."""
    bound = set()
    for b in rule.body:
        if isinstance(b, S.Atom):
            if not all(isinstance(a, (S.Var, S.Const, S.Num)) for a in b.args):
                return False
            bound |= {a.name for a in b.args if isinstance(a, S.Var)}
    for b in (rule.head, *rule.body):
        atom = b.body if isinstance(b, S.Not) else b
        if isinstance(b, S.Not) and not (isinstance(atom, S.Atom) and atom.pred in sig.closed):
            return False
        if isinstance(atom, S.Cmp):
            if not _ground_after(atom.left, bound) or not _ground_after(atom.right, bound):
                return False
            try:
                left = _term_sort(atom.left, sig, _rule_env(rule, sig))
            except Rejected:
                return False
            if left in sig.sorts and sig.sorts[left].kind == "open":
                return False
        elif isinstance(atom, S.Atom):
            if not all(_ground_after(a, bound) for a in atom.args):
                return False
        else:
            return False
    return True


def _rule_env(rule, sig: Signature) -> dict:
    """The sorts of a rule's variables, read off the argument positions of its atoms."""
    env = {}
    for b in (rule.head, *rule.body):
        atom = b.body if isinstance(b, S.Not) else b
        if isinstance(atom, S.Atom):
            for a, s in zip(atom.args, sig.preds.get(atom.pred, ())):
                if isinstance(a, S.Var):
                    env.setdefault(a.name, s)
    return env


def _ground_after(t, bound: set) -> bool:
    match t:
        case S.Var(name):
            return name in bound
        case S.Const() | S.Num():
            return True
        case S.Op(_, args):
            return all(_ground_after(a, bound) for a in args)
    return False


def _strata(rules: list, cone: frozenset):
    """Rules grouped by stratum (a negated predicate lies in a lower stratum); None if none exist."""
    level = {q: 0 for q in cone}
    for _ in range(len(cone) + 1):
        changed = False
        for r in rules:
            for b in r.body:
                if isinstance(b, (S.Atom, S.Not)):
                    q = b.body.pred if isinstance(b, S.Not) else b.pred
                    need = level.get(q, 0) + (1 if isinstance(b, S.Not) else 0)
                    if level[r.head.pred] < need:
                        level[r.head.pred], changed = need, True
        if not changed:
            return [[r for r in rules if level[r.head.pred] == k] for k in range(max(level.values()) + 1)]
    return None


def _saturate(rules: list, model: dict) -> None:
    """Semi-naive bottom-up evaluation of one stratum: each round joins at least one body atom
    with the atoms new in the last round."""
    heads = {r.head.pred for r in rules}
    delta = {q: set(model[q]) for q in heads}
    total = sum(map(len, model.values()))
    first = True
    while any(delta.values()) or first:
        new: dict = {q: set() for q in heads}
        for r in rules:
            positive = [i for i, b in enumerate(r.body) if isinstance(b, S.Atom)]
            recursive = [i for i in positive if r.body[i].pred in heads]
            for pivot in ([None] if first else recursive):
                for env in _join(r.body, positive, model, delta, pivot, {}, 0):
                    if not all(_holds(b, env, model) for b in r.body if not isinstance(b, S.Atom)):
                        continue
                    values = tuple(_value(substitute(a, env)) for a in r.head.args)
                    if values not in model[r.head.pred]:
                        new[r.head.pred].add(values)
        for q, atoms in new.items():
            model[q] |= atoms
            total += len(atoms)
        if total > MAX_ATOMS:
            raise Unconfirmed(f"the least model has more than {MAX_ATOMS:,} atoms")
        delta, first = new, False
        if not recursive_any(rules, heads):
            break


def recursive_any(rules, heads) -> bool:
    return any(isinstance(b, S.Atom) and b.pred in heads for r in rules for b in r.body)


def _join(body, positive, model, delta, pivot, env, k):
    """Bindings of the positive body atoms (the pivot one read from delta)."""
    if k == len(positive):
        yield env
        return
    i = positive[k]
    atom = body[i]
    for values in (delta if i == pivot else model).get(atom.pred, ()):
        if len(values) != len(atom.args):
            continue
        extended = dict(env)
        for a, v in zip(atom.args, values):
            if isinstance(a, S.Var):
                if a.name == "_":
                    continue
                t = as_term(v)
                if a.name in extended:
                    if extended[a.name] != t:
                        break
                else:
                    extended[a.name] = t
            elif _value(a) != v:
                break
        else:
            yield from _join(body, positive, model, delta, pivot, extended, k + 1)


def _holds(b, env, model) -> bool:
    if isinstance(b, S.Cmp):
        return evaluate_cmp(substitute(b, env))
    atom = substitute(b.body, env)
    return tuple(_value(a) for a in atom.args) not in model.get(atom.pred, ())
