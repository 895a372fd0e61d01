"""Exact enumeration over finite causal models given as plain data, for the kernel.

Written independently of engine/causal/scm.py and bayesnet.py (which the kernel may not import).

Factor models (causal Bayesian networks, Markovian: every variable observed)
------------------------------------------------------------------------------
  domains: {var: tuple of values}
  factors: {var: (parents tuple, table)}, table: {tuple of parent values (in `parents`' order):
           {value: probability}}, a probability being an int, a Fraction or a `Poly` (symbolic
           parameters). Every variable of `domains` has one factor and vice versa; the parent
           graph must be acyclic; each table has exactly one row per parent configuration, each
           row exactly one entry per value of the domain, the entries of a row sum to 1 as
           polynomials, and no constant entry is negative (symbolic entries are taken as given).

  `probability(domains, factors, event, given=None, do=None) -> Ratio`: P(event | given) in the
    submodel do(...), by the truncated factorisation (Pearl, *Causality* 2009, eq. 3.10): the
    factor of each intervened variable is dropped and its value fixed; the numerator and
    denominator are sums of the remaining factors' products over the assignments consistent
    with event + given + do and given + do (no `given`: the denominator is 1, the product of
    rows that sum to 1). A given that contradicts the do, or whose probability is the zero
    polynomial, raises Rejected (zero denominator).
  `joint(domains, factors, variables, do=None) -> {value tuple: Poly}`: the marginal
    distribution of `variables` (every tuple of their domains present, possibly 0).

  Effects of a treatment X (values x0, control, and x1, treated) on a numeric outcome Y, all by
  one "edge g-formula": G(reads, w) = sum over assignments v of V \\ {X} of
      y(v) * [P(X = w | pa_X(v)) if w is given, else 1] * prod_{V != X} P(v_V | pa_V(v)),
  where in each factor of a child C of X the parent X takes the value reads[C]:
    ate = G(all x1) - G(all x0)                          (E[Y_{x1}] - E[Y_{x0}])
    ett = (G(all x1, w=x1) - G(all x0, w=x1)) / P(X = x1)  (E[Y_{x1} - Y_{x0} | X = x1]: the
          back-door formula with the parents of X, multiplied out so that it needs no
          positivity beyond P(X = x1) != 0)
    nde = G(r_nde) - G(all x0), E[Y_{x1, M_{x0}}] - E[Y_{x0}]: a child C of X reads x0 if C is in
          M or every directed path from C to Y passes through M (C cannot reach Y in the graph
          without M), else x1;
    nie = G(r_nie) - G(all x0), E[Y_{x0, M_{x1}}] - E[Y_{x0}]: the same rule, x0 and x1 swapped.
  The natural effects are identified this way only without a recanting witness (Avin,
  Shpitser & Pearl 2005): a node W outside M and other than X, reached from X by a directed
  path avoiding M, with a directed path to Y avoiding M and one through M. Then nde / nie
  raise Rejected. Y's values must be numbers; X, Y not in M; Y != X.

Deterministic models
--------------------
  domains: {var: tuple}; background: tuple of the variables without an equation (their values
  range over their domains); equations: {var: (parents tuple, function(values) -> value)},
  `values` mapping each parent to its value. Every variable is in exactly one of the two.
  `solve(domains, equations, background_values, do=None) -> dict`: every value, the equations
  evaluated in topological order, an intervened variable fixed at its do-value (background ones
  too); a value outside its domain, or a function raising, raises Rejected.
  `verdict(domains, background, equations, outcome, evidence=None, do=None, evidence_do=None)
   -> (str, witness_true, witness_false)`: the worlds are the background settings whose
    solution under `evidence_do` (None: the actual world) satisfies `evidence` (None: all);
    in each, the outcome is read off the solution under `do` in the same background setting
    (abduction, action, prediction). "true" if it holds in every world, "false" if in none,
    "unknown" otherwise; witness_true / witness_false: the first background setting (a dict, in
    the order of itertools.product over `background`) where it holds / fails, or None. Outcome
    and evidence are callables on the world dict (or {var: value} conjunctions). No world:
    Rejected("the evidence is impossible").

Estimand formulas, evaluated from an observed joint
---------------------------------------------------
  `joint_fn(assignment: dict) -> Ratio` (or Poly / number) gives the observed probability of a
  partial assignment.
  `adjustment(joint_fn, x, y, z, domains)`: sum_z P(y | x, z) P(z), x and y dicts var -> value,
    z a tuple of variables ranging over `domains`; a z with P(z) = 0 contributes 0; one with
    P(z) != 0 and P(x, z) = 0 violates positivity: Rejected.
  `frontdoor_formula(joint_fn, x, y, m, domains)`: sum_m P(m | x) sum_x' P(y | x', m) P(x'), x a
    one-entry dict {X: value}, x' over domains[X]; zero-probability terms as above.
"""
from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Mapping

from .poly import Poly, Ratio
from .terms import Rejected, rejecting as _rejecting

__all__ = ["probability", "joint", "ate", "ett", "nde", "nie", "solve", "verdict", "adjustment",
           "frontdoor_formula"]


# ---------------------------------------------------------------------- reading the model


def _entry(p):
    if isinstance(p, Poly):
        return p if not p.is_constant() else p.constant()
    if type(p) is int or type(p) is Fraction:
        return Fraction(p)
    raise Rejected(f"{p!r} is not an exact probability (int, Fraction or Poly)")


def _order(parents: Mapping) -> tuple:
    """A topological order of {var: parents}; Rejected on a cycle."""
    out, state = [], {}
    for root in parents:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(parents[root]))]
        while stack:
            v, pending = stack[-1]
            for p in pending:
                if state.get(p) == 1:
                    raise Rejected(f"the model has a cycle through {p!r}")
                if p not in state:
                    state[p] = 1
                    stack.append((p, iter(parents[p])))
                    break
            else:
                stack.pop()
                state[v] = 2
                out.append(v)
    return tuple(out)


def _domains(domains) -> dict:
    if not isinstance(domains, Mapping):
        raise Rejected("domains must be a mapping var -> tuple of values")
    out = {}
    for v, d in domains.items():
        d = tuple(d)
        if not d or len(set(d)) != len(d):
            raise Rejected(f"the domain of {v!r} is empty or repeats a value")
        out[v] = d
    return out


def _model(domains, factors):
    """(domains, {var: (parents, {row: {value: entry}})}, topological order), checked."""
    domains = _domains(domains)
    if not isinstance(factors, Mapping) or set(factors) != set(domains):
        raise Rejected("every variable needs exactly one factor, and every factor a domain")
    read = {}
    for v, item in factors.items():
        try:
            parents, table = item
            parents = tuple(parents)
        except (TypeError, ValueError):
            raise Rejected(f"the factor of {v!r} is not a (parents, table) pair") from None
        for p in parents:
            if p not in domains or p == v:
                raise Rejected(f"{v!r} has the bad parent {p!r}")
        if len(set(parents)) != len(parents):
            raise Rejected(f"{v!r} repeats a parent")
        rows = set(itertools.product(*(domains[p] for p in parents)))
        if not isinstance(table, Mapping) or set(table) != rows or len(table) != len(rows):
            raise Rejected(f"the table of {v!r} needs exactly one row per configuration of {parents}")
        checked = {}
        for key, row in table.items():
            if not isinstance(row, Mapping) or set(row) != set(domains[v]):
                raise Rejected(f"a row of {v!r}'s table does not list exactly its domain")
            row = {x: _entry(p) for x, p in row.items()}
            for p in row.values():
                if not isinstance(p, Poly) and p < 0:
                    raise Rejected(f"a negative probability in {v!r}'s table")
            if sum(row.values(), Fraction(0)) != 1:
                raise Rejected(f"the row {key!r} of {v!r}'s table does not sum to 1")
            checked[key] = row
        read[v] = (parents, checked)
    return domains, read, _order({v: read[v][0] for v in read})


def _assignment(domains, values, what) -> dict:
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise Rejected(f"the {what} must be a mapping var -> value")
    for v, x in values.items():
        if v not in domains:
            raise Rejected(f"the {what} names the unknown variable {v!r}")
        if x not in domains[v]:
            raise Rejected(f"the {what} gives {v!r} the value {x!r} outside its domain")
    return dict(values)


def _enumerate(domains, order, fixed: Mapping, weight):
    """(assignment, w) for every assignment of `order`'s variables agreeing with `fixed` and of
    nonzero w = prod_v weight(v, assignment so far), depth first in `order`."""
    assignment: dict = {}
    n = len(order)

    def walk(i, w):
        if i == n:
            yield dict(assignment), w
            return
        v = order[i]
        for x in ((fixed[v],) if v in fixed else domains[v]):
            assignment[v] = x
            f = weight(v, assignment)
            if f:
                yield from walk(i + 1, w * f)
        assignment.pop(v, None)

    yield from walk(0, Fraction(1))


def _poly(total) -> Poly:
    return total if isinstance(total, Poly) else Poly(total)


# ---------------------------------------------------------------------- probabilities
@_rejecting
def probability(domains, factors, event, given=None, do=None) -> Ratio:
    """P(event | given) in the submodel do(...) (see the module docstring)."""
    domains, read, order = _model(domains, factors)
    event = _assignment(domains, event, "event")
    given = _assignment(domains, given, "evidence")
    do = _assignment(domains, do, "intervention")
    if any(v in do and do[v] != x for v, x in given.items()):
        raise Rejected("the evidence contradicts the intervention: a zero denominator")

    def weight(v, a):
        if v in do:
            return 1
        parents, table = read[v]
        return table[tuple(a[p] for p in parents)][a[v]]

    num, den = Fraction(0), Fraction(0)
    for a, w in _enumerate(domains, order, {**given, **do}, weight):
        den += w
        if all(a[v] == x for v, x in event.items()):
            num += w
    return Ratio(_poly(num), _poly(den) if given else Poly(1))


@_rejecting
def joint(domains, factors, variables, do=None) -> dict:
    """{value tuple of `variables`: P(them) in the submodel do(...) as a Poly}."""
    domains, read, order = _model(domains, factors)
    variables = tuple(variables)
    if any(v not in domains for v in variables) or len(set(variables)) != len(variables):
        raise Rejected("the query names an unknown variable, or one twice")
    do = _assignment(domains, do, "intervention")

    def weight(v, a):
        if v in do:
            return 1
        parents, table = read[v]
        return table[tuple(a[p] for p in parents)][a[v]]

    out = {key: Fraction(0) for key in itertools.product(*(domains[v] for v in variables))}
    for a, w in _enumerate(domains, order, do, weight):
        key = tuple(a[v] for v in variables)
        if key in out:
            out[key] += w
    return {k: _poly(p) for k, p in out.items()}


# ---------------------------------------------------------------------- effects
def _treatment(domains, read, x, y, x0, x1):
    if x not in domains or y not in domains or x == y:
        raise Rejected("the treatment and the outcome must be two variables of the model")
    for value in (x0, x1):
        if value not in domains[x]:
            raise Rejected(f"{value!r} is not a value of the treatment {x!r}")
    for value in domains[y]:
        if type(value) is not int and type(value) is not Fraction:
            raise Rejected(f"the outcome {y!r} has the non-numeric value {value!r}")


def _g(domains, read, order, x, y, reads: Mapping, w=None) -> Poly:
    """The edge g-formula G(reads, w) of the module docstring."""
    rest = tuple(v for v in order if v != x)

    def weight(v, a):
        parents, table = read[v]
        return table[tuple(reads[v] if p == x else a[p] for p in parents)][a[v]]

    xparents, xtable = read[x]
    total = Fraction(0)
    for a, f in _enumerate(domains, rest, {}, weight):
        term = f * (a[y] if y is not None else 1)
        if w is not None:
            term = term * xtable[tuple(a[p] for p in xparents)][w]
        total += term
    return _poly(total)


def _children(read, x) -> tuple:
    return tuple(v for v in read if x in read[v][0])


@_rejecting
def ate(domains, factors, treatment, outcome, x0=0, x1=1) -> Ratio:
    """E[Y_{x1}] - E[Y_{x0}] in a Markovian factor model (exact)."""
    domains, read, order = _model(domains, factors)
    _treatment(domains, read, treatment, outcome, x0, x1)
    kids = _children(read, treatment)
    return Ratio(_g(domains, read, order, treatment, outcome, dict.fromkeys(kids, x1))
                 - _g(domains, read, order, treatment, outcome, dict.fromkeys(kids, x0)))


@_rejecting
def ett(domains, factors, treatment, outcome, x0=0, x1=1) -> Ratio:
    """E[Y_{x1} - Y_{x0} | X = x1] in a Markovian factor model (exact)."""
    domains, read, order = _model(domains, factors)
    _treatment(domains, read, treatment, outcome, x0, x1)
    kids = _children(read, treatment)
    treated = _g(domains, read, order, treatment, None, dict.fromkeys(kids, x1), x1)
    diff = (_g(domains, read, order, treatment, outcome, dict.fromkeys(kids, x1), x1)
            - _g(domains, read, order, treatment, outcome, dict.fromkeys(kids, x0), x1))
    return Ratio(diff, treated)


def _reach(start, step) -> set:
    seen, stack = set(start), list(start)
    while stack:
        for m in step(stack.pop()):
            if m not in seen:
                seen.add(m)
                stack.append(m)
    return seen


def _natural_reads(read, x, y, mediators, direct, indirect) -> dict:
    """Each child of X -> the value it reads: `indirect` (the value M is to respond to) if it is
    in M or reaches Y only through M, else `direct`. Rejected on a recanting witness."""
    ms = set(mediators)
    if x in ms or y in ms:
        raise Rejected("the treatment and the outcome cannot be mediators")
    children = {v: [c for c in read if v in read[c][0]] for v in read}
    parents = {v: read[v][0] for v in read}
    to_y_avoiding = _reach([y], lambda v: [p for p in parents[v] if p not in ms])
    an_y = _reach([y], parents.__getitem__)
    up_from_m = _reach([m for m in ms if m in an_y], parents.__getitem__)
    from_x = _reach([x], lambda v: [c for c in children[v] if c not in ms]) - {x}
    witness = sorted((w for w in from_x if w in to_y_avoiding and w in up_from_m), key=repr)
    if witness:
        raise Rejected(f"{witness[0]!r} is a recanting witness: the natural effect is not"
                       " identified by the edge g-formula")
    return {c: indirect if (c in ms or c not in to_y_avoiding) else direct for c in children[x]}


@_rejecting
def nde(domains, factors, treatment, mediators, outcome, x0=0, x1=1) -> Ratio:
    """E[Y_{x1, M_{x0}}] - E[Y_{x0}] in a Markovian factor model (exact; see the docstring)."""
    domains, read, order = _model(domains, factors)
    _treatment(domains, read, treatment, outcome, x0, x1)
    ms = (mediators,) if isinstance(mediators, str) else tuple(mediators)
    if any(m not in domains for m in ms):
        raise Rejected("a mediator is not a variable of the model")
    reads = _natural_reads(read, treatment, outcome, ms, x1, x0)
    base = dict.fromkeys(_children(read, treatment), x0)
    return Ratio(_g(domains, read, order, treatment, outcome, reads)
                 - _g(domains, read, order, treatment, outcome, base))


@_rejecting
def nie(domains, factors, treatment, mediators, outcome, x0=0, x1=1) -> Ratio:
    """E[Y_{x0, M_{x1}}] - E[Y_{x0}] in a Markovian factor model (exact; see the docstring)."""
    domains, read, order = _model(domains, factors)
    _treatment(domains, read, treatment, outcome, x0, x1)
    ms = (mediators,) if isinstance(mediators, str) else tuple(mediators)
    if any(m not in domains for m in ms):
        raise Rejected("a mediator is not a variable of the model")
    reads = _natural_reads(read, treatment, outcome, ms, x0, x1)
    base = dict.fromkeys(_children(read, treatment), x0)
    return Ratio(_g(domains, read, order, treatment, outcome, reads)
                 - _g(domains, read, order, treatment, outcome, base))


# ---------------------------------------------------------------------- deterministic models
def _equations(domains, equations, background=None):
    if not isinstance(equations, Mapping):
        raise Rejected("equations must be a mapping var -> (parents, function)")
    read = {}
    for v, item in equations.items():
        if v not in domains:
            raise Rejected(f"the equation of {v!r} has no domain")
        try:
            parents, function = item
            parents = tuple(parents)
        except (TypeError, ValueError):
            raise Rejected(f"the equation of {v!r} is not a (parents, function) pair") from None
        if not callable(function) or any(p not in domains or p == v for p in parents):
            raise Rejected(f"the equation of {v!r} has a bad parent or no function")
        read[v] = (parents, function)
    if background is not None:
        background = tuple(background)
        if set(background) & set(read) or set(background) | set(read) != set(domains) \
                or len(set(background)) != len(background):
            raise Rejected("every variable needs either an equation or a place in the background")
    order = _order({v: tuple(p for p in read[v][0] if p in read) for v in read})
    return read, order


def _solve(domains, read, order, values: dict, do: dict) -> dict:
    world = dict(values)
    world.update((v, x) for v, x in do.items())
    for v in order:
        if v in do:
            continue
        parents, function = read[v]
        try:
            value = function({p: world[p] for p in parents})
        except Exception as exc:          # a user function's failure is a malformed model
            raise Rejected(f"the equation of {v!r} failed: {exc!r}") from None
        if value not in domains[v]:
            raise Rejected(f"the equation of {v!r} gave {value!r}, outside its domain")
        world[v] = value
    return world


@_rejecting
def solve(domains, equations, background_values, do=None) -> dict:
    """Every variable's value under the background values, in the submodel do(...)."""
    domains = _domains(domains)
    background_values = _assignment(domains, background_values, "background setting")
    read, order = _equations(domains, equations)
    if set(background_values) | set(read) != set(domains) or set(background_values) & set(read):
        raise Rejected("the background setting must give exactly the variables without equation")
    return _solve(domains, read, order, background_values, _assignment(domains, do, "intervention"))


def _holds(test, world) -> bool:
    if test is None:
        return True
    if isinstance(test, Mapping):
        return all(k in world and world[k] == v for k, v in test.items())
    if not callable(test):
        raise Rejected(f"{test!r} is neither a callable nor a conjunction")
    try:
        return bool(test(world))
    except Exception as exc:
        raise Rejected(f"the event failed on a world: {exc!r}") from None


@_rejecting
def verdict(domains, background, equations, outcome, evidence=None, do=None, evidence_do=None):
    """("true" | "false" | "unknown", witness_true, witness_false) (see the module docstring)."""
    domains = _domains(domains)
    read, order = _equations(domains, equations, background)
    background = tuple(background)
    do = _assignment(domains, do, "intervention")
    evidence_do = _assignment(domains, evidence_do, "intervention")
    witness_true = witness_false = None
    any_world = False
    for values in itertools.product(*(domains[b] for b in background)):
        setting = dict(zip(background, values))
        if not _holds(evidence, _solve(domains, read, order, setting, evidence_do)):
            continue
        any_world = True
        if _holds(outcome, _solve(domains, read, order, setting, do)):
            if witness_true is None:
                witness_true = setting
        elif witness_false is None:
            witness_false = setting
    if not any_world:
        raise Rejected("the evidence is impossible")
    answer = ("unknown" if witness_true is not None and witness_false is not None
              else "true" if witness_false is None else "false")
    return answer, witness_true, witness_false


# ---------------------------------------------------------------------- estimand formulas
def _p(joint_fn, assignment) -> Ratio:
    try:
        value = joint_fn(dict(assignment))
    except Rejected:
        raise
    except Exception as exc:
        raise Rejected(f"the joint failed on {assignment!r}: {exc!r}") from None
    if isinstance(value, Poly) or isinstance(value, Ratio) or type(value) in (int, Fraction):
        return Ratio.coerce(value)
    raise Rejected(f"the joint gave {value!r}, not an exact probability")


def _merge(*parts) -> dict:
    out: dict = {}
    for part in parts:
        for v, x in part.items():
            if v in out and out[v] != x:
                return None
            out[v] = x
    return out


def _values(domains, names):
    names = tuple(names)
    for v in names:
        if v not in domains:
            raise Rejected(f"no domain for {v!r}")
    return names, itertools.product(*(tuple(domains[v]) for v in names))


def _conditional(joint_fn, head: dict, given: dict) -> Ratio:
    den = _p(joint_fn, given)
    if den.is_zero():
        raise Rejected(f"positivity fails: P({given!r}) = 0")
    both = _merge(head, given)
    return Ratio(0) if both is None else _p(joint_fn, both) / den


@_rejecting
def adjustment(joint_fn, x: Mapping, y: Mapping, z, domains) -> Ratio:
    """sum_z P(y | x, z) P(z) (see the module docstring)."""
    x, y = dict(x), dict(y)
    names, settings = _values(domains, z)
    total = Ratio(0)
    for values in settings:
        zs = dict(zip(names, values))
        pz = _p(joint_fn, zs)
        if pz.is_zero():
            continue
        given = _merge(x, zs)
        if given is None:
            continue
        total = total + _conditional(joint_fn, y, given) * pz
    return total


@_rejecting
def frontdoor_formula(joint_fn, x: Mapping, y: Mapping, m, domains) -> Ratio:
    """sum_m P(m | x) sum_x' P(y | x', m) P(x') (see the module docstring)."""
    x, y = dict(x), dict(y)
    if len(x) != 1:
        raise Rejected("the front-door formula needs one treatment variable")
    (xv, _), = x.items()
    if xv not in domains:
        raise Rejected(f"no domain for {xv!r}")
    names, settings = _values(domains, m)
    total = Ratio(0)
    for values in settings:
        ms = dict(zip(names, values))
        pm = _conditional(joint_fn, ms, x)
        if pm.is_zero():
            continue
        inner = Ratio(0)
        for alt in domains[xv]:
            px = _p(joint_fn, {xv: alt})
            if px.is_zero():
                continue
            given = _merge({xv: alt}, ms)
            if given is None:
                continue
            inner = inner + _conditional(joint_fn, y, given) * px
        total = total + pm * inner
    return total
