"""Walks over formulas and the rule graph (used by the static checks, engine/language/check.py, and
by the theory's closed-world reasoning)."""
from __future__ import annotations

import itertools

from . import syntax as S


def names(node) -> set:
    """Every predicate, function and constant name in a formula."""
    return {n.pred if type(n) is S.Atom else n.name for n in S.nodes(node) if type(n) in (S.Atom, S.Fn, S.Const)}


_CONNECTIVES = (S.Not, S.Quant, S.And, S.Or, S.Implies, S.Iff)


def subformulas(f):
    """Every subformula of a formula, itself first, through connectives and quantifiers."""
    stack = [f]
    while stack:
        x = stack.pop()
        yield x
        if isinstance(x, _CONNECTIVES):
            stack.extend(reversed(S.children(x)))


def leaves(f):
    """The atoms and comparisons of a formula, through connectives and quantifiers."""
    return (x for x in subformulas(f) if not isinstance(x, _CONNECTIVES))


def quantifiers(f):
    """Every quantified subformula of a formula, outermost first."""
    return (x for x in subformulas(f) if isinstance(x, S.Quant))


def comparisons(f):
    return (x for x in leaves(f) if isinstance(x, S.Cmp))


def preds(f):
    return (x.pred for x in leaves(f) if isinstance(x, S.Atom))


def name_anonymous(body: tuple, used: set, signature) -> tuple[tuple, dict]:
    """Each `_` argument of a body atom becomes a fresh variable (`_1`, `_2`, ...), with the
    sort of its argument position. In a positive atom the rule's sentence quantifies it
    universally (i.e. existentially over the body); under `not` it is bound by an `exists`
    inside the negation, as in Prolog's `\\+ p(X, _)`: `not p(X, _)` reads `not (exists _1.
    p(X, _1))`, "p(X, y) for no y". Returns the new body and {fresh name: sort} for the
    names the sentence must quantify universally (those of positive atoms)."""
    fresh, sorts = (f"_{k}" for k in itertools.count(1)), {}

    def rename(lit, into: dict):
        args, declared = [], signature.preds.get(lit.pred, ())
        for k, a in enumerate(lit.args):
            if isinstance(a, S.Var) and a.name == "_":
                name = next(n for n in fresh if n not in used)
                into[name] = declared[k] if k < len(declared) else None
                a = S.Var(name, a.span)
            args.append(a)
        return S.Atom(lit.pred, tuple(args), lit.span)

    def anonymous(lit) -> bool:
        return isinstance(lit, S.Atom) and any(isinstance(a, S.Var) and a.name == "_" for a in lit.args)

    out = []
    for lit in body:
        if isinstance(lit, S.Not) and anonymous(lit.body):
            local: dict = {}
            atom = rename(lit.body, local)
            out.append(S.Not(S.Quant("exists", tuple(local.items()), atom, lit.span), lit.span))
        elif anonymous(lit):
            out.append(rename(lit, sorts))
        else:
            out.append(lit)
    return tuple(out), sorts


def compared_sorts(f, sig) -> set:
    """The sorts of the terms that a comparison (`=`, `!=`, ...) in the formula relates: a
    constant's sort, a function's result sort, and every sort a variable of that name is
    quantified over in the formula (a superset where names are reused)."""
    bound: dict = {}
    for q in quantifiers(f):
        for name, sort in q.vars:
            bound.setdefault(name, set()).add(sort)
    out: set = set()
    for c in comparisons(f):
        for t in (c.left, c.right):
            if isinstance(t, S.Var):
                out |= bound.get(t.name, set())
            elif isinstance(t, S.Const):
                out.add(sig.consts.get(t.name, "thing"))
            elif isinstance(t, S.Fn) and t.name in sig.funs:
                out.add(sig.funs[t.name][1])
    return out
