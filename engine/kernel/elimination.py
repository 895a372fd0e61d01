"""Exact probabilities in a causal Bayesian network by variable elimination: the kernel's own,
for models whose every table entry is a number (engine/kernel/discrete.py enumerates, which
also handles symbolic entries but costs the product of all domains).

`probability(domains, factors, event, given=None, do=None)`: P(event | given) in the submodel
do(...) (truncated factorisation: an intervened variable's factor dropped, its value fixed).
Only the factors of the ancestors of the event, the condition and the intervention matter
(the others sum to one: each row of a table sums to one, which is checked); the remaining
variables are summed out one at a time, the one whose elimination makes the smallest factor
first. Fractions throughout; a zero-probability condition is Rejected.
"""
from __future__ import annotations

import itertools
from fractions import Fraction

from .terms import Rejected


def _check(domains, factors):
    for v, (parents, table) in factors.items():
        for vals in itertools.product(*(domains[p] for p in parents)):
            row = table.get(vals)
            if row is None or set(row) != set(domains[v]):
                raise Rejected(f"the table of {v!r} lacks a row or a value")
            if any(not isinstance(p, (int, Fraction)) or isinstance(p, bool) or p < 0 for p in row.values()):
                raise Rejected(f"the table of {v!r} has an entry that is not a probability")
            if sum(row.values()) != 1:
                raise Rejected(f"a row of the table of {v!r} does not sum to 1")


def _ancestors(factors, nodes) -> set:
    seen, stack = set(), list(nodes)
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        stack.extend(factors[v][0])
    return seen


def _mass(domains, factors, fixed: dict, do: dict) -> Fraction:
    keep = _ancestors(factors, set(fixed) | set(do))
    tables = []
    for v in keep:
        if v in do:
            continue
        parents, table = factors[v]
        scope = tuple(u for u in (v, *parents) if u not in fixed and u not in do)
        out = {}
        for vals in itertools.product(*(domains[u] for u in scope)):
            a = {**fixed, **do, **dict(zip(scope, vals))}
            out[vals] = table[tuple(a[p] for p in parents)][a[v]]
        tables.append((scope, out))
    free = {u for scope, _ in tables for u in scope}
    while free:
        def cost(u):
            joined = set()
            for scope, _ in tables:
                if u in scope:
                    joined |= set(scope)
            return len(joined)
        u = min(sorted(free), key=cost)
        free.discard(u)
        touched = [t for t in tables if u in t[0]]
        tables = [t for t in tables if u not in t[0]]
        scope = tuple(sorted({w for s, _ in touched for w in s} - {u}))
        out = {}
        for vals in itertools.product(*(domains[w] for w in scope)):
            a = dict(zip(scope, vals))
            total = Fraction(0)
            for x in domains[u]:
                a[u] = x
                p = Fraction(1)
                for s, t in touched:
                    p *= t[tuple(a[w] for w in s)]
                    if not p:
                        break
                total += p
            out[vals] = total
        tables.append((scope, out))
    result = Fraction(1)
    for _, t in tables:
        result *= t[()]
    return result


def probability(domains, factors, event, given=None, do=None) -> Fraction:
    given, do, event = dict(given or {}), dict(do or {}), dict(event)
    _check(domains, factors)
    for v, x in {**event, **given, **do}.items():
        if v not in domains or x not in domains[v]:
            raise Rejected(f"{v} = {x!r} is not a value of a variable of the model")
    for part in (event, given):
        for v, x in part.items():
            if v in do and do[v] != x:
                return Fraction(0) if part is event else _zero()
    both = {**given}
    for v, x in event.items():
        if v in both and both[v] != x:
            return Fraction(0)
        both[v] = x
    den = _mass(domains, factors, {k: v for k, v in given.items() if k not in do}, do)
    if den == 0:
        _zero()
    return _mass(domains, factors, {k: v for k, v in both.items() if k not in do}, do) / den


def _zero():
    raise Rejected("the condition has probability zero")
