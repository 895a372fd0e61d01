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

from ..language import syntax as S
from ..language.signature import Signature
from . import smt
from .evaluate import evaluate, evaluate_cmp
from .reach import closure_goal
from .sorts import _term_sort
from .terms import Rejected, Unconfirmed, as_term, predicates, substitute, var_names

MAX_ATOMS = 2_000_000      # the least model the kernel is willing to build
MAX_CANDIDATES = 5_000     # atoms of one earlier closed predicate decided by z3
GOAL_QUERIES = 64          # goal-directed questions on one cone before its whole LM is built


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
        self.models: dict = {}       # component -> (LM on the predicates built so far, those predicates)
        self.extensions: dict = {}   # unsettled closed predicate -> set of entailed tuples

    # ------------------------------------------------------------ the verdict
    def closed_false(self, pred: str, values: tuple) -> bool:
        model = self.goal_or_least_model(pred, values)
        if model is not None:
            return values not in model.get(pred, ())
        formulas = self.sentences_with_closures(pred)
        atom = S.Atom(pred, tuple(as_term(v) for v in values))
        outcome = smt.satisfiable(self.sig, [*formulas, S.Not(atom)], self.timeout_ms)
        if outcome.status == "unknown":
            raise Unconfirmed(f"z3 could not settle whether the KB entails {pred}{values}")
        return outcome.status == "sat"

    def closed_none(self, pred: str, pattern: tuple) -> bool:
        """`not (exists ys. p(t))`: no atom of pred agreeing with `pattern` (None: any value)
        holds in the closure. Settled: no such tuple in the least model. Otherwise every such
        atom over the finite sorts of the None positions is closed false (`closed_false`)."""
        model = self.least_model(pred)
        if model is not None:
            cols = tuple(k for k, v in enumerate(pattern) if v is not None)
            key = ("projection", pred, cols, id(model))
            if key not in self.extensions:      # the model's tuples of pred on the columns `cols`
                self.extensions[key] = {tuple(t[k] for k in cols) for t in model.get(pred, ())}
            return tuple(pattern[k] for k in cols) not in self.extensions[key]
        domains, count = [], 1
        for v, s in zip(pattern, self.sig.preds.get(pred, ())):
            d = (v,) if v is not None else self.sig.domain(s)
            if d is None:
                raise Unconfirmed(f"the kernel cannot list the atoms of {pred}: its sort {s} is not finite")
            domains.append(d)
            count *= len(d)
        if count > MAX_CANDIDATES:
            raise Unconfirmed(f"{count:,} atoms of {pred} match")
        return all(self.closed_false(pred, values) for values in itertools.product(*domains))

    # ------------------------------------------------------------ settled: the least model
    def component(self, pred: str) -> frozenset:
        key = ("component", pred)
        if key not in self.extensions:
            seen, stack = {pred}, [pred]
            while stack:
                for q in self.links.get(stack.pop(), ()):
                    if q not in seen:
                        seen.add(q)
                        stack.append(q)
            found = frozenset(seen)
            for q in found:                 # one component for all its predicates
                self.extensions[("component", q)] = found
        return self.extensions[key]

    def least_model(self, pred: str):
        """LM of the component of pred when it is settled (see the module's docstring), else None.
        LM is built as far as it is asked: the predicates pred depends on (`upstream`), stratum
        by stratum, on top of what earlier questions on the component built (each predicate
        once: LM agrees there with the least model of the rules for those predicates)."""
        cone = self.component(pred)
        program = self.program(cone)
        if program is None:
            return None
        model, done = self.models.setdefault(cone, ({}, set()))
        need = self.upstream(pred) - done
        if need:
            strata, facts = program
            for q in need:
                model.setdefault(q, set(facts.get(q, ())))
            for layer in strata:
                wanted = [r for r in layer if r.head.pred in need]
                if wanted:
                    _saturate(wanted, model)
            done |= need
        return model

    def upstream(self, pred: str) -> frozenset:
        """pred and every predicate a rule for one of them mentions in its body, transitively."""
        key = ("upstream", pred)
        if key not in self.extensions:
            if "bodies" not in self.extensions:
                bodies: dict = {}
                for r in self.rules:
                    bodies.setdefault(r.head.pred, set()).update(q for b in r.body for q in predicates(b))
                self.extensions["bodies"] = bodies
            body = self.extensions["bodies"]
            seen, stack = {pred}, [pred]
            while stack:
                for q in body.get(stack.pop(), ()):
                    if q not in seen:
                        seen.add(q)
                        stack.append(q)
            self.extensions[key] = frozenset(seen)
        return self.extensions[key]

    def goal_or_least_model(self, pred: str, values: tuple):
        """A model that holds pred(values) iff LM does, for a settled cone (else None): LM
        itself when it is already built, or after GOAL_QUERIES questions on the cone (each then
        costs a lookup); before that, or when LM is too big, the goal-directed model of
        `goal_model`, which computes only what pred(values) needs."""
        cone = self.component(pred)
        program = self.program(cone)
        if program is None:
            return None
        if pred in self.models.get(cone, ({}, ()))[1]:
            return self.models[cone][0]
        asked = self.extensions[("asked", cone)] = self.extensions.get(("asked", cone), 0) + 1
        if asked > GOAL_QUERIES and ("too big", cone) not in self.extensions:
            try:
                return self.least_model(pred)
            except Unconfirmed:
                self.extensions[("too big", cone)] = True
        goal = goal_model(program, pred, values)
        return self.least_model(pred) if goal is None else {pred: goal}

    def settled(self, pred: str) -> bool:
        return self.program(self.component(pred)) is not None

    def program(self, cone: frozenset):
        """The strata of the cone's rules and its facts when the cone is settled, else None."""
        key = ("program", cone)
        if key not in self.extensions:
            self.extensions[key] = self._program(cone)
        return self.extensions[key]

    def _program(self, cone: frozenset):
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
        if not all(_evaluable(r, sig) for r in rules):
            return None
        strata = _strata(rules, cone)
        return None if strata is None else (strata, facts)

    # ------------------------------------------------------------ unsettled: satisfiability
    def order(self) -> list:
        """Unsettled closed predicates in the order the language settles them: repeatedly the
        smallest name whose every dependency among them (through rules, at any distance) is
        placed already or depends on it in turn."""
        if "order" not in self.extensions:
            unsettled = {p for p in self.sig.closed if not self.settled(p)}
            deps: dict = {}
            for r in self.rules:
                deps.setdefault(r.head.pred, set()).update(q for b in r.body for q in predicates(b))
            reach = {p: _reach(deps, p) & unsettled for p in unsettled}
            order, left = [], set(unsettled)
            while left:      # the smallest name whose every dependency is placed or depends on it
                p = min(q for q in left if all(r not in left or r == q or q in reach[r] for r in reach[q]))
                order.append(p)
                left.remove(p)
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
            if model is not None:
                out.append(self.closure_formula(q, model.get(q, set())))
                continue
            true, listed = self.extension(q)
            if listed is None:
                out.append(self.closure_formula(q, true))
            else:       # q occurs only in these ground atoms: their closed-world literals suffice
                out.extend(S.Not(S.Atom(q, tuple(as_term(v) for v in values)))
                           for values in listed if values not in true)
        return out

    def closure_formula(self, q: str, true: set):
        """`forall X1..Xn. q(X1..Xn) -> (X1..Xn) is one of the tuples of the extension`."""
        sorts = self.sig.preds.get(q, ())
        names = [f"X{i}" for i in range(len(sorts))]
        atom = S.Atom(q, tuple(S.Var(n) for n in names))
        cases = [S.And(tuple(S.Cmp("=", S.Var(n), as_term(v)) for n, v in zip(names, values)))
                 for values in sorted(true, key=repr)]
        body = S.Implies(atom, S.Or(tuple(cases))) if cases else S.Not(atom)
        return S.Quant("forall", tuple(zip(names, sorts)), body) if names else body

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

    def extension(self, q: str) -> tuple:
        """The atoms of an unsettled closed predicate that the KB (with the closures before it)
        entails, and None when they were sought among all tuples of q's finite sorts, or the
        list of tuples sought: q's ground atoms in the sentences, where a sort is not finite
        and q occurs only in ground atoms (an atom that occurs nowhere is not entailed, and
        setting it false changes no sentence)."""
        if q not in self.extensions:
            formulas = self.sentences_with_closures(q)
            listed = None if all(self.sig.domain(s) is not None for s in self.sig.preds.get(q, ())) \
                else self.ground_occurrences(q)
            found = set()
            for values in (self.candidates(q) if listed is None else listed):
                atom = S.Atom(q, tuple(as_term(v) for v in values))
                outcome = smt.satisfiable(self.sig, [*formulas, S.Not(atom)], self.timeout_ms)
                if outcome.status == "unknown":
                    raise Unconfirmed(f"z3 could not settle the extension of {q}")
                if outcome.status == "unsat":
                    found.add(values)
            self.extensions[q] = (found, listed)
        return self.extensions[q]

    def ground_occurrences(self, q: str) -> list:
        """The argument values of every atom of q in the KB's sentences; Unconfirmed when one
        has a variable or a function term."""
        found = set()
        for _, sen in self.sentences:
            for atom in _atoms(sen, q):
                try:
                    found.add(tuple(_value(a) for a in atom.args))
                except Rejected:
                    raise Unconfirmed(f"the kernel cannot list the closure of {q}: it occurs in "
                                      "atoms that are not ground") from None
        return sorted(found, key=repr)

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


def _atoms(node, pred: str):
    """The atoms of `pred` in a formula."""
    match node:
        case S.Atom(p, _):
            if p == pred:
                yield node
        case S.Not(body) | S.Quant(_, _, body):
            yield from _atoms(body, pred)
        case S.And(items) | S.Or(items):
            for x in items:
                yield from _atoms(x, pred)
        case S.Implies(l, r) | S.Iff(l, r):
            yield from _atoms(l, pred)
            yield from _atoms(r, pred)


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


# ---------------------------------------------------------------- goal-directed evaluation
def goal_model(program: tuple, pred: str, values: tuple):
    """The atoms of pred in the least model of the *magic-set rewriting* of the settled
    program for the goal pred(values), every argument given; None where the rewriting does
    not apply (pred is negated somewhere in its cone). A predicate without rules has its facts
    as its least model's extension. The kernel's own
    rewriting, evaluated by the same `_saturate`:

      - each predicate q that the goal reaches through positive body atoms and that has rules
        gets a version per *adornment* a (which argument positions are given when it is
        called): `q@a`, with the facts of q, and, for each rule `q(u) :- B1, ..., Bn`,
            q@a(u) :- q@a?(u|a), B1', ..., Bn'
        where q@a?(u|a) holds the given arguments of the calls made (the *magic* atom), and
        Bi' is Bi with a rewritten atom of a reached predicate r replaced by r@b(...), b the
        positions whose arguments are constants or variables of u|a or of B1..Bi-1;
      - for each such body atom, a *magic rule*  r@b?(args|b) :- q@a?(u|a), B1', ..., Bi-1'
        (tests and negated atoms of the prefix kept when their variables are bound there,
        else left out);
      - the seed pred@bb..b?(values); predicates that occur negated, and all they depend
        on, keep their own rules (they are computed whole, so the program stays stratified).

    Why pred(values) ∈ LM iff pred@b..b(values) is in this model G. (⇐) Each rule of G for
    q@a is a rule of the KB with one more body atom, and `q@a` starts from q's facts; the
    predicates kept whole have their own rules and facts. So, by induction on G's derivation,
    every q@a(t) in G has q(t) ∈ LM (negated atoms read the whole predicates, which equal
    LM's). (⇒) By induction on the stage at which q(t) enters LM: if q@a?(t|a) ∈ G and q(t)
    ∈ LM then q@a(t) ∈ G. q(t) is a fact (then in q@a's facts) or the head of a rule instance
    σ whose body holds in LM at earlier stages. Going through the body in order, the magic
    rule for the i-th rewritten atom has its body true in G under σ (the magic atom by
    assumption, the earlier atoms by induction, the kept tests and negations as in LM), so its
    magic atom is in G, and then, by induction, so is the i-th atom; finally the rewritten
    rule fires. Leaving a test out of a magic rule only adds magic atoms, which the (⇐)
    direction does not need to be few."""
    strata, facts = program
    rules = [r for layer in strata for r in layer]
    by_head: dict = {}
    for r in rules:
        by_head.setdefault(r.head.pred, []).append(r)
    if pred not in by_head:
        return set(facts.get(pred, ()))
    found = closure_goal(by_head, facts, pred, tuple(values))
    if found is not None:
        return found
    whole, todo = set(), [b.body.pred for r in rules for b in r.body if isinstance(b, S.Not)]
    while todo:
        q = todo.pop()
        if q not in whole:
            whole.add(q)
            todo += [b.pred if isinstance(b, S.Atom) else b.body.pred
                     for r in by_head.get(q, ()) for b in r.body if isinstance(b, (S.Atom, S.Not))]
    if pred in whole:
        return None
    new_rules = [r for r in rules if r.head.pred in whole]
    start = (pred, (True,) * len(values))
    versions, todo = {start}, [start]
    while todo:
        q, adornment = todo.pop()
        for r in by_head.get(q, ()):
            new_rules += _rewrite(r, adornment, by_head, whole, versions, todo)
    model = {r.head.pred: set() for r in new_rules}
    for r in new_rules:
        for b in r.body:
            atom = b.body if isinstance(b, S.Not) else b
            if isinstance(atom, S.Atom):
                model.setdefault(atom.pred, set())
    for q, ts in facts.items():
        model.setdefault(q, set()).update(ts)
    for q, adornment in versions:
        model.setdefault(_adorned(q, adornment), set()).update(facts.get(q, ()))
    model.setdefault(_magic(pred, start[1]), set()).add(tuple(values))
    layers = _strata(new_rules, frozenset(model))
    if layers is None:
        return None
    for layer in layers:
        _saturate(layer, model)
    return model.get(_adorned(*start), set())


def _adorned(q: str, adornment: tuple) -> str:
    return q + "@" + "".join("b" if given else "f" for given in adornment)   # no name of the language has @


def _magic(q: str, adornment: tuple) -> str:
    return _adorned(q, adornment) + "?"


def _rewrite(rule, adornment: tuple, by_head: dict, whole: set, versions: set, todo: list) -> list:
    """The rewritten rule for q@adornment and the magic rules of its body atoms."""
    def given(args, known):
        return tuple(not isinstance(a, S.Var) or a.name in known for a in args)

    head = rule.head
    guard = S.Atom(_magic(head.pred, adornment), tuple(a for a, g in zip(head.args, adornment) if g))
    known = {a.name for a, g in zip(head.args, adornment) if g and isinstance(a, S.Var)}
    out, prefix = [], [guard]
    for b in rule.body:
        if isinstance(b, S.Atom) and b.pred in by_head and b.pred not in whole:
            a = given(b.args, known - {"_"})
            if (b.pred, a) not in versions:
                versions.add((b.pred, a))
                todo.append((b.pred, a))
            out.append(S.Rule(S.Atom(_magic(b.pred, a), tuple(x for x, g in zip(b.args, a) if g)),
                              tuple(x for x in prefix if _bound_in(x, prefix))))
            b = S.Atom(_adorned(b.pred, a), b.args)
        prefix.append(b)
        if isinstance(b, S.Atom):
            known |= {x.name for x in b.args if isinstance(x, S.Var)}
    out.append(S.Rule(S.Atom(_adorned(head.pred, adornment), head.args), tuple(prefix)))
    return out


def _bound_in(literal, prefix: list) -> bool:
    """An atom, or a test or negated atom whose variables the prefix's atoms bind."""
    if isinstance(literal, S.Atom):
        return True
    bound = {x.name for b in prefix if isinstance(b, S.Atom) for x in b.args if isinstance(x, S.Var)}
    names = var_names(literal)
    return "_" not in names and names <= bound


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
        if isinstance(b, S.Not):     # `_` under `not`: no value (see `_holds`)
            atom = S.Atom(atom.pred, tuple(a for a in atom.args if not _anonymous(a)))
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


def _reach(deps: dict, p: str) -> set:
    """The predicates p's rules depend on, at any distance (not p itself unless on a cycle)."""
    seen, stack = set(), [p]
    while stack:
        for q in deps.get(stack.pop(), ()):
            if q not in seen:
                seen.add(q)
                stack.append(q)
    return seen


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
    """Semi-naive bottom-up evaluation of one stratum: after a first round over everything,
    each round joins one body atom of the stratum with the atoms new in the last round (and
    the other atoms with all atoms). Joins look values up by argument position."""
    heads = {r.head.pred for r in rules}
    index = _Index(model)
    total = sum(map(len, model.values()))
    plans = {}
    delta, first = {}, True
    while first or any(delta.values()):
        new: dict = {q: set() for q in heads}
        for n, r in enumerate(rules):
            positive = [b for b in r.body if isinstance(b, S.Atom)]
            others = [b for b in r.body if not isinstance(b, S.Atom)]
            pivots = [None] if first else [k for k, b in enumerate(positive) if b.pred in heads]
            target, known = new[r.head.pred], model[r.head.pred]
            for pivot in pivots:
                if pivot is not None and not delta.get(positive[pivot].pred):
                    continue
                if (n, pivot) not in plans:
                    plans[(n, pivot)] = _plan(positive, pivot)
                for env in _run(plans[(n, pivot)], index, delta):
                    if others and not all(_holds(b, env, model) for b in others):
                        continue
                    values = tuple(env[a.name] if type(a) is S.Var else _value(substitute(a, _terms(env)))
                                   for a in r.head.args)
                    if values not in known:
                        target.add(values)
        for q, atoms in new.items():
            index.add(q, atoms)
            total += len(atoms)
        if total > MAX_ATOMS:
            raise Unconfirmed(f"the least model has more than {MAX_ATOMS:,} atoms")
        delta, first = new, False


class _Index:
    """The model's relations (a dict of sets) and, built when first asked for, the tuples of a
    relation by the value at one argument position."""

    def __init__(self, model: dict):
        self.model, self.by = model, {}

    def lookup(self, pred: str, position: int, value) -> list:
        key = (pred, position)
        if key not in self.by:
            table = self.by[key] = {}
            for t in self.model.get(pred, ()):
                table.setdefault(t[position], []).append(t)
        return self.by[key].get(value, ())

    def add(self, pred: str, atoms: set) -> None:
        self.model[pred] |= atoms
        for (q, position), table in self.by.items():
            if q == pred:
                for t in atoms:
                    table.setdefault(t[position], []).append(t)


def _plan(atoms: list, pivot) -> list:
    """The order of a join and, for each atom: read from delta or not, the position to look up
    and the variable (or value) to look it up by, the positions to compare with bound variables
    (or values), and the positions that bind new variables."""
    order = ([atoms[pivot]] if pivot is not None else []) + [a for k, a in enumerate(atoms) if k != pivot]
    bound, plan = set(), []
    for k, atom in enumerate(order):
        lookup, checks, binds = None, [], []
        seen_here = {}
        for pos, a in enumerate(atom.args):
            if type(a) is S.Var and a.name == "_":
                continue
            if type(a) is S.Var and a.name not in bound and a.name not in seen_here:
                seen_here[a.name] = pos
                binds.append((pos, a.name))
                continue
            if type(a) is S.Var and a.name in seen_here:
                checks.append((pos, "same", seen_here[a.name]))
                continue
            kind, x = ("var", a.name) if type(a) is S.Var else ("value", _value(a))
            if lookup is None and not (pivot is not None and k == 0):
                lookup = (pos, kind, x)
            else:
                checks.append((pos, kind, x))
        bound |= set(seen_here)
        plan.append((atom.pred, pivot is not None and k == 0, lookup, tuple(checks), tuple(binds)))
    return plan


def _run(plan: list, index: _Index, delta: dict) -> list:
    """The bindings of a planned join, as dicts variable -> value."""
    out, model, last = [], index.model, len(plan)

    def step(k, env):
        if k == last:
            out.append(env)
            return
        pred, from_delta, lookup, checks, binds = plan[k]
        if from_delta:
            tuples = delta.get(pred, ())
        elif lookup is not None:
            pos, kind, x = lookup
            tuples = index.lookup(pred, pos, env[x] if kind == "var" else x)
        else:
            tuples = model.get(pred, ())
        for t in tuples:
            for pos, kind, x in checks:
                if t[pos] != (t[x] if kind == "same" else env[x] if kind == "var" else x):
                    break
            else:
                if binds:
                    e = dict(env)
                    for pos, name in binds:
                        e[name] = t[pos]
                else:
                    e = env
                step(k + 1, e)
    step(0, {})
    return out


def _terms(env: dict) -> dict:
    return {k: as_term(v) for k, v in env.items()}


def _holds(b, env, model) -> bool:
    if isinstance(b, S.Cmp):
        return evaluate_cmp(substitute(b, _terms(env)))
    atom = substitute(b.body, _terms(env))
    if any(map(_anonymous, atom.args)):     # `not p(t, _)`: no tuple of p agrees with t
        pattern = tuple(None if _anonymous(a) else _value(a) for a in atom.args)
        return not any(all(p is None or p == v for p, v in zip(pattern, t)) for t in model.get(atom.pred, ()))
    return tuple(_value(a) for a in atom.args) not in model.get(atom.pred, ())


def _anonymous(t) -> bool:
    return type(t) is S.Var and t.name == "_"
