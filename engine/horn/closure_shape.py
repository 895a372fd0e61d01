"""Recognise a binary predicate whose rules only close a base relation under composition.

`engine/horn/reach.py` answers a ground query `p(a, b)` by a graph search instead of magic sets
when every rule with head p has one of these shapes (X, Y, Z distinct variables, `e`, `a`, `b`
predicates with no rules of their own: base relations, read from the facts):

    exit         p(X, Y) :- e(X, Y).          (or e(Y, X))
    right step   p(X, Z) :- a(X, Y), p(Y, Z).  (the step atom in either order, either orientation)
    left step    p(X, Z) :- p(X, Y), b(Y, Z).
    transitive   p(X, Z) :- p(X, Y), p(Y, Z).  (body atoms in either order)

With B = p's stated facts and the exit relations, A the union of the right steps and L the union
of the left steps, the least model of p is

    A* . B . L*     (no transitive rule)            B+      (a transitive rule and no step rule)

(each is closed under every rule and is contained in the least model, by induction on a walk).
A rule of any other shape -- negation, a comparison, a third body atom, a constant, a repeated
variable, a step predicate that has rules -- gives None, and the caller keeps magic sets.
"""
from __future__ import annotations

from typing import NamedTuple

from ..language.syntax import Var


class Edge(NamedTuple):
    """One rule read as a labelled edge relation: `pred`'s tuples, read forwards (`flip` False:
    `pred(u, v)` is the edge u -> v) or backwards; `rule` the HornRule it stands for."""

    pred: str
    flip: bool
    rule: object


class Shape(NamedTuple):
    """The rules of p sorted by role (lists of Edge), and p's transitive rule, if any."""

    exits: list
    rights: list
    lefts: list
    transitive: object


def closure_shape(rules, pred: str) -> Shape | None:
    """p's rules by role, or None where some rule of p is of another shape (see the module)."""
    heads = {r.head[0] for r in rules}
    exits, rights, lefts, transitive = [], [], [], None
    for r in rules:
        if r.head[0] != pred:
            continue
        role = _role(r, pred, heads)
        if role is None:
            return None
        kind, edge = role
        if kind == "exit":
            exits.append(edge)
        elif kind == "right":
            rights.append(edge)
        elif kind == "left":
            lefts.append(edge)
        elif transitive is None:
            transitive = r
    if transitive is not None and (rights or lefts):
        return None                  # (A* B L*)+ : not searched here
    return Shape(exits, rights, lefts, transitive)


def _role(r, pred: str, heads: set):
    head = r.head[1]
    if len(head) != 2 or not _distinct_vars(head):
        return None
    x, z = (a.name for a in head)
    atoms = []
    for lit in r.body:
        if lit[0] != "pos" or len(lit[2]) != 2 or not _distinct_vars(lit[2]):
            return None
        atoms.append((lit[1], tuple(a.name for a in lit[2])))
    if len(atoms) == 1:
        q, args = atoms[0]
        if q == pred or q in heads or set(args) != {x, z}:
            return None
        return "exit", Edge(q, args != (x, z), r)
    if len(atoms) != 2:
        return None
    mine = [k for k, (q, _) in enumerate(atoms) if q == pred]
    names = {n for _, args in atoms for n in args}
    if len(names) != 3 or not {x, z} < names:
        return None
    y = (names - {x, z}).pop()
    if len(mine) == 2:
        if {atoms[0][1], atoms[1][1]} == {(x, y), (y, z)}:
            return "transitive", None
        return None
    if len(mine) != 1:
        return None
    (q, args), own = atoms[1 - mine[0]], atoms[mine[0]][1]
    if q in heads:
        return None
    if own == (y, z) and set(args) == {x, y}:
        return "right", Edge(q, args != (x, y), r)
    if own == (x, y) and set(args) == {y, z}:
        return "left", Edge(q, args != (y, z), r)
    return None


def _distinct_vars(args) -> bool:
    return all(isinstance(a, Var) and a.name != "_" for a in args) and len({a.name for a in args}) == len(args)
