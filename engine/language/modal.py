"""Belief contexts: `believes(Agent, Formula)`, read into ordinary atoms, and the KD45 axioms.

The logic is KD45 for each agent (docs/language.md, "Beliefs"), over *literal contents*: the
formula inside `believes` is an atom, its negation, another `believes(...)` or its negation, or a
conjunction of these (belief distributes over `&`, which K licenses). The parser encodes a
nested belief literal as one atom of a reserved predicate, so that every other part of the
engine (the checker, the Horn core, z3, the kernel) sees an ordinary atom:

    believes(A1, not believes(A2, at(O, C)))   is   '@b~b/at'(A1, A2, O, C)

The code has one `b` per level, followed by `~` when what that agent believes is a negation;
the agents come first, then the inner atom's arguments. Names starting with `@` cannot be
written by hand (E076); the printer writes the atom back as the nested `believes`.

What KD45 adds to the statements, as generated statements (`kd45_statements`), each a theorem
of KD45 whatever the agents are:
- D (consistency): no agent believes a content and its negation, at any level of nesting:
  `not (believes(A, F) & believes(A, not F))`, and the same inside other agents' beliefs
  (inside beliefs only: `believes(C, not believes(A, F))` and `believes(C, not believes(A, not F))`
  are consistent, C thinks A undecided).
- 4 and 5 (introspection) give `believes(A, believes(A, F)) <-> believes(A, F)` and
  `believes(A, not believes(A, F)) <-> not believes(A, F)`, also inside other beliefs. When
  the two agents are the same term the parser applies them at once; for variables the
  generated rules and axioms say it. The kernel re-checks every generated statement as an
  instance of these schemas (engine/kernel/modal.py).
T (belief is truth) is *not* an axiom: beliefs may be false; that is the point.
"""
from __future__ import annotations

from ..errors import Span
from . import syntax as S

PREFIX = "@"
KD45_FILE = "<KD45>"       # the source file of the generated statements


class ModalError(ValueError):
    """A `believes(...)` whose content is outside the fragment; `node` is where."""

    def __init__(self, message: str, node, hint: str | None = None):
        super().__init__(message)
        self.node, self.hint = node, hint


def is_modal(pred: str) -> bool:
    return pred.startswith(PREFIX)


def encode(negs: tuple, inner: str) -> str:
    """The predicate name of a belief literal: one `b` per level, `~` after a negated content."""
    return PREFIX + "".join("b~" if n else "b" for n in negs) + "/" + inner


decode = S.decode_belief


def believes(agent, content, span=None):
    """The formula `believes(agent, content)` in the encoded form (a conjunction is distributed)."""
    match content:
        case S.And(items):
            return S.And(tuple(believes(agent, x, span) for x in items), span)
        case S.Not(S.Not(inner)):
            return believes(agent, inner, span)
        case S.Not(S.Atom() as atom):
            return _level(agent, True, atom, span)
        case S.Atom() as atom:
            return _level(agent, False, atom, span)
    raise ModalError("inside believes(...) the formula must be an atom, its negation, a conjunction "
                     "of these, or another believes(...)", content,
                     "state a belief about a disjunction or a rule with a rule: "
                     "believes(A, q(X)) :- believes(A, p(X)).")


def _level(agent, neg: bool, atom: S.Atom, span):
    if is_modal(atom.pred):
        negs, inner = decode(atom.pred)
        levels = [(agent, neg)] + list(zip(atom.args[:len(negs)], negs))
        rest = atom.args[len(negs):]
    else:
        levels, inner, rest = [(agent, neg)], atom.pred, atom.args
    top_neg, levels = collapse(levels)
    out = S.Atom(encode(tuple(n for _, n in levels), inner), tuple(a for a, _ in levels) + tuple(rest), span)
    return S.Not(out, span) if top_neg else out


def collapse(levels: list) -> tuple[bool, list]:
    """Apply 4 and 5 where two adjacent levels name the same agent term:
    B_a B_a F == B_a F, and B_a not B_a F == not B_a F (the negation moves out one level).
    Returns (whether the whole literal is negated, the remaining levels)."""
    levels, top_neg = list(levels), False
    i = 0
    while i + 1 < len(levels):
        (a, neg), (b, _) = levels[i], levels[i + 1]
        if a != b or a == S.Var("_"):          # each `_` is a variable of its own
            i += 1
            continue
        del levels[i]
        if neg:
            if i == 0:
                top_neg = not top_neg
            else:
                agent, outer = levels[i - 1]
                levels[i - 1] = (agent, not outer)
        i = max(i - 1, 0)
    return top_neg, levels


def shorter(pred: str) -> list:
    """(name, removed argument position) of each belief predicate that 4 or 5 relates `pred` to
    by removing one of two adjacent levels (named by the same agent)."""
    negs, inner = decode(pred)
    out = []
    for k in range(len(negs) - 1):
        rest = list(negs[:k] + negs[k + 1:])
        if negs[k] and k > 0:
            rest[k - 1] = not rest[k - 1]
        out.append((encode(tuple(rest), inner), k + 1))
    return out


def complements(pred: str) -> list:
    """The belief predicates D relates `pred` to: the polarity of level k's content flipped,
    where every level above k believes its content (B_c..B_a X and B_c..B_a not X cannot both
    hold; with a `not` above, as in B_c not B_a X and B_c not B_a not X, both can)."""
    negs, inner = decode(pred)
    out = []
    for k in range(len(negs)):
        out.append(encode(negs[:k] + (not negs[k],) + negs[k + 1:], inner))
        if negs[k]:
            break
    return out


def related(preds: dict, closed: bool) -> dict:
    """The predicate table (name -> argument sorts) with every belief predicate that 4 and 5
    relate to one of its own, and, unless the belief predicates are closed, every one D relates
    to one of them, so that the KD45 statements can say how they are related. (Closed belief
    predicates that no statement mentions are empty, and D holds of them without saying.)"""
    out, todo = dict(preds), [p for p in preds if is_modal(p)]
    while todo:
        p = todo.pop()
        sorts = out[p]
        more = [(q, sorts[:k] + sorts[k + 1:]) for q, k in shorter(p)]
        if not closed:
            more += [(q, sorts) for q in complements(p)]
        for q, q_sorts in more:
            if q not in out:
                out[q] = q_sorts
                todo.append(q)
    return out


# ---------------------------------------------------------------- the generated KD45 statements
def kd45_statements(preds: dict) -> list:
    """The instances of D, 4 and 5 that relate the belief predicates of a signature (name ->
    arity), as statements whose source file is KD45_FILE. Only predicates that occur are
    related, so the set is finite."""
    out: list = []
    modal = {}
    for name, arity in preds.items():
        try:
            modal[name] = (*decode(name), arity)
        except ValueError:
            continue
    for name in sorted(modal):
        negs, inner, arity = modal[name]
        n, m = len(negs), arity - len(negs)
        agents = [S.Var(f"A{k + 1}") for k in range(n)]
        xs = tuple(S.Var(f"X{k + 1}") for k in range(m))
        for other in complements(name):         # D at each level
            if other in modal and name < other:
                args = tuple(agents) + xs
                out.append(S.Axiom(S.Not(S.And((S.Atom(name, args), S.Atom(other, args))))))
        for short, k in shorter(name):          # 4 / 5 where levels k-1 and k name one agent
            if short not in modal:
                continue
            long_atom = S.Atom(name, tuple(agents[:k]) + (agents[k - 1],) + tuple(agents[k + 1:]) + xs)
            short_atom = S.Atom(short, tuple(agents[:k]) + tuple(agents[k + 1:]) + xs)
            if negs[k - 1] and k == 1:          # B_a not B_a F == not B_a F
                out.append(S.Axiom(S.Iff(long_atom, S.Not(short_atom))))
            else:                               # B_a B_a F == B_a F; ... B_c B_a not B_a F == ... B_c not B_a F
                out += [S.Rule(short_atom, (long_atom,)), S.Rule(long_atom, (short_atom,))]
    return [_placed(st, i + 1) for i, st in enumerate(out)]


def _placed(st, line: int):
    span = Span(KD45_FILE, line, 1)
    if isinstance(st, S.Rule):
        return S.Rule(S.Atom(st.head.pred, st.head.args, span), st.body, span)
    return S.Axiom(st.formula, span)
