"""The kernel's check of the KD45 statements the engine adds for belief predicates.

A belief literal is an atom of a reserved predicate (engine/language/modal.py writes them):
`'@b~b/at'(A1, A2, O, C)` is `believes(A1, not believes(A2, at(O, C)))`: one `b` per level, a
`~` after a level whose content is negated, the agents first. The engine adds statements from
the file `<KD45>` that relate these predicates. The kernel trusts none of them: before a proof
against a KB is checked, every `<KD45>` statement must be an instance of one of these theorem
schemas of KD45 (each agent's beliefs consistent (D), positive and negative introspection (4, 5)),
read here from the statement itself:

    D      not (B..B_k F & B..B_k not F)           two literals that differ in the polarity of one
                                                   level, every level above it positive
    4      B_a B_a F  <->  B_a F                   inside any context, as two rules
    5      B_a not B_a F  <->  not B_a F           at the top (an equivalence) or inside (two rules)

with the two agents of the collapsed levels the same variable, every other argument the same.
"""
from __future__ import annotations

from ..language import syntax as S
from .terms import Rejected

FILE = "<KD45>"


def check_kd45(ctx) -> None:
    """Raise Rejected unless every statement the KB attributes to <KD45> is a schema instance."""
    if not hasattr(ctx, "sentences"):
        return
    cache = getattr(ctx, "kernel_cache", None)
    if cache is not None and cache.get("kd45") == "ok":
        return
    for source, st, _ in ctx.sentences():
        if source.startswith(FILE + ":") and not _instance(st):
            raise Rejected(f"the statement at {source} is not an instance of a KD45 axiom")
    if cache is not None:
        cache["kd45"] = "ok"


def _code(pred: str):
    """(negations per level, inner predicate), or None when pred is not a belief predicate."""
    try:
        return S.decode_belief(pred)
    except ValueError:
        return None


def _instance(st) -> bool:
    match st:
        case S.Axiom(S.Not(S.And((S.Atom() as p, S.Atom() as q)))):
            return _d(p, q)
        case S.Axiom(S.Iff(S.Atom() as long, S.Not(S.Atom() as short))):
            return _collapse(long, short, top_negation=True)
        case S.Rule(S.Atom() as head, (S.Atom() as body,)):
            return _collapse(head, body, False) or _collapse(body, head, False)
    return False


def _d(p: S.Atom, q: S.Atom) -> bool:
    cp, cq = _code(p.pred), _code(q.pred)
    if cp is None or cq is None or cp[1] != cq[1] or len(cp[0]) != len(cq[0]) or p.args != q.args:
        return False
    if len(set(p.args)) != len(p.args) or not all(isinstance(a, S.Var) for a in p.args):
        return False
    differ = [k for k, (a, b) in enumerate(zip(cp[0], cq[0])) if a != b]
    return len(differ) == 1 and not any(cp[0][:differ[0]])      # every level above believes its content


def _collapse(long: S.Atom, short: S.Atom, top_negation: bool) -> bool:
    """short is long with level k removed, where levels k and k+1 name the same agent."""
    cl, cs = _code(long.pred), _code(short.pred)
    if cl is None or cs is None or cl[1] != cs[1] or len(cl[0]) != len(cs[0]) + 1:
        return False
    if not all(isinstance(a, S.Var) for a in long.args):
        return False
    negs, n = cl[0], len(cl[0])
    for k in range(n - 1):
        if long.args[k] != long.args[k + 1]:
            continue
        args = long.args[:k + 1] + long.args[k + 2:]
        if short.args != args or len(set(args)) != len(args):
            continue
        rest = list(negs[:k] + negs[k + 1:])
        if not negs[k]:                              # 4: B_a B_a F == B_a F
            if not top_negation and tuple(rest) == cs[0]:
                return True
        elif k == 0:                                 # 5 at the top: an equivalence with a negation
            if top_negation and tuple(rest) == cs[0]:
                return True
        elif not top_negation:                       # 5 inside: the outer level's polarity flips
            rest[k - 1] = not rest[k - 1]
            if tuple(rest) == cs[0]:
                return True
    return False
