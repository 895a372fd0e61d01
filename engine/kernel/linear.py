"""Answers of a linear recursion asked with one argument given, accepted in one pass.

`ask_all("path(c, Y)")` over `path(X, Z) :- edge(X, Z).  path(X, Z) :- edge(X, Y), path(Y, Z).`
has answers whose derivations pass through `path(y, z)` for every y between c and z: checking
them atom by atom (engine/kernel/bulk.py) is quadratic in the length of the chain. This module
accepts them by a derived inference rule instead, for a binary predicate p given at position b
whose rules the kernel reads from the KB (here for b = 0; for b = 1 swap the two arguments of p
everywhere, so that the steps are `p(X, Z) :- p(X, Y), S(Y, Z)`):

    every rule of p is an exit      p(X, Z) :- A(X, Z)             (A: atoms and tests)
                    or a step       p(X, Z) :- S(X, Y), p(Y, Z)    (S: atoms and tests, no Z)
    no predicate of A or S has rules (its atoms are the KB's stated facts)
    c = y0;  S_1(y0, y1), ..., S_k(y(k-1), yk) and A(yk, z) hold over the stated facts
    ─────────────────────────────────────────────────────────────────────────────── linear
                                   ⊢ p(c, z)

Why this is sound. p(yk, z) follows from the exit rule (its body holds: stated facts and true
tests, each variable's value of its sort); then, for m = k down to 1, p(y(m-1), z) follows from
the step rule of S_m, whose body is S_m(y(m-1), ym), which holds, and p(ym, z), just derived. So
p(c, z) is entailed: the inference rule abbreviates a chain of `rule` steps. The kernel finds
the y's as the least set `reach` with c in it and every y' with S(y, y') for y in it, and the
z's as those with A(y, z) for some y in `reach`, by a plain search over the stated facts; an
answer outside them is not accepted. Where the rules or the question have any other shape, this
module declines (None) and the answers are checked atom by atom.
"""
from __future__ import annotations

from ..language import syntax as S
from .closure import _add_fact, _Index
from .evaluate import evaluate, evaluate_cmp
from .sorts import fits
from .modal import check_kd45
from .terms import Rejected, as_term, predicates, substitute, var_names


def check_linear(ctx, query, rows):
    """The indices of the rows (argument tuples of the query's predicate) the derived rule does
    not accept; None when it does not apply (see the module docstring)."""
    if not isinstance(query, S.Atom) or len(query.args) != 2:
        return None
    try:
        check_kd45(ctx)
    except Rejected:
        return list(range(len(rows)))
    given = [k for k, a in enumerate(query.args) if isinstance(a, (S.Const, S.Num))]
    if len(given) != 1 or not isinstance(query.args[1 - given[0]], S.Var):
        return None
    b = given[0]
    c = evaluate(query.args[b])
    pred, sig = query.pred, ctx.signature
    rules = [(st, sen) for _, st, sen in ctx.sentences() if isinstance(st, S.Rule) and sen is not None]
    mine = [(st, sen) for st, sen in rules if st.head.pred == pred]
    with_rules = {st.head.pred for st, _ in rules}
    exits, steps = [], []
    for st, sen in mine:
        shape = _shape(st, pred, b, with_rules)
        if shape is None:
            return None
        kind, body, x, y, z = shape
        sorts = dict(sen.vars) if isinstance(sen, S.Quant) and sen.kind == "forall" else {}
        (exits if kind == "exit" else steps).append((body, x, y, z, sorts))
    if not exits:
        return None
    facts: dict = {}
    body_preds = {q for body, *_ in exits + steps for lit in body for q in predicates(lit)}
    for _, st, sen in ctx.sentences():
        if sen is not None and not isinstance(st, S.Rule) and predicates(sen) & body_preds:
            _add_fact(sen, facts, sig)
    index = _Index(facts)
    reach, todo = {c}, [c]
    while todo:
        y0 = todo.pop()
        for body, x, y, _, sorts in steps:
            if x not in sorts or not fits(y0, sorts[x], sig):
                continue
            for env in _solutions(body, {x: y0}, index, sig, sorts):
                if y in env and env[y] not in reach:
                    reach.add(env[y])
                    todo.append(env[y])
    accepted = set()
    for y0 in reach:
        for body, x, _, z, sorts in exits:
            if x not in sorts or not fits(y0, sorts[x], sig):
                continue
            for env in _solutions(body, {x: y0}, index, sig, sorts):
                if z in env:
                    accepted.add(env[z])
    f = 1 - b
    return [i for i, row in enumerate(rows)
            if not (len(row) == 2 and row[b] == c and row[f] in accepted)]


def _shape(rule, pred: str, b: int, with_rules: set):
    """("exit" | "step", other body literals, X, Y, Z) with the arguments read so that the given
    position is X's (b = 0: p(X, Z); b = 1: p(Z, X)); None for any other shape."""
    head = rule.head.args
    if len(head) != 2 or not all(isinstance(a, S.Var) and a.name != "_" for a in head):
        return None
    x, z = head[b].name, head[1 - b].name
    if x == z:
        return None
    recursive = [lit for lit in rule.body if isinstance(lit, S.Atom) and lit.pred == pred]
    others = [lit for lit in rule.body if not (isinstance(lit, S.Atom) and lit.pred == pred)]
    for lit in others:
        if isinstance(lit, S.Atom):
            if lit.pred in with_rules or not all(isinstance(a, (S.Var, S.Const, S.Num)) for a in lit.args):
                return None
        elif not isinstance(lit, S.Cmp):
            return None          # negation, or anything else: not this rule
        if pred in predicates(lit):
            return None
    if not recursive:
        return "exit", others, x, None, z
    if len(recursive) != 1:
        return None
    args = recursive[0].args
    if not (isinstance(args[b], S.Var) and isinstance(args[1 - b], S.Var) and args[1 - b].name == z):
        return None
    y = args[b].name
    if y in (x, z, "_") or any(z in var_names(lit) for lit in others):
        return None
    return "step", others, x, y, z


def _solutions(body: list, env: dict, facts: _Index, sig, sorts: dict):
    """Every extension of env (variable -> value) under which the atoms of `body` are stated
    facts and its tests are true, each value of its variable's sort; atoms in order, each test
    once its variables are bound."""
    if not body:
        yield env
        return
    for k, lit in enumerate(body):      # a test whose variables are bound goes first
        if isinstance(lit, S.Cmp) and var_names(lit) <= set(env):
            terms = {n: as_term(v) for n, v in env.items()}
            try:
                holds = evaluate_cmp(substitute(lit, terms))
            except Rejected:
                holds = False
            if holds:
                yield from _solutions(body[:k] + body[k + 1:], env, facts, sig, sorts)
            return
    atoms = [k for k, lit in enumerate(body) if isinstance(lit, S.Atom)]
    if not atoms:
        return                           # a test with a variable no atom binds: no solution
    k = atoms[0]
    atom, rest = body[k], body[:k] + body[k + 1:]
    position = value = None
    for pos, a in enumerate(atom.args):       # look the atom up by a bound argument
        if isinstance(a, S.Var) and a.name in env:
            position, value = pos, env[a.name]
            break
        if not isinstance(a, S.Var):
            position, value = pos, evaluate(a)
            break
    found = facts.model.get(atom.pred, ()) if position is None else facts.lookup(atom.pred, position, value)
    for t in found:
        if len(t) != len(atom.args):
            continue
        new = dict(env)
        for a, v in zip(atom.args, t):
            if isinstance(a, S.Var):
                if a.name == "_":
                    continue
                if a.name in new:
                    if new[a.name] != v:
                        break
                else:
                    if a.name not in sorts or not fits(v, sorts[a.name], sig):
                        break
                    new[a.name] = v
            elif evaluate(a) != v:
                break
        else:
            yield from _solutions(rest, new, facts, sig, sorts)
