"""The kernel's own decision of a ground atom of a transitive-closure predicate (exit, right
step, left step or transitive rules over predicates without rules), by one search over the
facts: what engine/kernel/closure.py uses before its magic rewrite, which is quadratic there.
Its own code: the kernel imports nothing of the search (engine/horn/reach.py)."""
from __future__ import annotations

from ..language import syntax as S


def closure_goal(by_head: dict, facts: dict, pred: str, values: tuple):
    """{values} when the binary pred(values) is in LM, set() when it is not, by one search;
    None where pred's rules are not all of these shapes (X, Y, Z distinct variables; e, a, b
    predicates without rules, so their extensions are their facts):

        p(X, Y) :- e(X, Y).  (or e(Y, X))                    exit: the relation B, with p's facts
        p(X, Z) :- a(X, Y), p(Y, Z).  (a(Y, X); either order)   right step: A
        p(X, Z) :- p(X, Y), b(Y, Z).  (b(Z, Y); either order)   left step: L
        p(X, Z) :- p(X, Y), p(Y, Z).  (either order)            transitive (then no step rule)

    Why: A* B L* (no transitive rule) and B+ (a transitive rule) are closed under every rule of
    p and hold p's facts, so they contain LM's p; each of their pairs is derived by the rules
    along its walk, so LM's p contains them. pred(values) is in LM iff a breadth-first search
    over the relations, from values[0], reaches values[1]. (Magic sets here build the closure
    of every node the query reaches: 37 s for the non-linear form at 20,000 nodes.)"""
    if len(values) != 2:
        return None
    roles: dict = {"exit": [], "right": [], "left": [], "transitive": []}
    for r in by_head.get(pred, ()):
        role = _closure_role(r, pred, by_head)
        if role is None:
            return None
        roles[role[0]].append(role[1])
    if roles["transitive"] and (roles["right"] or roles["left"]):
        return None
    succ = lambda edges: _successors([(q, flip) for q, flip in edges], facts)
    base = succ(roles["exit"] + [(pred, False)])
    source, goal = values
    if roles["transitive"]:
        seen, todo = set(), [source]
        while todo:
            for v in base.get(todo.pop(), ()):
                if v == goal:
                    return {values}
                if v not in seen:
                    seen.add(v)
                    todo.append(v)
        return set()
    moves = {0: ((0, succ(roles["right"])), (1, base)), 1: ((1, succ(roles["left"])),)}
    seen, todo = {(0, source)}, [(0, source)]
    while todo:
        phase, u = todo.pop()
        for to, adjacency in moves[phase]:
            for v in adjacency.get(u, ()):
                if to == 1 and v == goal:
                    return {values}
                if (to, v) not in seen:
                    seen.add((to, v))
                    todo.append((to, v))
    return set()


def _successors(edges: list, facts: dict) -> dict:
    """node -> successors over the relations (pred, read backwards) given by their facts."""
    out: dict = {}
    for q, flip in edges:
        for t in facts.get(q, ()):
            u, v = (t[1], t[0]) if flip else (t[0], t[1])
            out.setdefault(u, []).append(v)
    return out


def _closure_role(rule, pred: str, by_head: dict):
    """(role, (step predicate, read backwards) or None) of one rule of pred; None when it has
    none of the shapes of `closure_goal`."""
    def names(atom):
        args = atom.args
        ok = len(args) == 2 and all(isinstance(a, S.Var) and a.name != "_" for a in args) \
            and args[0].name != args[1].name
        return (args[0].name, args[1].name) if ok else None
    head = names(rule.head)
    body = list(rule.body)
    if head is None or not all(isinstance(b, S.Atom) for b in body):
        return None
    atoms = [(b.pred, names(b)) for b in body]
    if any(n is None for _, n in atoms):
        return None
    x, z = head
    if len(atoms) == 1:
        q, (u, v) = atoms[0]
        if q == pred or q in by_head or {u, v} != {x, z}:
            return None
        return "exit", (q, (u, v) != (x, z))
    if len(atoms) != 2 or len({n for _, ns in atoms for n in ns} | {x, z}) != 3:
        return None
    y = ({n for _, ns in atoms for n in ns} - {x, z}).pop()
    mine = [ns for q, ns in atoms if q == pred]
    if len(mine) == 2:
        return ("transitive", None) if {mine[0], mine[1]} == {(x, y), (y, z)} else None
    if len(mine) != 1:
        return None
    q, ns = next((q, ns) for q, ns in atoms if q != pred)
    if q in by_head:
        return None
    if mine[0] == (y, z) and set(ns) == {x, y}:
        return "right", (q, ns != (x, y))
    if mine[0] == (x, y) and set(ns) == {y, z}:
        return "left", (q, ns != (y, z))
    return None
