"""The kernel's check of the values of probabilities and effects (engine/causal/quantities.py
is the search it trusts nothing of).

  project    the latent projection of the model's graph onto `observed`, recomputed
             (mgraph.project) and compared edge for edge
  factorise  P(observed) = prod P(v | B_v) in `order`: each independence claim is checked by
             m-separation in the projected graph (mgraph.factorisation_holds); the factor
             tables are read by the kernel from the stated probabilities (a row no statement
             gives becomes symbols: exact polynomials, engine/kernel/poly.py)
  compute    one probability or effect of the query, recomputed: by enumeration of the
             background (mechanisms), or from the factors (observation; `do` by the back-door
             adjustment or the front-door formula, whose criterion the kernel checks; ETT, NDE,
             NIE by the edge g-formula in a graph without confounding). The result must be a
             constant rational function equal to the claimed value: the given numbers
             determine it whatever the open rows are.
  graph      BACKDOOR(x, y, {z}) decided by the kernel's own criterion on the full graph
"""
from __future__ import annotations

import itertools
from fractions import Fraction

from ..language import syntax as S
from . import discrete, elimination, mgraph
from .poly import Poly, Ratio, symbol
from .sign import sign
from .terms import Rejected

_QUANTITIES = (S.Prob, S.Effect, S.Backdoor)
MAX_OPEN = 16        # symbols the kernel's polynomials carry


def leaves(node) -> list:
    return [n for n in S.nodes(node) if isinstance(n, _QUANTITIES)]


def full_graph(model) -> mgraph.Graph:
    """The model's graph as the kernel reads it: declared edges and equation parents; a model
    with neither has its stated conditionals' variables as parents."""
    directed = set(model.directed) | {(p, v) for v, (_, ps) in model.equations.items() for p in ps}
    if not directed and not model.bidirected:
        for _, st in model.facts:
            prob = st.formula.left
            if len(prob.events) == 1:
                v, _ = model.assignment(prob.events[0])
                directed |= {(model.assignment(g)[0], v) for g in prob.given}
    return mgraph.Graph(tuple(sorted(model.domains)), frozenset(directed),
                        frozenset(frozenset(e) for e in model.bidirected))


def _facts(model):
    """(event dict, given dict, value) of every stated probability."""
    out = []
    for _, st in model.facts:
        prob, value = st.formula.left, st.formula.right
        event = dict(model.assignment(e) for e in prob.events)
        given = dict(model.assignment(g) for g in prob.given)
        out.append((event, given, _number(value)))
    return out


def _number(t) -> Fraction:
    match t:
        case S.Num(v):
            return Fraction(v)
        case S.Op("-", (a,)):
            return -_number(a)
        case S.Op(op, (a, b)):
            x, y = _number(a), _number(b)
            if op == "/":
                if y == 0:
                    raise Rejected("division by zero in a stated probability")
                return x / y
            return x + y if op == "+" else x - y if op == "-" else x * y
    raise Rejected("a stated probability is not a number")


def _key(v) -> str:
    return repr(v)


# ---------------------------------------------------------------- steps
def check_step(step, model, view, query, state) -> None:
    data = step.data or {}
    match step.by:
        case "project":
            observed = tuple(data.get("observed", ()))
            g = mgraph.project(full_graph(model), observed)
            directed = {tuple(e) for e in data.get("directed", [])}
            bidirected = {frozenset(e) for e in data.get("bidirected", [])}
            if set(g.directed) != directed or {frozenset(e) for e in g.bidirected} != bidirected:
                raise Rejected(f"step {step.id}: the projected graph is not the latent projection")
            state["projected"], state["observed"] = g, observed
        case "factorise":
            g = state.get("projected")
            if g is None:
                raise Rejected(f"step {step.id}: a factorisation before the projection")
            order = tuple(data.get("order", ()))
            pairs = [(v, tuple(b)) for v, b in data.get("factors", [])]
            if set(order) != set(state["observed"]) or not mgraph.factorisation_holds(g, order, pairs):
                raise Rejected(f"step {step.id}: the factorisation does not follow from the graph")
            state["factors"] = _tables(model, pairs)
        case "compute":
            k = data.get("leaf")
            items = leaves(query.formula)
            if not isinstance(k, int) or not 0 <= k < len(items) or isinstance(items[k], S.Backdoor):
                raise Rejected(f"step {step.id}: no such probability or effect in the query")
            value = Ratio.coerce(_compute(items[k], model, state, data))
            if data.get("value") is not None:
                claimed = Fraction(data["value"])
                if value.value() != claimed:
                    raise Rejected(f"step {step.id}: the value is not {claimed} "
                                   + ("for every value of the probabilities the statements leave open"
                                      if value.value() is None else f"but {value.value()}"))
            state.setdefault("values", {})[k] = value
        case "graph":
            k = data.get("leaf")
            items = leaves(query.formula)
            if not isinstance(k, int) or not 0 <= k < len(items) or not isinstance(items[k], S.Backdoor):
                raise Rejected(f"step {step.id}: no such BACKDOOR in the query")
            leaf = items[k]
            g = full_graph(model)
            ok = leaf.x != leaf.y and not {leaf.x, leaf.y} & set(leaf.z) and \
                mgraph.is_backdoor(g, {leaf.x}, {leaf.y}, set(leaf.z))
            if ok != data.get("value"):
                raise Rejected(f"step {step.id}: the back-door criterion gives {ok}")
            state.setdefault("values", {})[k] = ok


def decide(query, state) -> tuple:
    """(verdict, value) of the query from the leaf values the kernel computed (Ratios over the
    open rows, or truth values). A comparison is decided only when it holds, or fails, for every
    value of the open rows strictly between 0 and 1 (engine/kernel/sign.py); `value` is the left
    side's when it is a constant, else None."""
    items = leaves(query.formula)
    values = state.get("values", {})
    if set(values) != set(range(len(items))):
        raise Rejected("not every probability or effect of the query was computed")

    def term(t) -> Ratio:
        for k, leaf in enumerate(items):
            if leaf is t:
                if isinstance(values[k], bool):
                    raise Rejected("a BACKDOOR verdict used as a number")
                return values[k]
        match t:
            case S.Num(v):
                return Ratio(Fraction(v))
            case S.Op("-", (a,)):
                return -term(a)
            case S.Op(op, (a, b)):
                x, y = term(a), term(b)
                if op == "/":
                    if y.num.is_zero():
                        return Ratio(0)
                    if not y.num.is_constant() and sign(y.num) is None:
                        raise Rejected("a division by a quantity that may be zero")
                    return x / y
                return x + y if op == "+" else x - y if op == "-" else x * y
        raise Rejected("not a causal quantity")

    def formula(f) -> bool:
        for k, leaf in enumerate(items):
            if leaf is f:
                if not isinstance(values[k], bool):
                    raise Rejected("a number used as a formula")
                return values[k]
        match f:
            case S.Cmp(op, a, b):
                return _compare(term(a) - term(b), op)
            case S.Not(b):
                return not formula(b)
            case S.And(xs):
                return all([formula(x) for x in xs])
            case S.Or(xs):
                return any([formula(x) for x in xs])
            case S.Implies(a, b):
                return (not formula(a)) or formula(b)
            case S.Iff(a, b):
                return formula(a) == formula(b)
        raise Rejected("not a causal comparison")
    f = query.formula
    if isinstance(f, S.TERMS):
        value = term(f).value()
        if value is None:
            raise Rejected("the value depends on probabilities the statements leave open")
        return "true", value
    value = term(f.left).value() if isinstance(f, S.Cmp) else None
    return ("true" if formula(f) else "false"), value


def _compare(diff: Ratio, op: str) -> bool:
    """Whether `diff op 0` holds for every value of the open rows (Rejected when it holds for
    some and not others, or the test cannot tell)."""
    d = sign(diff.den)
    if not d:
        raise Rejected("the sign of a denominator is not fixed by the statements")
    n = 0 if diff.num.is_zero() else sign(diff.num)
    if n is None:
        raise Rejected("the comparison depends on probabilities the statements leave open")
    s = n * d
    return {"=": s == 0, "!=": s != 0, "<": s < 0, "<=": s <= 0, ">": s > 0, ">=": s >= 0}[op]


# ---------------------------------------------------------------- factor tables
def _tables(model, pairs) -> dict:
    facts = _facts(model)
    marginals = {}
    for event, given, p in facts:
        if len(event) == 1 and not given:
            (v, x), = event.items()
            marginals[(v, _key(x))] = p
    factors = {}
    for v, b in pairs:
        dom = model.domains[v]
        table = {}
        for vals in itertools.product(*(model.domains[u] for u in b)):
            cond = dict(zip(b, vals))
            row = {}
            if v in model.equations and set(model.equations[v][1]) == set(b):
                from .cmodel import _normal, _value
                x = _normal(dom, _value(model.equations[v][0], cond))
                row = {_key(d): Fraction(1 if d == x and type(d) is type(x) else 0) for d in dom}
            for event, given, p in facts:
                if len(event) == 1 and v in event and given == cond:
                    row[_key(event[v])] = p
                elif len(event) == 2 and v in event and not given and len(b) == 1:
                    (other, ov), = [(k, x) for k, x in event.items() if k != v]
                    if other == b[0] and ov == vals[0] and type(ov) is type(vals[0]):
                        m = marginals.get((other, _key(ov)))
                        if m is None and model.domains[other] == (False, True):
                            q = marginals.get((other, _key(not ov)))
                            m = None if q is None else 1 - q
                        if m:
                            row.setdefault(_key(event[v]), p / m)
            table[vals] = _row(v, vals, dom, row)
        factors[v] = (tuple(b), table)
    opened = {sym for _, t in factors.values() for row in t.values() for p in row.values()
              if isinstance(p, Poly) for sym in p.symbols()}
    if len(opened) > MAX_OPEN:
        raise Rejected(f"{len(opened)} probabilities the statements leave open: more than the {MAX_OPEN} checked")
    return factors


def _row(v, vals, dom, row) -> dict:
    missing = [d for d in dom if _key(d) not in row]
    total = sum(row.values(), Fraction(0))
    if not missing:
        if total != 1:
            raise Rejected(f"the stated probabilities of {v} given {vals} do not sum to 1")
        return {d: row[_key(d)] for d in dom}
    if len(missing) == 1:
        out = {d: row[_key(d)] for d in dom if _key(d) in row}
        out[missing[0]] = Fraction(1) - total
        return {d: out[d] for d in dom}
    if row:       # some values stated, several missing: the missing share the rest symbolically
        pass
    names = [symbol(f"p[{v}={d!r}|{vals!r}]") for d in missing[:-1]]
    out = {d: Poly(row[_key(d)]) for d in dom if _key(d) in row}
    for d, s in zip(missing, names):
        out[d] = s
    out[missing[-1]] = Poly(1 - total) - sum(names, Poly(0))
    return {d: out[d] for d in dom}


# ---------------------------------------------------------------- recomputing one quantity
def _events(model, leaf):
    event = dict(model.assignment(e) for e in leaf.events)
    given = dict(model.assignment(g) for g in leaf.given if not isinstance(g, S.Do))
    do = model.do([g for g in leaf.given if isinstance(g, S.Do)])
    under = model.do([leaf.under]) if leaf.under is not None else None
    return event, given, do, under


def _mediators(model, leaf):
    x, y, *ms = leaf.names
    if ms:
        return tuple(ms)
    g = full_graph(model)
    down, up = mgraph.descendants(g, {x}), mgraph.ancestors(g, {y})
    return tuple(v for v in sorted(model.domains) if v in down and v in up and v not in (x, y))


def _compute(leaf, model, state, data) -> Fraction:
    if data.get("mode") == "enumerate":
        return _enumerate(leaf, model, data)
    factors, g = state.get("factors"), state.get("projected")
    if factors is None:
        raise Rejected("a value from factors before the factorisation")
    domains = {v: model.domains[v] for v in factors}

    def joint_fn(assignment):
        return discrete.probability(domains, factors, assignment)
    method = data.get("method")
    numbers = all(not isinstance(p, Poly) for _, t in factors.values() for row in t.values() for p in row.values())
    if method == "truncated":
        if not numbers or g.bidirected or any(set(b) != set(g.parents(v)) for v, (b, _) in factors.items()):
            raise Rejected("the truncated factorisation needs every row stated, no confounding and each "
                           "factor given its parents")
        if isinstance(leaf, S.Effect):
            if leaf.kind != "ATE":
                raise Rejected(f"{leaf.kind} by the truncated factorisation")
            x, y = leaf.names[0], leaf.names[1]
            return elimination.probability(domains, factors, {y: True}, None, {x: True}) - \
                elimination.probability(domains, factors, {y: True}, None, {x: False})
        event, given, do, under = _events(model, leaf)
        if under is not None:
            raise Rejected("a counterfactual probability from stated conditionals")
        return elimination.probability(domains, factors, event, given, do)
    if isinstance(leaf, S.Effect):
        x, y = leaf.names[0], leaf.names[1]
        if leaf.kind == "ATE":
            z = tuple(data.get("set", ()))
            one = _do_value(joint_fn, g, domains, {y: True}, {x: True}, method, z)
            zero = _do_value(joint_fn, g, domains, {y: True}, {x: False}, method, z)
            return Ratio.coerce(one) - Ratio.coerce(zero)
        if leaf.kind == "ETT":
            return _ett(joint_fn, g, domains, x, y, tuple(data.get("set", ())), method)
        ms = _mediators(model, leaf)
        if method == "through":
            if list(ms) != list(data.get("mediators", [])) or not _through(full_graph(model), x, y, ms):
                raise Rejected(f"{leaf.kind}: a directed path from {x} to {y} avoids the mediators")
            if leaf.kind == "NDE":
                return Ratio(0)
            sub = data.get("ate") or {}
            return _compute(S.Effect("ATE", (x, y)), model, state, sub)
        if method != "markov" or g.bidirected:
            raise Rejected(f"{leaf.kind} is checked only without unobserved confounding")
        for v, (b, _) in factors.items():
            if set(b) != set(g.parents(v)):
                raise Rejected(f"{leaf.kind}: the factor of {v} is not given its parents")
        if list(ms) != list(data.get("mediators", [])):
            raise Rejected(f"{leaf.kind}: the mediators are not the query's")
        numeric = {v: (b, {k: {(1 if d is True else 0 if d is False else d): p for d, p in row.items()}
                              for k, row in t.items()}) for v, (b, t) in factors.items()}
        doms = {v: tuple(1 if d is True else 0 if d is False else d for d in dom) for v, dom in domains.items()}
        numeric = {v: (b, {tuple(1 if d is True else 0 if d is False else d for d in k): row for k, row in t.items()})
                   for v, (b, t) in numeric.items()}
        if leaf.kind == "ETT":
            return discrete.ett(doms, numeric, x, y, 0, 1)
        fn = discrete.nde if leaf.kind == "NDE" else discrete.nie
        return fn(doms, numeric, x, ms, y, 0, 1)
    event, given, do, under = _events(model, leaf)
    if under is not None:
        raise Rejected("a counterfactual probability from stated conditionals")
    if not do:
        if method != "observe":
            raise Rejected("an observational probability computed by another method")
        if numbers:
            return elimination.probability(domains, factors, event, given)
        return discrete.probability(domains, factors, event, given)
    if given:       # sum_w P(y | x, z, w) P(w | z), Z | W a back-door set (Pearl 2009, theorem 3.3.2)
        w = tuple(data.get("set", ()))
        if method != "backdoor" or not mgraph.is_backdoor(g, set(do), set(event), set(given) | set(w)):
            raise Rejected("the evidence and the adjustment set are not a back-door set")

        def cond(ev, gv):
            return Ratio.coerce(joint_fn({**ev, **gv})) / Ratio.coerce(joint_fn(gv))
        total = Ratio(0)
        for vals in itertools.product(*(domains[u] for u in w)):
            ww = dict(zip(w, vals))
            pw = cond(ww, given) if ww else Ratio(1)
            if not pw.num.is_zero():
                total = total + cond(event, {**do, **given, **ww}) * pw
        return total
    return _do_value(joint_fn, g, domains, event, do, method, tuple(data.get("set", ())))


def _through(g, x, y, ms) -> bool:
    """y is not reached from x by a directed path that avoids the mediators."""
    blocked = set(ms)
    seen, stack = {x}, [x]
    while stack:
        n = stack.pop()
        for c in g.children(n):
            if c == y:
                return False
            if c not in seen and c not in blocked:
                seen.add(c)
                stack.append(c)
    return True


def _ett(joint_fn, g, domains, x, y, z, method):
    """E[Y_1 - Y_0 | X = 1] = P(y | x) - E[Y_0 | X = 1], the counterfactual identified by a
    back-door set z (sum_z P(y | not x, z) P(z | x)) or a front-door set (Shpitser and Pearl 2009)."""
    def cond(event, given):
        return Ratio.coerce(joint_fn({**event, **given})) / Ratio.coerce(joint_fn(given))
    if method == "nondescendant":
        if y in mgraph.descendants(g, {x}):
            raise Rejected(f"{y} is an effect of {x}")
        return Ratio(0)
    total = cond({y: True}, {x: True})
    if method == "frontdoor":       # E[Y_0 | X = 1] = sum_m P(m | not x) P(y | x, m) (Shpitser and Pearl 2009)
        if not mgraph.is_frontdoor(g, x, y, set(z)):
            raise Rejected(f"{set(z)} does not satisfy the front-door criterion")
        for vals in itertools.product(*(domains[u] for u in z)):
            mm = dict(zip(z, vals))
            pm = cond(mm, {x: False})
            if not pm.num.is_zero():
                total = total - pm * cond({y: True}, {x: True, **mm})
        return total
    if method != "backdoor" or not mgraph.is_backdoor(g, {x}, {y}, set(z)):
        raise Rejected(f"{set(z)} is not a back-door set for the effect on the treated")
    for vals in itertools.product(*(domains[u] for u in z)):
        zz = dict(zip(z, vals))
        if not zz:
            total = total - cond({y: True}, {x: False})
            continue
        pz = cond(zz, {x: True})
        if pz.num.is_zero():
            continue
        total = total - cond({y: True}, {x: False, **zz}) * pz
    return total


def _do_value(joint_fn, g, domains, event, do, method, z):
    if method == "id":          # the kernel's own ID algorithm, on the observed joint
        from .identify import interventional
        return interventional(g, domains, joint_fn, event, do)
    if method == "nondescendant":       # do-calculus rule 3: no directed path from the intervention
        if set(event) & mgraph.descendants(g, set(do)):
            raise Rejected("the outcome is an effect of the intervention")
        return joint_fn(event)
    if method == "backdoor":
        if not mgraph.is_backdoor(g, set(do), set(event), set(z)):
            raise Rejected(f"{set(z)} is not a back-door set")
        return discrete.adjustment(joint_fn, do, event, z, domains)
    if method == "frontdoor":
        if len(do) != 1 or len(event) != 1 or not mgraph.is_frontdoor(g, next(iter(do)), next(iter(event)), set(z)):
            raise Rejected(f"{set(z)} does not satisfy the front-door criterion")
        return discrete.frontdoor_formula(joint_fn, do, event, z, domains)
    raise Rejected(f"unknown identification method {method!r}")


# ---------------------------------------------------------------- mechanisms: enumeration
def _enumerate(leaf, model, data) -> Fraction:
    facts = _facts(model)
    priors = {}
    for event, given, p in facts:
        if given or len(event) != 1:
            raise Rejected("the enumeration reading needs priors of the background only")
        (v, x), = event.items()
        priors.setdefault(v, {})[_key(x)] = p
    if set(priors) != set(model.background) or model.bidirected:
        raise Rejected("the enumeration reading needs a prior for every background variable and no confounding")
    g = full_graph(model)
    if any(g.parents(v) for v in model.background):
        raise Rejected("the enumeration reading needs background variables without causes in the graph")
    rows = {v: _row(v, (), model.domains[v], r) for v, r in priors.items()}
    if any(isinstance(p, Poly) for r in rows.values() for p in r.values()):
        raise Rejected("a prior leaves a value open")
    settings = []
    for values in itertools.product(*(model.domains[v] for v in model.background)):
        u = dict(zip(model.background, values))
        w = Fraction(1)
        for v, x in u.items():
            w *= rows[v][x]
        if w:
            settings.append((u, w))

    def expect(value, condition=None):
        num = den = Fraction(0)
        for u, w in settings:
            if condition is None or condition(u):
                den += w
                num += w * Fraction(value(u))
        if den == 0:
            raise Rejected("the condition has probability zero")
        return num / den
    solve = model.solve
    if isinstance(leaf, S.Effect):
        x, y = leaf.names[0], leaf.names[1]
        ms = _mediators(model, leaf)

        def yv(world):
            if isinstance(world[y], str):
                raise Rejected("a non-numeric outcome")
            return Fraction(world[y])
        if leaf.kind == "ATE":
            return expect(lambda u: yv(solve(u, {x: True})) - yv(solve(u, {x: False})))
        if leaf.kind == "ETT":
            return expect(lambda u: yv(solve(u, {x: True})) - yv(solve(u, {x: False})),
                          lambda u: solve(u, {})[x] is True)
        a, b = (True, False) if leaf.kind == "NDE" else (False, True)

        def nested(u):
            mw = solve(u, {x: b})
            return yv(solve(u, {x: a, **{m: mw[m] for m in ms}})) - yv(solve(u, {x: False}))
        return expect(nested)
    event, given, do, under = _events(model, leaf)

    def holds(world, a):
        return all(world[k] == v and type(world[k]) is type(v) for k, v in a.items())
    return expect(lambda u: holds(solve(u, under if under is not None else do), event),
                  lambda u: holds(solve(u, do), given))
