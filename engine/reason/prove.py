"""Chooses the path for a query and builds its candidate proof.

Ground atoms go to the Horn core first (a derivation rule by rule, or a closed-world
step); everything else goes to z3 over the relevant part of the KB. z3 answers
become an `smt` step whose premises come from a minimised unsat core; an `unknown`
gets two witness models restricted to the atoms that matter.
"""
from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..language import syntax as S
from ..answer import Answer, Verdict
from .denials import violation
from .positive import NotPositive, extension, is_positive, refutation, support
from ..proof import Proof, Step
from .router import FORWARD, Route, route
from ..smt.solver import Budget
from ..language.terms import free_vars, substitute, term_value, value_term
from ..language.walks import subformulas

MAX_CANDIDATES = 20_000
MAX_WITNESS_ATOMS = 12
WITNESS_SCAN = 1024
MAX_MODEL_CANDIDATES = 64
FACTORED_PROOFS = 32      # up to this many factored answers are checked one proof each


def ground_atom(f):
    """(pred, values) for a ground atom over constants and numbers, else None."""
    if isinstance(f, S.Atom) and all(isinstance(a, (S.Const, S.Num)) for a in f.args):
        return f.pred, tuple(a.name if isinstance(a, S.Const) else a.value for a in f.args)
    return None


def decide(theory, sig, query, text: str, plan: Route | None = None) -> tuple[Answer, Proof | None]:
    """Answer a closed query on its route (engine/reason/router.py): (answer without proof, candidate
    proof or None). A budget exhausted anywhere on the way (grounding, closed-world extensions)
    gives `unknown`."""
    try:
        plan = plan if plan is not None else route(theory, query)
        return _decide(theory, sig, query, text, plan)
    except Budget as e:
        return Answer(text, Verdict.UNKNOWN, reason=f"resource limit: {e}"), None


def _decide(theory, sig, query, text: str, plan: Route) -> tuple[Answer, Proof | None]:
    atom = ground_atom(query)
    if atom is not None:
        pred, values = atom
        if (pred, values) in theory.fact_index:      # a stated fact: its proof is the premise
            return Answer(text, Verdict.TRUE), Proof((theory.premise_step(theory.fact_index[(pred, values)], 1, query),))
        model = theory.point_model(pred, values)
        if model.contains(pred, values):             # entailed on every route
            return Answer(text, Verdict.TRUE), horn_proof(theory, model, pred, values)
        if pred in sig.closed and theory.is_closed_false(pred, values):
            return Answer(text, Verdict.FALSE), Proof((Step(1, S.Not(query), "closed", predicate=pred),))
        if plan.horn and _open_horn(theory, query):
            return _open_world(query, text), None
        if plan.core == FORWARD:
            core = violation(theory, plan.entries, [(pred, values)])
            if core is None:
                return _open_world(query, text), None
            return Answer(text, Verdict.FALSE), smt_proof(theory, core, S.Not(query))
    elif isinstance(query, S.Not) and (negated := ground_atom(query.body)) is not None:
        pred, values = negated      # `not p(t)`: false when p(t) is derived, true when closed-false
        model = theory.point_model(pred, values)
        if model.contains(pred, values):
            steps = list(horn_proof(theory, model, pred, values).steps)
            steps.append(Step(len(steps) + 1, S.Not(query), "smt", premises=(len(steps),)))
            return Answer(text, Verdict.FALSE), Proof(tuple(steps))
        if pred in sig.closed and theory.is_closed_false(pred, values):
            return Answer(text, Verdict.TRUE), Proof((Step(1, query, "closed", predicate=pred),))
    elif is_positive(query):      # true in the least model: entailed on every route
        try:
            atoms = support(query, theory.model, sig)
        except NotPositive:
            atoms = None
        if atoms is not None:
            return Answer(text, Verdict.TRUE), positive_proof(theory, atoms, query)
        if plan.core == FORWARD:
            found = _positive_false_or_unknown(theory, sig, query, text, plan.entries)
            if found is not None:
                return found
    return decide_smt(theory, sig, query, text, plan)


def _positive_false_or_unknown(theory, sig, query, text, chosen):
    """A positive formula false in the least model: false when each way of making it true
    violates a denial, unknown when some way does not (both models shown); else None."""
    try:
        core = refutation(query, theory, chosen, sig)
        if core is not None:
            return Answer(text, Verdict.FALSE), smt_proof(theory, core, S.Not(query))
        added = extension(query, theory, chosen, sig)
    except NotPositive:
        return None
    if added is None:
        return None
    # holds: the least model of KB + added; fails: the least model, where these atoms are false
    shown = lambda atom: S.show_atom(S.Atom(atom[0], tuple(value_term(v) for v in atom[1])))
    holds = {shown(a): True for a in added[:MAX_WITNESS_ATOMS]}
    fails = {shown(a): False for a in added[:MAX_WITNESS_ATOMS]}
    return Answer(text, Verdict.UNKNOWN, reason="open world", witnesses={"holds": holds, "fails": fails}), None


def _open_world(atom, text) -> Answer:
    """Unknown: the atom can be added (a model where it holds) and left out (one where it fails)."""
    shown = S.show_atom(atom)
    return Answer(text, Verdict.UNKNOWN, reason="open world", witnesses={"holds": {shown: True}, "fails": {shown: False}})


def _open_horn(theory, query) -> bool:
    """Nothing but definite rules and facts can touch the query: its atom is unconstrained."""
    chosen = theory.relevant({query.pred})
    hard = set(theory.hard)
    if any(i in hard for i in chosen):
        return False
    preds = set().union(*(theory.symbols[i] for i in chosen)) if chosen else set()
    return not (preds | {query.pred}) & theory.sig.closed


def decide_smt(theory, sig, query, text, plan: Route):
    try:
        problem = theory.problem(list(plan.entries), sig, extra_formulas=[query])
        goal = problem.formula(query)
        query_atoms = _ground_atoms(query) or sorted(_atom_texts(problem, query))
        refute = problem.check(extra=problem.negate(goal))
        if refute.status == "unsat":
            return Answer(text, Verdict.TRUE), smt_proof(theory, refute.core, query)
        confirm = problem.check(extra=goal)
        if confirm.status == "unsat":
            return Answer(text, Verdict.FALSE), smt_proof(theory, confirm.core, S.Not(query))
        if "unknown" in (refute.status, confirm.status):
            reason = refute.reason or confirm.reason
            return Answer(text, Verdict.UNKNOWN, reason=reason or "resource limit"), None
        unclosed = _unclosed(theory, sig, problem)
        if unclosed:     # the two models may break a closure the problem was not told of
            return Answer(text, Verdict.UNKNOWN, reason=f"incomplete: the closed world of {', '.join(unclosed)} "
                                                        "is not applied to constants only the query names"), None
        witnesses = _witnesses(problem, confirm.model, refute.model, query_atoms, theory.depends_on(_preds(query)))
        return Answer(text, Verdict.UNKNOWN, reason="open world", witnesses=witnesses), None
    except Budget as e:
        return Answer(text, Verdict.UNKNOWN, reason=f"resource limit: {e}"), None


def _unclosed(theory, sig, problem) -> list:
    """The closed predicates of the problem that the least model does not settle and that range
    over an open sort of which the query names a new constant: their atoms over it are left
    unclosed (engine/reason/theory.py `is_closed_false`), so a model of the problem need not be one
    of the KB's."""
    new = set(sig.consts) - set(theory.sig.consts)
    if not new:
        return []
    sorts = {sig.consts[c] for c in new}
    preds = {pred for pred, _, _ in problem.atoms.values()}
    return sorted(p for p in preds if p in sig.closed and p not in theory.settled
                  and set(sig.preds.get(p, ())) & sorts)


def _ground_atoms(f) -> list:
    """The query's ground atoms, as text."""
    return [S.show_atom(x) for x in subformulas(f) if type(x) is S.Atom and not free_vars(x)]


def _atom_texts(problem, query):
    return {t for t, (p, _, _) in problem.atoms.items() if p in _preds(query) and t not in problem.closing}


def _witnesses(problem, holds, fails, query_atoms, cone=None) -> dict:
    """The query's atoms and up to MAX_WITNESS_ATOMS atoms on which the two models differ, of
    the predicates the query depends on (`cone`), looked for first among atoms that share a
    constant with the query (at most WITNESS_SCAN atoms are evaluated: each evaluation in a
    large model costs ~0.1 ms)."""
    keys = list(dict.fromkeys(query_atoms))
    mentioned = {v for k in keys if k in problem.atoms for v in problem.atoms[k][1]}
    closing = problem.closing
    near = [t for t, (_, values, _) in problem.atoms.items() if mentioned.intersection(values)]
    order = [t for t in dict.fromkeys(near + list(problem.atoms))
             if t not in closing and (cone is None or problem.atoms[t][0] in cone)][:WITNESS_SCAN]
    for start in range(0, len(order), 256):
        if len(keys) >= MAX_WITNESS_ATOMS:
            break
        chunk = order[start:start + 256]
        for text, expr in zip(chunk, problem.atom_exprs(chunk)):
            if len(keys) >= MAX_WITNESS_ATOMS:
                break
            if text not in keys and problem.holds_in(holds, expr) != problem.holds_in(fails, expr):
                keys.append(text)
    known = [k for k in keys if k in problem.atoms]
    exprs = problem.atom_exprs(known)
    return {"holds": {k: problem.holds_in(holds, e) for k, e in zip(known, exprs)},
            "fails": {k: problem.holds_in(fails, e) for k, e in zip(known, exprs)}}


def _preds(f) -> set:
    from .theory import _symbols
    return _symbols(f)


# ---------------------------------------------------------------- open queries
@dataclass(frozen=True)
class Found:
    """The entailed bindings of an open query: `rows` are value tuples, the binding of
    names[j] is row[positions[j]]; `proof(i)` gives (instance, candidate proof) of row i.
    `incomplete` says why entailed bindings may be missing (None: every one is listed).
    `certificate`, for rows of the Horn core, gives the derived atoms in derivation order
    (`Model.rounds`), for the kernel's bulk check (engine/kernel/bulk.py); None where the
    rows come another way (each row's proof is then checked)."""
    names: tuple
    positions: tuple
    rows: list
    proof: Callable
    incomplete: str | None = None
    certificate: Callable | None = None


def candidates(theory, sig, query, var_sorts: dict, budget_ms: int | None = None) -> Found:
    """Every binding of an open query that the KB entails, each with a lazy candidate proof;
    where they cannot all be listed (a budget, values that cannot be enumerated), the ones
    found and the reason. `budget_ms` bounds the whole search for bindings that z3 checks
    one by one (the Horn core's answers are computed whole)."""
    names = tuple(sorted(var_sorts))
    deadline = None if budget_ms is None else time.monotonic() + budget_ms / 1000
    try:
        return _candidates(theory, sig, query, var_sorts, names, deadline)
    except Budget as e:
        return Found(names, tuple(range(len(names))), [], None, f"resource limit: {e}")


def _candidates(theory, sig, query, var_sorts: dict, names: tuple, deadline) -> Found:
    atom_shape = isinstance(query, S.Atom) and all(isinstance(a, (S.Var, S.Const, S.Num)) for a in query.args)
    plan = route(theory, query)
    chosen = list(plan.entries)
    if atom_shape and plan.horn:     # the least model lists the entailed atoms
        return _horn_candidates(theory, query, names)
    domains, notes = [], []
    for n in names:
        values, note = _binding_values(sig, n, var_sorts[n])
        domains.append(values)
        if note:
            notes.append(note)
    if any(d is None for d in domains):
        if all(sig.is_numeric(var_sorts[n]) or var_sorts[n] in ("int", "real") for n in names):
            found = _listed(theory, query, names,
                            _model_candidates(theory, sig, query, var_sorts, chosen, notes, deadline))
        elif atom_shape:
            found = _horn_candidates(theory, query, names)
            notes.append("only bindings in the least model of the rules are listed")
        else:
            found = _listed(theory, query, names, [])
        return _noted(found, notes)
    size = 1
    for d in domains:
        size *= len(d)
    if size > MAX_CANDIDATES:
        notes.append(f"only the first {MAX_CANDIDATES:,} of {size:,} candidate bindings were tried")
    bindings = [dict(zip(names, values)) for values in itertools.islice(itertools.product(*domains), MAX_CANDIDATES)]
    instances = [substitute(query, {k: value_term(v) for k, v in b.items()}) for b in bindings]
    problem = theory.problem(chosen, sig, extra_formulas=instances)
    return _noted(_listed(theory, query, names, _entailed(problem, bindings, instances, notes, deadline)), notes)


def _binding_values(sig, name: str, sort: str):
    """The values a variable of an open query is tried with, and a note when entailed bindings
    may lie outside them: a finite sort's elements; an open sort's named constants (a binding
    is a name; terms of functions into the sort are not tried); None for numbers."""
    domain = sig.domain(sort)
    if domain is not None:
        return domain, None
    info = sig.sorts.get(sort)
    if info is not None and info.kind == "open":
        note = None
        if any(result == sort for _, result in sig.funs.values()):
            note = f"{name} is tried with the named individuals of {sort} only, not with function terms"
        return sig.constants_of(sort), note
    if sort in ("int", "real") or sig.is_numeric(sort):
        return None, None
    return None, f"the values of {name} (sort {sort}) cannot be listed"


def _noted(found: Found, notes: list) -> Found:
    if not notes:
        return found
    return Found(found.names, found.positions, found.rows, found.proof, "; ".join(dict.fromkeys(notes)),
                 found.certificate)


def _entailed(problem, bindings, instances, notes: list, deadline=None):
    for k, (binding, instance) in enumerate(zip(bindings, instances)):
        if deadline is not None and time.monotonic() > deadline:
            notes.append(f"resource limit: the time budget ran out after {k:,} of {len(bindings):,} candidate bindings")
            return
        out = problem.check(extra=problem.negate(problem.formula(instance)))
        if out.status == "unsat":
            yield binding, out.core
        elif out.status == "unknown":
            notes.append(f"some candidate bindings could not be decided ({out.reason or 'resource limit'})")


def _listed(theory, query, names, found) -> Found:
    """Found for bindings given as (binding dict, unsat core) pairs: smt proofs."""
    rows, cores = [], []
    for binding, core in found:
        rows.append(tuple(binding[n] for n in names))
        cores.append(core)

    def proof(i):
        instance = substitute(query, {n: value_term(v) for n, v in zip(names, rows[i])})
        return instance, smt_proof(theory, cores[i], instance)
    return Found(names, tuple(range(len(names))), rows, proof)


def _model_candidates(theory, sig, query, var_sorts, chosen, notes: list, deadline=None):
    """Numeric bindings, read first off models of the bodies of the rules that define the query's
    predicate (`cost(I, N, C) :- price(I) * N = C.` gives C = 2 for `cost(apple, 4, C)`, where a
    model of the query alone may take any C), then off models of the query itself."""
    seen = set()
    try:
        problem = theory.problem(chosen, sig)
        refresh = lambda instance: theory.problem(chosen, sig, extra_formulas=[instance])
        for guide in [*_rule_guides(theory, query, var_sorts), None]:
            for binding, _, core in entailed_values(problem, query, var_sorts, refresh=refresh, notes=notes,
                                                    guide=guide):
                key = tuple(sorted(binding.items()))
                if key not in seen:
                    seen.add(key)
                    yield binding, core
                if deadline is not None and time.monotonic() > deadline:
                    notes.append("resource limit: the time budget ran out while reading numeric bindings off models")
                    return
    except Budget as e:
        notes.append(f"resource limit: {e}")


def entailed_values(problem, query, var_sorts, given=(), refresh=None, notes=None, guide=None):
    """Numeric bindings read off models of KB ∧ given ∧ guide (the query by default), each kept
    only when KB ∧ given entails the query's instance; every found binding is blocked, so each
    model yields a new one (at most MAX_MODEL_CANDIDATES: beyond that the answers are
    incomplete, never wrong). Yields (binding, instance, unsat core of the entailment)."""
    consts = problem.unknowns(var_sorts)
    goal, blocks = problem.formula(guide if guide is not None else query, consts), []
    notes = notes if notes is not None else []
    for _ in range(MAX_MODEL_CANDIDATES):
        out = problem.check(extra=problem.conjoin([*given, goal, *blocks]), want_core=False)
        if out.status == "unknown":
            notes.append(f"the search for numeric bindings stopped ({out.reason or 'resource limit'})")
        if out.status != "sat":
            return
        binding = {n: problem.model_value(out.model, c) for n, (c, _) in consts.items()}
        if any(v is None for v in binding.values()):
            return
        blocks.append(problem.differs(consts, binding))
        instance = substitute(query, {k: value_term(v) for k, v in binding.items()})
        problem = refresh(instance) if refresh else problem
        refute = problem.check(extra=problem.conjoin([*given, problem.negate(problem.formula(instance))]))
        if refute.status == "unsat":
            yield binding, instance, refute.core
    else:
        notes.append(f"numeric bindings are read off at most {MAX_MODEL_CANDIDATES} models")


def _rule_guides(theory, query, var_sorts: dict) -> list:
    """For an atom query, the body of each rule whose head it matches, under the match, with the
    rule's other variables read existentially: where the query holds because of that rule."""
    if not isinstance(query, S.Atom):
        return []
    out = []
    for e in theory.entries:
        st, sentence = e.statement, e.sentence
        if not isinstance(st, S.Rule) or st.head.pred != query.pred or len(st.head.args) != len(query.args):
            continue
        sorts = dict(sentence.vars) if isinstance(sentence, S.Quant) else {}
        sub, ok = {}, True
        for h, q in zip(st.head.args, query.args):
            if isinstance(h, S.Var) and h.name in sub and sub[h.name] != q:
                ok = False
            elif isinstance(h, S.Var):
                sub[h.name] = q
            elif h != q:
                ok = False
        if not ok or any(isinstance(q, S.Var) and q.name not in var_sorts for q in sub.values()):
            continue
        body = S.And(tuple(_known_tuples(theory, substitute(lit, sub)) for lit in st.body))
        rest = sorted(free_vars(body) - set(var_sorts))
        if any(n not in sorts for n in rest):
            continue
        out.append(S.Quant("exists", tuple((n, sorts[n]) for n in rest), body) if rest else body)
    return out


def _known_tuples(theory, literal):
    """A guide's body atom read as one of the least model's matching tuples (`qty(o1, N)` as
    `N = 3`): the values it proposes come from the facts; only a guide, so nothing is assumed."""
    if not isinstance(literal, S.Atom) or not any(isinstance(a, S.Var) for a in literal.args):
        return literal
    if not all(isinstance(a, (S.Var, S.Const, S.Num)) for a in literal.args):
        return literal
    pattern = tuple(None if isinstance(a, S.Var) else term_value(a) for a in literal.args)
    rows = list(itertools.islice(theory.model.match(literal.pred, pattern), MAX_MODEL_CANDIDATES))
    if not rows:
        return literal
    return S.Or(tuple(S.And(tuple(S.Cmp("=", a, value_term(v)) for a, v in zip(literal.args, row)
                                  if isinstance(a, S.Var))) for row in rows))


def _horn_candidates(theory, query, names) -> Found:
    """The least model's tuples matching the query atom (a repeated variable: equal columns)."""
    pattern = tuple(a.name if isinstance(a, S.Const) else a.value if isinstance(a, S.Num) else None
                    for a in query.args)
    columns: dict = {}
    for k, a in enumerate(query.args):
        if isinstance(a, S.Var) and a.name != "_":
            columns.setdefault(a.name, []).append(k)
    found = theory.factored(query.pred, pattern)
    if found is not None:
        model = None
    elif all(v is None for v in pattern):    # the whole relation: the whole least model, columnar when large
        model = theory.model
    else:
        model = theory.point_model(query.pred, pattern)
    select = getattr(model, "select", None)      # the columnar backend's lazy rows
    repeated = [ks for ks in columns.values() if len(ks) > 1]
    if select is not None and not repeated:
        rows = select(query.pred, pattern)        # they stay in DuckDB until read
    else:
        # a tuple, not a list: once Python's collector has seen that its items hold only values,
        # it stops tracking it, and later full collections skip its millions of entries
        rows = tuple(model.match(query.pred, pattern) if found is None else found)
    for ks in repeated:
        rows = [t for t in rows if len({t[k] for k in ks}) == 1]

    def proof(i):
        tup = rows[i]
        source = model if model is not None else theory.point_model(query.pred, tup)
        return S.Atom(query.pred, tuple(value_term(v) for v in tup)), horn_proof(theory, source, query.pred, tup)
    if model is not None:
        certificate = model.rounds if select is None else None    # no derivation order kept there
    elif len(rows) > FACTORED_PROOFS:    # factored rows have no rounds: the goal-directed model's
        certificate = lambda: theory.point_model(query.pred, pattern).rounds()
    else:                                # a few rows: each one's proof is checked
        certificate = None
    return Found(names, tuple(columns[n][0] for n in names), rows, proof, certificate=certificate)


# ---------------------------------------------------------------- proofs
def horn_proof(theory, model, pred: str, values: tuple) -> Proof:
    """Rule-by-rule derivation of a fact of the least model; shared subproofs appear once."""
    steps, _ = horn_steps(theory, model, [(pred, values)])
    return Proof(tuple(steps))


def horn_steps(theory, model, roots: list) -> tuple[list, dict]:
    """The steps deriving every root fact (pred, values) of the least model, and the step id
    of each derived fact; subproofs shared between roots appear once. A stated fact is cited
    as a premise; every other fact by its derivation."""
    steps, ids, atoms = [], {}, {}
    append, derivation, stated = steps.append, model.derivation, theory.fact_index
    rules = {}                           # rule index -> (its source, its body if it negates, else None)
    stack = [(root, None) for root in reversed(roots)]     # (fact, its derivation once expanded)
    pop, push = stack.pop, stack.append
    while stack:
        key, d = pop()
        if key in ids:
            continue
        if d is None:
            d = None if key in stated else derivation(*key)
            if d is None:                # a stated fact (every base fact of a model is stated)
                index = stated[key]      # the fact's own sentence is its claim
                append(theory.premise_step(index, len(steps) + 1, theory.entries[index].sentence))
                ids[key] = len(steps)
                continue
            push((key, d))
            for p in reversed(d.premises):
                if p not in ids:
                    push((p, None))
            continue
        rule = rules.get(d.rule_index)
        if rule is None:
            entry = theory.entries[d.rule_index]
            body = entry.statement.body
            rule = rules[d.rule_index] = (entry.source, body if any(isinstance(lit, S.Not) for lit in body) else None)
        source, negating = rule
        used = tuple([ids[p] for p in d.premises]) if negating is None \
            else _body_steps(negating, d, ids, steps, theory.sig)
        append(Step(len(steps) + 1, _ground(key, atoms), "rule", None, source, d.subst, used))
        ids[key] = len(steps)
    return steps, ids


def _body_steps(body, d, ids: dict, steps: list, sig) -> tuple:
    """The step ids for a rule body with negation: derived atoms, and a new `closed` step for
    each negated atom (`not p(a, _)` claims `not (exists _1: s. p(a, _1))`: no tuple of p
    has a first; the Horn core gives None at each `_`)."""
    premises, absent, used = iter(d.premises), iter(d.absent), []
    for lit in body:
        if isinstance(lit, S.Atom):
            used.append(ids[next(premises)])
        elif isinstance(lit, S.Not):
            p, vals = next(absent)
            steps.append(Step(len(steps) + 1, S.Not(_absent_claim(p, vals, sig)), "closed", predicate=p))
            used.append(len(steps))
    return tuple(used)


def _absent_claim(pred: str, vals: tuple, sig):
    """p(values) for a ground pattern; with None at some positions, `exists _1.. . p(..)` with
    a fresh variable, of the position's sort, at each."""
    if None not in vals:
        return S.Atom(pred, tuple(value_term(v) for v in vals))
    sorts, args, bound = sig.preds.get(pred, ()), [], []
    for k, v in enumerate(vals):
        if v is None:
            name = f"_{len(bound) + 1}"
            bound.append((name, sorts[k]))
            args.append(S.Var(name))
        else:
            args.append(value_term(v))
    return S.Quant("exists", tuple(bound), S.Atom(pred, tuple(args)))


def _ground(key, atoms: dict):
    """The atom pred(values) as a formula, built once per fact (`atoms` also keeps the term of
    each value, under the key `(value, type)`)."""
    atom = atoms.get(key)
    if atom is None:
        terms = []
        for v in key[1]:
            t = atoms.get((v, type(v)))
            if t is None:
                t = atoms[(v, type(v))] = S.Const(v) if type(v) is str else S.Num(v)
            terms.append(t)
        atom = atoms[key] = S.Atom(key[0], tuple(terms))
    return atom


def positive_proof(theory, atoms: list, claim) -> Proof:
    """Horn derivations of the supporting atoms, then one smt step concluding the claim."""
    roots = list(dict.fromkeys(atoms))
    steps, ids = horn_steps(theory, theory.model, roots)
    steps.append(Step(len(steps) + 1, claim, "smt", premises=tuple(ids[a] for a in roots)))
    return Proof(tuple(steps))


def smt_proof(theory, core, claim) -> Proof:
    """Premise and closed-world steps for the unsat core, then one smt step."""
    steps, by_entry, instances = [], {}, {}
    for key in sorted(core, key=repr):
        if key[0] == "closed":
            _, pred, values = key
            steps.append(Step(len(steps) + 1, S.Not(S.Atom(pred, tuple(value_term(v) for v in values))), "closed",
                              predicate=pred))
            continue
        index, sub = key
        if index not in by_entry:
            entry = theory.entries[index]
            steps.append(theory.premise_step(index, len(steps) + 1, entry.sentence))
            by_entry[index] = len(steps)
            instances[by_entry[index]] = []
        if instances.get(by_entry[index]) is not None:
            if sub is None:
                instances[by_entry[index]] = None
            else:
                instances[by_entry[index]].append(sub)
    used = {k: v for k, v in instances.items() if v}
    steps.append(Step(len(steps) + 1, claim, "smt", premises=tuple(s.id for s in steps), instances=used or None))
    return Proof(tuple(steps))
