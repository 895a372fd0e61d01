"""The values of probabilities and effects in a causal program, with proofs.

Two readings of the program (chosen by what it states):

* **mechanisms** (`enumerate`): every background variable (one without an equation) has a
  complete prior `P(u = v) = p` and nothing else is stated in numbers. A probability is a sum
  over the background settings, weighted by the priors: observations condition, `do` replaces
  equations, `under do(...)` is a counterfactual (abduction, action, prediction); ATE, ETT,
  NDE and NIE by their definitions (Pearl 2001).
* **numbers over a graph** (`factors`): the stated probabilities are facts about the observed
  distribution of the variables they mention (plus the query's); the graph is projected onto
  those (latent projection); the stated conditionals factorise their joint (each factor's
  independence claim holds in the projected graph); a row no statement gives is an unknown
  parameter (an open row, strictly between 0 and 1). A `do` is the truncated factorisation in
  a complete network (every row stated, no confounding, each factor given its parents), else
  it is identified by a back-door set, the front-door criterion or the ID algorithm (else:
  unknown, with the hedge); ETT by a back-door or front-door set; NDE and NIE need a projected
  graph without confounding (or every path through the mediators). The value is computed with
  every open row at 1/2, and at the sweep (1/10 and 9/10 in every combination, or for more
  than four open rows the two uniform settings and eight seeded mixtures): a verdict that
  changes is `unknown`. The kernel then proves the value exact (a constant rational function
  of the open rows) or, without a value, the comparison's sign over the open rows.
"""
from __future__ import annotations

import itertools
import random
from fractions import Fraction

from ..language import syntax as S
from .ask import Proofs, Result
from .graph import ADMG, d_separated
from .identify import Hedge, find_backdoor_set, identify, is_frontdoor_set
from .program import BOOL, CausalError, CausalProgram, show_assignment, value_of

HALF = Fraction(1, 2)
SWEEP = (Fraction(1, 10), Fraction(9, 10))
SPREAD = (Fraction(1, 10), Fraction(3, 10), Fraction(7, 10), Fraction(9, 10))
MAX_SWEEP_ROWS = 4
MAX_OPEN_ROWS = 12       # open rows (unstated conditionals) the kernel's polynomials are asked to carry


class Unknown(Exception):
    """The quantity is not determined (or not computable here): the message says why."""


def project(g: ADMG, observed) -> ADMG:
    """The latent projection of g onto `observed`: a -> b when a directed path from a to b has
    only unobserved nodes inside; a <-> b when a bidirected edge or an unobserved common
    ancestor reaches both through unobserved nodes only."""
    obs = [n for n in g.nodes if n in set(observed)]
    latent = set(g.nodes) - set(obs)

    def reach(starts):
        out, stack, seen = set(), list(starts), set()
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            if n in latent:
                stack.extend(g.children(n))
            else:
                out.add(n)
        return out
    directed = {(a, b) for a in obs for b in reach(g.children(a))}
    bidirected = set()
    for l in latent:
        bidirected |= {frozenset(p) for p in itertools.combinations(sorted(reach(g.children(l)), key=obs.index), 2)}
    for e in g.bidirected:
        a, b = tuple(e)
        ends_a = {a} if a not in latent else reach(g.children(a)) | set()
        ends_b = {b} if b not in latent else reach(g.children(b)) | set()
        ra = {a} if a in set(obs) else ends_a
        rb = {b} if b in set(obs) else ends_b
        bidirected |= {frozenset((p, q)) for p in ra for q in rb if p != q}
    return ADMG(obs, sorted(directed), sorted(tuple(sorted(e, key=obs.index)) for e in bidirected))


def through(g: ADMG, x, y, mediators) -> bool:
    """Every directed path from x to y passes a mediator (y is not reached from x without them)."""
    seen, stack = set(), [x]
    while stack:
        n = stack.pop()
        for c in g.children(n):
            if c == y:
                return False
            if c not in seen and c not in set(mediators):
                seen.add(c)
                stack.append(c)
    return True


def leaves(node) -> list:
    return [n for n in S.nodes(node) if isinstance(n, (S.Prob, S.Effect, S.Backdoor))]


class Quantities:
    def __init__(self, program: CausalProgram):
        self.p = program

    # ------------------------------------------------------------ entry
    def ask(self, formula, st) -> Result:
        items = leaves(formula)
        mode = self.mode()
        for leaf in items:
            self.check_leaf(leaf)
        proof = Proofs(self.p)
        ids = list(proof.premise_ids)
        try:
            if any(not isinstance(l, S.Backdoor) for l in items):
                reader = Mechanisms(self.p) if mode == "enumerate" else Factors(self.p, items)
                ids += reader.preamble(proof, ids)
            else:
                reader = None
            values, last = {}, ids
            for k, leaf in enumerate(items):
                if isinstance(leaf, S.Backdoor):
                    ok = self.backdoor(leaf)
                    values[k] = [ok]
                    last = [proof.add(f"{S.show_formula(leaf)} is {'true' if ok else 'false'}", "graph", ids,
                                      data={"leaf": k, "value": ok}).id]
                    continue
                vals, data, text = reader.leaf(leaf)
                values[k] = vals
                if all(v == vals[0] for v in vals):
                    step = proof.add(f"{S.show_term(leaf)} = {_show(vals[0])}{text}", "compute", ids,
                                     data={"leaf": k, "value": str(vals[0]), **data})
                else:       # not determined: the comparison may still be (its sign is checked)
                    step = proof.add(f"{S.show_term(leaf)}: not fixed by the numbers (between "
                                     f"{_show(min(vals))} and {_show(max(vals))} in the sweep){text}",
                                     "compute", ids, data={"leaf": k, **data})
                last = [step.id]
        except Unknown as e:
            return Result("unknown", [], str(e))
        # combine the leaves (first value: the claim; the rest: the sweep's probes)
        n = max(len(v) for v in values.values()) if values else 1
        outcomes = [self.evaluate(formula, items, {k: v[min(i, len(v) - 1)] for k, v in values.items()})
                    for i in range(n)]
        first = outcomes[0]
        if isinstance(formula, S.TERMS):
            value = first
            if any(o != first for o in outcomes[1:]):
                return Result("unknown", [], "the given numbers do not determine the value: it changes with the "
                                             "rows they leave open" + identified(proof),
                              {"values": [_show(o) for o in outcomes[:3]]})
            proof.add(f"{S.show_term(formula)} = {_show(value)}", "verdict", last, data={"verdict": "true",
                                                                                     "value": str(value)})
            return Result("true", proof.steps, value=value)
        verdicts = {bool(o) for o in outcomes}
        if len(verdicts) > 1:
            return Result("unknown", [], "the given numbers do not settle it: the answer changes with the "
                                         "probabilities they leave open (rows set to 1/10 or 9/10)" + identified(proof),
                          witnesses(reader, [bool(o) for o in outcomes]))
        verdict = "true" if first else "false"
        value = self.single_value(formula, items, values)
        proof.add(f"{S.show_formula(formula)}: {verdict}", "verdict", last,
                  data={"verdict": verdict, **({"value": str(value)} if value is not None else {})})
        return Result(verdict, proof.steps, value=value)

    def single_value(self, formula, items, values):
        """The value a one-comparison query was decided on (`Answer.value`), when the numbers fix it."""
        if isinstance(formula, S.Cmp):
            n = max(len(v) for v in values.values()) if values else 1
            seen = {self.evaluate(formula.left, items, {k: v[min(i, len(v) - 1)] for k, v in values.items()})
                    for i in range(n)}
            return seen.pop() if len(seen) == 1 else None
        return None

    def evaluate(self, node, items, values):
        def term(t):
            for k, leaf in enumerate(items):
                if leaf is t:
                    return values[k]
            match t:
                case S.Num(v):
                    return Fraction(v)
                case S.Op("-", (a,)):
                    return -term(a)
                case S.Op(op, (a, b)):
                    x, y = term(a), term(b)
                    if op == "/":
                        return Fraction(0) if y == 0 else x / y
                    return x + y if op == "+" else x - y if op == "-" else x * y
            raise CausalError("E062", f"cannot compute {S.show(t)}")

        def formula(f):
            for k, leaf in enumerate(items):
                if leaf is f:
                    return values[k]
            match f:
                case S.Cmp(op, a, b):
                    x, y = term(a), term(b)
                    return {"=": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]
                case S.Not(b):
                    return not formula(b)
                case S.And(xs):
                    return all(formula(x) for x in xs)
                case S.Or(xs):
                    return any(formula(x) for x in xs)
                case S.Implies(a, b):
                    return (not formula(a)) or formula(b)
                case S.Iff(a, b):
                    return formula(a) == formula(b)
            raise CausalError("E062", f"a causal comparison mixes in {S.show(f)}", getattr(f, "span", None))
        return term(node) if isinstance(node, S.TERMS) else formula(node)

    # ------------------------------------------------------------ reading
    def mode(self) -> str:
        p = self.p
        priors = {}
        for f in p.facts:
            if f.given or len(f.event) != 1:
                return "factors"
            (v, x), = f.event
            priors.setdefault(v, {})[x] = f.value
        if not p.facts or p.graph.bidirected:
            return "factors"
        if set(priors) != set(p.background):
            return "factors"
        if any(p.graph.parents(v) for v in p.background):     # a prior of a variable with causes: a marginal
            return "factors"
        for v, row in priors.items():
            if complete_row(row, p.domains[v]) is None:
                return "factors"
        return "enumerate"

    def check_leaf(self, leaf):
        p = self.p
        if isinstance(leaf, S.Effect):
            if len(leaf.names) < 2:
                raise CausalError("E062", f"{leaf.kind}(treatment, outcome[, mediators...])", leaf.span)
            for n in leaf.names:
                if n not in p.domains:
                    raise CausalError("E062", f"'{n}' is not a declared causal variable", leaf.span)
            if p.domains[leaf.names[0]] != BOOL:
                raise CausalError("E062", f"the treatment of {leaf.kind} must be bool", leaf.span)
            if leaf.kind in ("NDE", "NIE") and len(leaf.names) == 2 and not self.mediators(leaf):
                raise CausalError("E062", f"{leaf.kind}: no variable lies between {leaf.names[0]} and "
                                          f"{leaf.names[1]}", leaf.span)
        elif isinstance(leaf, S.Backdoor):
            for n in (leaf.x, leaf.y, *leaf.z):
                if n not in p.domains:
                    raise CausalError("E062", f"'{n}' is not a declared causal variable", leaf.span)
        else:
            p.assignments(leaf.events, leaf.span)
            p.assignments([g for g in leaf.given if not isinstance(g, S.Do)], leaf.span)
            for d in [g for g in leaf.given if isinstance(g, S.Do)] + ([leaf.under] if leaf.under else []):
                p.assignments(d.items, leaf.span)

    def mediators(self, leaf) -> tuple:
        x, y, *ms = leaf.names
        if ms:
            return tuple(ms)
        g = self.p.graph
        return tuple(v for v in g.nodes if v in g.descendants(x) and v in g.ancestors(y) and v not in (x, y))

    def backdoor(self, leaf) -> bool:
        from .identify import is_backdoor_set
        g = self.p.graph
        if leaf.x == leaf.y or {leaf.x, leaf.y} & set(leaf.z):
            return False
        return is_backdoor_set(g, leaf.x, leaf.y, leaf.z)


def witnesses(reader, outcomes) -> dict | None:
    """For an answer the open rows decide: a setting of them where the query holds and one where
    it fails (the completions of the sweep), each row shown as `P(v | parents) = p`."""
    if not isinstance(reader, Factors) or True not in outcomes or False not in outcomes:
        return None
    choices = reader.completions()

    def shown(choice):
        out = {}
        for (v, vals), _ in sorted(reader.free.items(), key=repr):
            given = reader.factors[v][0]
            cond = ", ".join(show_assignment(u, x) for u, x in zip(given, vals))
            value = choice.get((v, vals)) or HALF
            out[f"P({v}{' | ' + cond if cond else ''}) = {value}"] = True
        return out
    return {"holds": shown(choices[outcomes.index(True)]), "fails": shown(choices[outcomes.index(False)])}


def identified(proof) -> str:
    """The estimands of the query's interventional quantities, for an answer the numbers leave
    open: what is identified, in observational terms, even when its value is not."""
    found = [f"{step.data.get('of', 'it')} = {step.data['estimand']}" for step in proof.steps
             if step.by == "compute" and (step.data or {}).get("estimand")]
    return "; identified: " + "; ".join(found) if found else ""


def complete_row(row: dict, domain) -> dict | None:
    """{value: p} for every value of the domain, the one missing value completing the sum to
    1; None when more than one is missing or the sum is wrong."""
    missing = [d for d in domain if d not in row]
    total = sum(row.values(), Fraction(0))
    if len(missing) > 1 or total > 1 or (not missing and total != 1):
        return None
    out = dict(row)
    if missing:
        out[missing[0]] = 1 - total
    return {d: out[d] for d in domain}


def _show(v) -> str:
    v = Fraction(v)
    return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator} (≈ {float(v):.4f})"


def _interventions(p, items) -> dict:
    out = {}
    for d in items:
        for var, value in p.assignments(d.items, d.span):
            if out.get(var, value) != value:
                raise CausalError("E062", f"two interventions on '{var}'", d.span, "intervene once: do(x = v)")
            out[var] = value
    return out


def _events(p, leaf):
    event = dict(p.assignments(leaf.events, leaf.span))
    given = dict(p.assignments([g for g in leaf.given if not isinstance(g, S.Do)], leaf.span))
    do = _interventions(p, [g for g in leaf.given if isinstance(g, S.Do)])
    under = _interventions(p, [leaf.under]) if leaf.under is not None else None
    return event, given, do, under


# ---------------------------------------------------------------- mechanisms: enumeration
class Mechanisms:
    def __init__(self, program):
        from .ask import Asker
        self.p = program
        self.asker = Asker(program)
        priors = {}
        for f in program.facts:
            (v, x), = f.event
            priors.setdefault(v, {})[x] = f.value
        self.priors = {v: complete_row(r, program.domains[v]) for v, r in priors.items()}

    def preamble(self, proof, ids):
        return []

    def settings(self):
        names = self.p.background
        for values in itertools.product(*(self.p.domains[v] for v in names)):
            u = dict(zip(names, values))
            w = Fraction(1)
            for v, x in u.items():
                w *= self.priors[v][x]
            if w:
                yield u, w

    def expect(self, value, condition=None) -> Fraction:
        num = den = Fraction(0)
        for u, w in self.settings():
            if condition is None or condition(u):
                den += w
                num += w * Fraction(value(u))
        if den == 0:
            raise Unknown("the condition has probability zero")
        return num / den

    def leaf(self, leaf):
        solve = self.asker.solve
        if isinstance(leaf, S.Effect):
            x, y = leaf.names[0], leaf.names[1]
            ms = Quantities(self.p).mediators(leaf)

            def yv(world):
                return Fraction(world[y]) if not isinstance(world[y], str) else _not_numeric(y)
            if leaf.kind == "ATE":
                v = self.expect(lambda u: yv(solve(u, {x: True})) - yv(solve(u, {x: False})))
            elif leaf.kind == "ETT":
                v = self.expect(lambda u: yv(solve(u, {x: True})) - yv(solve(u, {x: False})),
                                lambda u: solve(u, {})[x] is True)
            else:
                a, b = (True, False) if leaf.kind == "NDE" else (False, True)

                def nested(u):
                    mw = solve(u, {x: b})
                    return yv(solve(u, {x: a, **{m: mw[m] for m in ms}})) - yv(solve(u, {x: False}))
                v = self.expect(nested)
            return [v], {"mode": "enumerate", "mediators": list(ms)}, "  (by enumeration of the background)"
        event, given, do, under = _events(self.p, leaf)

        def holds(world, assignment):
            return all(world[k] == x for k, x in assignment.items())
        cond = lambda u: holds(solve(u, do), given)   # noqa: E731
        outcome_do = under if under is not None else do
        v = self.expect(lambda u: holds(solve(u, outcome_do), event), cond)
        return [v], {"mode": "enumerate"}, "  (by enumeration of the background)"


def _not_numeric(y):
    raise Unknown(f"the outcome {y} is not numeric")


# ---------------------------------------------------------------- numbers over a graph
class Factors:
    def __init__(self, program, items):
        self.p = program
        p = program
        mentioned = set()
        for f in p.facts:
            mentioned |= {v for v, _ in f.event} | {v for v, _ in f.given}
        for leaf in items:
            if isinstance(leaf, S.Prob):
                e, g, d, u = _events(p, leaf)
                mentioned |= set(e) | set(g) | set(d) | set(u or {})
            elif isinstance(leaf, S.Effect):
                mentioned |= set(leaf.names[:2])
                if leaf.kind in ("NDE", "NIE") and not through(p.graph, leaf.names[0], leaf.names[1],
                                                               Quantities(p).mediators(leaf)):
                    mentioned |= set(Quantities(p).mediators(leaf))
        for v, (_, ps) in p.equations.items():
            if v in mentioned:
                mentioned |= set(ps)
        if not p.facts and not p.equations:      # a graph alone: every declared variable is observed
            mentioned = set(p.domains)
        self.observed = [v for v in p.graph.topological_order() if v in mentioned]
        self.g = project(p.graph, self.observed)
        self.tables = self.read_tables()
        self.order, self.factors, self.free = self.factorise()
        # every row stated, no confounding, each factor given its parents: a causal Bayesian network,
        # where a `do` is the truncated factorisation, computed by variable elimination
        self._id_estimands = {}
        self.network = not self.free and not self.g.bidirected and \
            all(set(self.factors[v][0]) == set(self.g.parents(v)) for v in self.order)
        self._bn = None

    def bayesnet(self):
        if self._bn is None:
            from .bayesnet import BayesNet
            dag = ADMG(self.order, [(u, v) for v in self.order for u in self.factors[v][0]])
            cpts = {}
            for v in self.order:
                given, full = self.factors[v]
                ps = dag.parents(v)
                cpts[v] = {tuple(dict(zip(given, vals))[u] for u in ps): row for vals, row in full.items()}
            self._bn = BayesNet(dag, cpts)
        return self._bn

    def network_probability(self, event, given=None, do=None):
        try:
            return self.bayesnet().probability(event, given or {}, do or {})
        except ZeroDivisionError:
            raise Unknown("the condition has probability zero: the conditional is undefined") from None

    # rows: (var, given vars tuple) -> {given values tuple: {value: p}}
    def read_tables(self):
        p = self.p
        rows, sources = {}, {}
        marginals = {}
        for f in p.facts:
            if len(f.event) == 1:
                (v, x), = f.event
                key = (v, tuple(g for g, _ in f.given))
                rows.setdefault(key, {}).setdefault(tuple(val for _, val in f.given), {})[x] = f.value
                sources.setdefault(key, []).append(f.source)
                if not f.given:
                    marginals[(v, x)] = (f.value, f.source)
        for f in p.facts:          # a joint event of two: a conditional through a stated marginal
            if len(f.event) == 2 and not f.given:
                for (a, va), (b, vb) in (f.event, f.event[::-1]):
                    m = marginals.get((b, vb))
                    if m is None and p.domains[b] == BOOL:
                        other = marginals.get((b, not vb))
                        m = (1 - other[0], other[1]) if other else None
                    if m is not None and m[0] != 0:
                        key = (a, (b,))
                        rows.setdefault(key, {}).setdefault((vb,), {}).setdefault(va, f.value / m[0])
                        sources.setdefault(key, []).extend([f.source, m[1]])
        self.sources = sources
        return rows

    def factorise(self):
        """An order of the observed variables and a factor for each, P(v | B_v), B_v among the
        variables before v and v m-separated from the rest of those given B_v in the projected
        graph. A stated conditional (or an equation) becomes a factor where it can: the order
        is chosen for that (a chain rule holds in any order); a variable without one gets an
        open factor."""
        g = self.g
        families = {}
        for (var, given), table in self.tables.items():
            families.setdefault(var, []).append((given, table))
        for v, (_, ps) in self.p.equations.items():
            if v in self.observed and set(ps) <= set(self.observed):
                families[v] = [(tuple(ps), self.equation_table(v, ps))]

        def usable(v, given, placed):
            if not set(given) <= set(placed):
                return False
            rest = set(placed) - set(given)
            return not rest or d_separated(g, {v}, rest, set(given))
        placed, remaining, factors, free = [], list(self.observed), {}, {}
        while remaining:
            pick = None
            for v in remaining:
                for given, table in sorted(families.get(v, []), key=lambda f: (-len(f[1]), len(f[0]))):
                    if usable(v, given, placed):
                        pick = (v, given, table)
                        break
                if pick:
                    break
            if pick is None:
                v = next((u for u in remaining if u not in families), remaining[0])
                near = tuple(u for u in placed if u in set(g.parents(v)) | set(g.siblings(v)))
                pick = (v, near if usable(v, near, placed) else tuple(placed), {})
            v, given, table = pick
            remaining.remove(v)
            placed.append(v)
            full = {}
            for vals in itertools.product(*(self.p.domains[u] for u in given)):
                row = complete_row(table.get(vals, {}), self.p.domains[v])
                if row is None:
                    if table.get(vals) and len(table[vals]) == len(self.p.domains[v]):
                        raise Unknown(f"the stated probabilities of {v} given {vals} do not sum to 1")
                    free[(v, vals)] = self.p.domains[v]
                full[vals] = row
            factors[v] = (tuple(given), full)
        if len(free) > MAX_OPEN_ROWS:
            raise Unknown(f"the numbers leave {len(free)} rows open: more than the {MAX_OPEN_ROWS} this reading "
                          "handles; state more of the conditionals")
        return placed, factors, free

    def equation_table(self, v, ps):
        table = {}
        for vals in itertools.product(*(self.p.domains[u] for u in ps)):
            x = value_of(self.p.equations[v][0], dict(zip(ps, vals)))
            table[vals] = {d: Fraction(1 if d == x else 0) for d in self.p.domains[v]}
        return table

    def contradiction(self):
        """A stated probability that the factorisation gives another value, whatever the open
        rows: the statements contradict each other (checked on the primary completion and the
        sweep; a statement whose value moves with the open rows only narrows them)."""
        for f in self.p.facts:
            event, given = dict(f.event), dict(f.given)
            if not set(event) | set(given) <= set(self.order):
                continue
            got = set()
            for c in self.completions()[:3] if not self.network else [None]:
                try:
                    got.add(self.network_probability(event, given) if c is None else
                            self.prob(self.joint(c), event, given))
                except Unknown:
                    got.add(None)
            if len(got) == 1 and None not in got and f.value not in got:
                other = got.pop()
                return (f"the stated probabilities contradict each other: {S.show(f.statement).removesuffix('.')}"
                        f" (at {f.source}), but the others give {_show(other)}")
        return None

    def preamble(self, proof, ids):
        bad = self.contradiction()
        if bad:
            raise Unknown(bad)
        g = self.g
        a = proof.add(f"observed: {', '.join(self.observed)}; projected graph: "
                      + ", ".join([f"{x} -> {y}" for x, y in g.directed]
                                  + [f"{x} <-> {y}" for x, y in (sorted(e) for e in g.bidirected)]),
                      "project", ids, data={"observed": self.observed,
                                            "directed": [list(e) for e in g.directed],
                                            "bidirected": [sorted(e) for e in g.bidirected]})
        parts = []
        for v in self.order:
            given, _ = self.factors[v]
            parts.append(f"P({v} | {', '.join(given)})" if given else f"P({v})")
        open_rows = [f"{v} | {', '.join(map(str, vals))}" if vals else v for v, vals in self.free]
        b = proof.add("P(" + ", ".join(self.order) + ") = " + " ".join(parts)
                      + (f"; rows no statement gives: {'; '.join(open_rows)}" if open_rows else ""),
                      "factorise", [a.id], data={"order": self.order,
                                                 "factors": [[v, list(self.factors[v][0])] for v in self.order]})
        return [a.id, b.id]

    # completions: the primary (open rows 1/2 for bool) and the sweep
    def completions(self):
        rows = sorted(self.free, key=repr)
        choices = [{r: None for r in rows}]
        if rows:
            if len(rows) <= MAX_SWEEP_ROWS:
                combos = list(itertools.product(SWEEP, repeat=len(rows)))
            else:       # the two uniform settings, and seeded mixtures of 1/10 .. 9/10
                rng = random.Random(len(rows))
                combos = [(s,) * len(rows) for s in SWEEP] + \
                    [tuple(rng.choice(SPREAD) for _ in rows) for _ in range(2 * MAX_SWEEP_ROWS)]
            choices += [dict(zip(rows, c)) for c in combos]
        return choices

    def joint(self, choice):
        tables = {}
        for v in self.order:
            given, full = self.factors[v]
            t = {}
            for vals, row in full.items():
                if row is None:
                    dom = self.p.domains[v]
                    s = choice.get((v, vals))
                    if s is None or len(dom) != 2:
                        row = {d: Fraction(1, len(dom)) for d in dom}
                    else:
                        row = {dom[0]: 1 - s, dom[1]: s}
                t[vals] = row
            tables[v] = (given, t)
        out = {}
        for world in itertools.product(*(self.p.domains[v] for v in self.order)):
            w = dict(zip(self.order, world))
            pr = Fraction(1)
            for v in self.order:
                given, t = tables[v]
                pr *= t[tuple(w[u] for u in given)][w[v]]
                if not pr:
                    break
            if pr:
                out[world] = pr
        return out

    def prob(self, joint, event, given=None):
        idx = {v: i for i, v in enumerate(self.order)}
        given = given or {}

        def mass(a):
            return sum((p for k, p in joint.items() if all(k[idx[v]] == x for v, x in a.items())), Fraction(0))
        den = mass(given)
        if den == 0:
            raise Unknown(f"P({', '.join(show_assignment(v, x) for v, x in given.items())}) is zero: "
                          "the conditional is undefined")
        return mass({**event, **given}) / den

    def leaf(self, leaf):
        p = self.p
        if isinstance(leaf, S.Effect):
            return self.effect(leaf)
        event, given, do, under = _events(p, leaf)
        if under is not None:
            raise Unknown("a counterfactual probability needs the mechanisms: structural equations and "
                          "priors of every background variable; stated conditionals do not determine it")
        if not do:
            if self.network:
                return [self.network_probability(event, given)], {"method": "observe"}, ""
            vals = [self.prob(self.joint(c), event, given) for c in self.completions()]
            return vals, {"method": "observe"}, ""
        if self.network:
            return [self.network_probability(event, given, do)], {"method": "truncated"}, \
                "  (truncated factorisation: no confounding, every factor given its parents)"
        if given:
            return self.conditional_do(event, given, do)
        method, z = self.identify(set(do), set(event))
        vals = [self.do_value(self.joint(c), event, do, method, z) for c in self.completions()]
        of = f"P({', '.join(show_assignment(v, x) for v, x in event.items())} | do(" \
            f"{', '.join(show_assignment(v, x) for v, x in do.items())}))"
        estimand = self.estimand(method, set(do), set(event), z)
        label = {"backdoor": f"  (back-door adjustment for {{{', '.join(z)}}}: {estimand})",
                 "frontdoor": f"  (front-door formula through {{{', '.join(z)}}}: {estimand})",
                 "nondescendant": f"  (not an effect of the intervention: {estimand})",
                 "id": f"  (the ID algorithm: {estimand})"}[method]
        return vals, {"method": method, "set": list(z), "estimand": estimand, "of": of}, label

    def conditional_do(self, event, given, do):
        """P(y | do(x), z) = sum_w P(y | x, z, w) P(w | z), for W with Z | W a back-door set
        (Pearl, Causality, theorem 3.3.2 with the condition Z; no member of Z or W an effect
        of x)."""
        g, doms = self.g, self.p.domains
        z = set(given)
        if z & g.descendants(set(do)):
            raise Unknown("P(... | do(...), evidence) with evidence on an effect of the intervention: "
                          "not supported over stated numbers")
        others = [v for v in g.nodes if v not in set(do) | set(event) | z and v not in g.descendants(set(do))]
        from .identify import is_backdoor_set
        w = next((ws for k in range(len(others) + 1) for ws in itertools.combinations(others, k)
                  if is_backdoor_set(g, set(do), set(event), z | set(ws))), None)
        if w is None:
            raise Unknown("no back-door set contains the evidence: P(... | do(...), evidence) is not "
                          "identified this way")
        vals = []
        for c in self.completions():
            joint = self.joint(c)
            total = Fraction(0)
            for wv in itertools.product(*(doms[u] for u in w)):
                ww = dict(zip(w, wv))
                pw = self.prob(joint, ww, given) if ww else Fraction(1)
                if pw:
                    total += self.prob(joint, event, {**do, **given, **ww}) * pw
            vals.append(total)
        return vals, {"method": "backdoor", "set": list(w)}, \
            f"  (back-door adjustment for {{{', '.join(w)}}} within the evidence)"

    def estimand(self, method, x, y, z) -> str:
        """The estimand of P(y | do(x)) as sympy prints it (engine/causal/estimand.py to_sympy)."""
        from .estimand import to_sympy
        from .identify import backdoor_estimand, frontdoor_estimand
        if method == "nondescendant":
            return f"P({', '.join(sorted(y))})"
        if method == "id":
            return str(to_sympy(self._id_estimands[(frozenset(x), frozenset(y))].expr, self.p.domains))
        est = backdoor_estimand(self.g, x, y, z) if method == "backdoor" else frontdoor_estimand(self.g, x, y, z)
        return str(to_sympy(est.expr, self.p.domains))

    def identify(self, x: set, y: set):
        g = self.g
        if not set(y) & g.descendants(x):       # x does not cause y: P(y | do(x)) = P(y) (do-calculus rule 3)
            return "nondescendant", ()
        z = find_backdoor_set(g, x, y)
        if z is not None:
            return "backdoor", tuple(z)
        others = [v for v in g.nodes if v not in x | y]
        for size in range(1, len(others) + 1):
            for m in itertools.combinations(others, size):
                if len(x) == 1 and len(y) == 1 and is_frontdoor_set(g, x, y, m):
                    return "frontdoor", tuple(m)
        result = identify(g, tuple(y), tuple(x))
        if isinstance(result, Hedge):
            raise Unknown(str(result))
        self._id_estimands[(frozenset(x), frozenset(y))] = result
        return "id", ()

    def do_value(self, joint, event, do, method, z):
        doms = self.p.domains
        if method == "nondescendant":
            return self.prob(joint, event)
        if method == "id":
            from .estimand import Joint, PositivityError
            est = self._id_estimands[(frozenset(do), frozenset(event))]
            try:
                return est.evaluate(Joint(self.order, joint, {v: doms[v] for v in self.order}), {**event, **do})
            except PositivityError:
                raise Unknown("the ID estimand conditions on an event of probability zero") from None
        if method == "backdoor":
            total = Fraction(0)
            for vals in itertools.product(*(doms[v] for v in z)):
                zz = dict(zip(z, vals))
                pz = self.prob(joint, zz)
                if pz:
                    total += self.prob(joint, event, {**do, **zz}) * pz
            return total
        (x, xv), = do.items()
        total = Fraction(0)
        for vals in itertools.product(*(doms[v] for v in z)):
            mm = dict(zip(z, vals))
            pm = self.prob(joint, mm, {x: xv})
            if not pm:
                continue
            inner = Fraction(0)
            for x2 in doms[x]:
                px = self.prob(joint, {x: x2})
                if px:
                    inner += self.prob(joint, event, {**mm, x: x2}) * px
            total += pm * inner
        return total

    def ett(self, x, y):
        """E[Y_1 - Y_0 | X = 1] = P(y | x) - sum_z P(y | not x, z) P(z | x), z a back-door set."""
        if y not in self.g.descendants({x}):
            return [Fraction(0)], {"method": "nondescendant", "set": []}, f"  ({x} does not cause {y})"
        z = find_backdoor_set(self.g, {x}, {y})
        if z is None:
            return self.ett_frontdoor(x, y)
        doms = self.p.domains
        vals = []
        for c in (self.completions() if not self.network else [None]):
            def prob(event, given):
                return self.network_probability(event, given) if c is None else self.prob(self.joint(c), event, given)
            total = prob({y: True}, {x: True})
            for zv in itertools.product(*(doms[u] for u in z)):
                zz = dict(zip(z, zv))
                pz = prob(zz, {x: True}) if zz else Fraction(1)
                if pz:
                    total -= prob({y: True}, {x: False, **zz}) * pz
            vals.append(total)
        return vals, {"method": "backdoor", "set": list(z)}, \
            f"  (effect on the treated by the back-door set {{{', '.join(z)}}})"

    def ett_frontdoor(self, x, y):
        """With a front-door set M: E[Y_0 | X = 1] = sum_m P(m | not x) P(y | x, m)."""
        g, doms = self.g, self.p.domains
        others = [v for v in g.nodes if v not in (x, y)]
        m = next((ms for k in range(1, len(others) + 1) for ms in itertools.combinations(others, k)
                  if is_frontdoor_set(g, {x}, {y}, ms)), None)
        if m is None:
            raise Unknown("ETT: neither a back-door nor a front-door set among the variables the numbers mention")
        vals = []
        for c in (self.completions() if not self.network else [None]):
            def prob(event, given):
                return self.network_probability(event, given) if c is None else self.prob(self.joint(c), event, given)
            total = prob({y: True}, {x: True})
            for mv in itertools.product(*(doms[u] for u in m)):
                mm = dict(zip(m, mv))
                pm = prob(mm, {x: False})
                if pm:
                    total -= pm * prob({y: True}, {x: True, **mm})
            vals.append(total)
        return vals, {"method": "frontdoor", "set": list(m)}, \
            f"  (effect on the treated through the front-door set {{{', '.join(m)}}})"

    def effect(self, leaf):
        x, y = leaf.names[0], leaf.names[1]
        if self.p.domains[y] != BOOL:
            raise Unknown(f"the outcome {y} must be bool here (E[{y}] = P({y}))")
        if leaf.kind == "ATE" and self.network:
            v = self.network_probability({y: True}, None, {x: True}) - \
                self.network_probability({y: True}, None, {x: False})
            return [v], {"method": "truncated"}, "  (truncated factorisation: no confounding)"
        if leaf.kind == "ATE":
            method, z = self.identify({x}, {y})
            vals = []
            for c in self.completions():
                j = self.joint(c)
                vals.append(self.do_value(j, {y: True}, {x: True}, method, z)
                            - self.do_value(j, {y: True}, {x: False}, method, z))
            estimand = self.estimand(method, {x}, {y}, z)
            return vals, {"method": method, "set": list(z), "estimand": estimand, "of": f"P({y} | do({x}))"}, \
                f"  (P({y} | do({x})) = {estimand}, by the {method} criterion)"
        if leaf.kind == "ETT":
            return self.ett(x, y)
        ms = Quantities(self.p).mediators(leaf)
        if through(self.p.graph, x, y, ms):      # every directed path from x to y passes the mediators
            if leaf.kind == "NDE":
                return [Fraction(0)], {"method": "through", "mediators": list(ms)}, \
                    "  (every directed path from the treatment passes the mediators: no direct effect)"
            ate, data, text = self.effect(S.Effect("ATE", (x, y)))
            return ate, {"method": "through", "mediators": list(ms), "ate": data}, \
                "  (every directed path passes the mediators: the indirect effect is the whole effect" + text + ")"
        if self.g.bidirected:
            raise Unknown(f"{leaf.kind} needs a graph without unobserved confounding among the variables the "
                          "numbers mention")
        for v in self.order:
            if set(self.factors[v][0]) != set(self.g.parents(v)):
                raise Unknown(f"{leaf.kind}: the stated conditionals of {v} are not given its parents")
        from .scm import from_cpts
        dag = ADMG(self.order, [(u, v) for v in self.order for u in self.factors[v][0]])
        ms = Quantities(self.p).mediators(leaf)
        vals = []
        for c in self.completions():
            j = self.joint(c)
            cpts = {}
            for v in self.order:
                ps = dag.parents(v)
                cpts[v] = {vals_: {d: self.prob(j, {v: d}, dict(zip(ps, vals_))) for d in self.p.domains[v]}
                           for vals_ in itertools.product(*(self.p.domains[u] for u in ps))}
            scm = from_cpts(dag, cpts)
            if leaf.kind == "NDE":
                vals.append(scm.nde(x, ms, y, False, True))
            else:
                vals.append(scm.nie(x, ms, y, False, True))
        return vals, {"method": "markov", "mediators": list(ms)}, "  (no confounding: by the factors)"
