"""Definite theories with denials, decided by forward chaining instead of z3.

A *denial* is a hard statement that forbids a conjunction: `forall X. not (p(X) & q(X))`,
`forall X. (p(X) -> not q(X))`, or a negative fact `not p(a)`. When every hard statement
that can touch a query is a denial, and every predicate there ranges over named finite sorts
or numbers (unique names and domain closure, so the models are the Herbrand ones), then:

- every model contains the least model LM of the definite part, and LM is itself a model
  exactly when no denial body holds in it (closed predicates keep their extension, LM's);
- so the KB is consistent iff LM violates no denial, a ground atom A is entailed iff
  A is in LM, and `not A` is entailed iff LM(KB + A) violates a denial or adds an atom to
  a closed predicate (every model of KB + A contains LM(KB + A), and denial bodies are
  positive, so the violation holds in all of them).

A violation comes with the rule instances, facts, denial instance and closed-world literals
it was derived from: the premises of an `smt` step that the kernel re-checks with z3 on
those instances only. Everything else still goes to z3.
"""
from __future__ import annotations

from ..language import syntax as S
from ..horn.core import HornRule, saturate
from ..language.safety import unbound

BOT = "\u22a5"     # violation predicates: "⊥<entry index>", never a user predicate name


def denial_rule(sentence, index: int) -> HornRule | None:
    """`⊥i(X, ...) :- body` for a denial sentence (entry i), else None."""
    names, f = [], sentence
    while isinstance(f, S.Quant) and f.kind == "forall":
        names += [n for n, _ in f.vars]
        f = f.body
    match f:
        case S.Not(inner):
            lits = _conjuncts(inner)
        case S.Implies(left, S.Not(right)):
            lits = _conjuncts(left) + _conjuncts(right)
        case _:
            return None
    if any(lit is None for lit in lits) or not _safe(lits, set(names)):
        return None
    body = tuple(("pos", l.pred, l.args) if isinstance(l, S.Atom) else ("cmp", l.op, l.left, l.right) for l in lits)
    head = tuple(S.Var(n) for n in names)
    return HornRule((f"{BOT}{index}", head), body, index)


def _conjuncts(f) -> list:
    items = f.items if isinstance(f, S.And) else (f,)
    return [x if _simple(x) else None for x in items]


def _simple(x) -> bool:
    plain = lambda t: isinstance(t, (S.Var, S.Const, S.Num))
    if isinstance(x, S.Atom):
        return all(plain(a) and not (isinstance(a, S.Var) and a.name == "_") for a in x.args)
    return isinstance(x, S.Cmp) and plain(x.left) and plain(x.right)


def _safe(lits: list, names: set) -> bool:
    """Every quantified variable occurs in an atom, and nothing else is free."""
    binders = [{a.name for a in l.args if isinstance(a, S.Var)} for l in lits if isinstance(l, S.Atom)]
    everywhere = {t.name for l in lits for t in (l.args if isinstance(l, S.Atom) else (l.left, l.right))
                  if isinstance(t, S.Var)}
    return everywhere <= names and not unbound(binders, names)


def decidable(theory, indices, query_preds=()) -> bool:
    """Every hard entry among `indices` is a denial, every rule among them is definite (no
    negated body literal), every predicate they or the query mention has only finite or
    numeric argument sorts, and every closed one is settled by the least model (a closed
    predicate that a statement outside `indices` makes unsettled, such as `p(3) | p(4)`
    against the query p(5), is left to z3)."""
    hard, denials, sig = set(theory.hard), theory.denials, theory.sig
    if any(i in hard and i not in denials for i in indices):
        return False
    chosen = set(indices)
    if any(lit[0] == "neg" for r in theory.rules if r.index in chosen for lit in r.body):
        return False          # `q :- not p` with `not q` entails p: not a definite theory
    preds = set().union(*(theory.symbols[i] for i in indices), query_preds)
    if any(p in sig.closed and p not in theory.settled for p in preds):
        return False
    for p in preds:
        sorts = sig.preds.get(p)
        if sorts is None or any(sig.domain(s) is None and s not in ("int", "real") for s in sorts):
            return False
    return True


def violation(theory, indices, hypotheses=()) -> list | None:
    """The core (keys as in a z3 unsat core: (entry index, substitution or None) and
    ("closed", pred, values)) of a violation in LM(entries `indices` + hypotheses), else None.
    `hypotheses` are ground atoms (pred, values) assumed true; they are not part of the core."""
    hypotheses = set(hypotheses)
    chosen = set(indices)
    rules = [r for r in theory.rules if r.index in chosen]
    rules += [r for i, r in sorted(theory.denials.items()) if i in chosen]
    preds = set().union(*(theory.symbols[i] for i in chosen), {p for p, _ in hypotheses})
    facts = {p: set(theory.facts[p]) for p in preds if p in theory.facts}
    for pred, values in hypotheses:
        facts.setdefault(pred, set()).add(values)
    model = saturate(rules, facts)
    for index in sorted(i for i in theory.denials if i in chosen):
        for tup in model.tuples(f"{BOT}{index}"):
            return _core(theory, model, (f"{BOT}{index}", tup), hypotheses)
    if hypotheses:
        base = theory.model
        for p in sorted(theory.sig.closed & preds):
            for tup in model.tuples(p):
                if not base.contains(p, tup):
                    return _core(theory, model, (p, tup), hypotheses) + [("closed", p, tup)]
    return None


def _core(theory, model, root, hypotheses: set) -> list:
    """The instances a fact of `model` was derived from (facts, rules, denials, closed literals)."""
    core, seen, stack = {}, set(), [root]
    while stack:
        key = stack.pop()
        if key in seen or key in hypotheses:
            continue
        seen.add(key)
        d = model.derivation(*key)
        if d is None:
            core.setdefault(repr((theory.fact_index[key], None)), (theory.fact_index[key], None))
            continue
        sub = dict(sorted(d.subst.items())) or None
        core.setdefault(repr((d.rule_index, sub)), (d.rule_index, sub))
        stack.extend(d.premises)
        for pred, values in d.absent:
            core.setdefault(repr(("closed", pred, values)), ("closed", pred, values))
    return list(core.values())
