"""CLadder answered by the causal core: every question scored yes / no / unknown.

How each query type is computed (inputs: the graph, the given numbers, the question's
definition; never `answer` or meta.groundtruth / meta.result, which only score):

  * observed variables O = those the given numbers mention, plus treatment and outcome; the
    other graph nodes are latent: the graph is latent-projected onto O (an ADMG: a directed
    path through latents becomes a directed edge, a latent common cause a bidirected edge);
  * the given numbers are read as factors of a joint over O (each P(A | B) the factor of A,
    in a topological order of these factors), a variable with no factor getting an
    arbitrary one (conditioned on its projected neighbours before it). Each completion of
    the arbitrary factors gives an engine `Joint`; the quantity is computed on the primary
    completion (every arbitrary row 1/2) and on the sweep (every arbitrary row 1/10 or 9/10,
    up to 4 rows): when the yes/no verdicts disagree the question is "underdetermined"
    (unknown). The sweep is a probe, not a proof of determination;
  * marginal: P(Y=1) on the joint; correlation: P(Y=1|X=1) - P(Y=1|X=0) (joint events like
    P(Y=1, X=0) become conditionals through the stated marginal); exp_away: P(Y=1|X=1,C=1) -
    P(Y=1|C=1) for the collider C;
  * ate: identify(projected graph, Y, X) (the ID algorithm) and the estimand evaluated at
    X=1 and X=0. A Hedge (not identifiable) with an instrument Z in the projected graph
    (Z -> X, Z m-separated from Y once X's outgoing edges are cut) is `unknown` by default;
    with --assume-linear-iv it falls back to the Wald ratio [P(Y|Z=1)-P(Y|Z=0)] /
    [P(X|Z=1)-P(X|Z=0)] -- a parametric (linear / monotone) assumption beyond the
    nonparametric ID, marked method "iv-wald";
  * backadj: engine is_backdoor_set on the full graph for the two methods' sets;
  * collider_bias: the causal effect of X on Y is zero iff X is not an ancestor of Y;
  * ett / nde / nie: nie is the ate (and nde is 0) when every directed X -> Y path goes
    through the mediators; otherwise the projected graph is made a DAG (a bidirected edge
    between X and a non-descendant of X becomes an edge into X; any other bidirected edge:
    unsupported), its CPTs read from the joint, `from_cpts` builds an SCM and scm.ett / nde /
    nie give the value (identified quantities in a Markovian model: the coupling does not
    matter);
  * det-counterfactual: the mechanisms "V = X or not V2" of reasoning step4, parsed by a
    small recursive-descent parser (names, 0, 1, not, and, or, parentheses; no eval), become
    a deterministic SCM (each root driven by its own exogenous variable) and
    scm.counterfactual answers Y_{X=a} = y given the evidence: TRUE / FALSE / UNKNOWN.

Yes/no, as CLadder's questions define them (checked against the dev set): the answer is yes
iff (value > 0) == polarity for ate, correlation, nde, nie, exp_away; (value > 0) != polarity
for ett (the question asks about the counterfactual without treatment); (P(Y=1) > 1/2) ==
polarity for marginal; a value within 1e-9 of 0 counts as 0 (no effect: "no" for either
polarity). backadj: yes iff method 1's set is a back-door set and method 2's is not.
collider_bias: yes iff (effect != 0) == polarity. det-counterfactual: the verdict of the
formal form's event.
"""
from __future__ import annotations

import argparse
import itertools
import json
import re
import time
from collections import Counter, defaultdict
from fractions import Fraction
from pathlib import Path

from engine.causal import (ADMG, Equation, Hedge, Joint, SCM, Verdict, d_separated, from_cpts,
                           identify, is_backdoor_set)
from engine.causal.estimand import PositivityError
from engine.causal.quantities import project

from .data import Cond, Item, load

ZERO = Fraction(1, 10**9)
HALF = Fraction(1, 2)
SWEEP = (Fraction(1, 10), Fraction(9, 10))
MAX_SWEEP_ROWS = 4


class Unsupported(Exception):
    """The question is outside what this runner computes; the message is the reason."""


# ---------------------------------------------------------------------- graphs
def full_graph(item: Item) -> ADMG:
    return ADMG([], item.edges)


# ---------------------------------------------------------------------- the joint
def conditionals(item: Item) -> list[Cond]:
    """The given conditionals, joint events turned into conditionals through a stated marginal."""
    conds = list(item.conds)
    for event, p in list(item.events.items()):
        if len(event) == 1 and next(iter(event))[1] == 1:   # P(X=1): a marginal
            conds.append(Cond(next(iter(event))[0], (), {(): p}))
    events = {e: p for e, p in item.events.items() if len(e) > 1}
    if events:
        marg = {c.head: c.table[()] for c in conds if not c.given}
        heads = defaultdict(dict)
        for event, p in events.items():
            if len(event) != 2:
                raise Unsupported(f"joint event {sorted(event)} with {len(event)} variables")
            (a, va), (b, vb) = sorted(event)
            if b in marg and va == 1:
                head, parent, pv = a, b, vb
            elif a in marg and vb == 1:
                head, parent, pv = b, a, va
            else:
                raise Unsupported(f"joint event {sorted(event)} without a stated marginal")
            px = marg[parent] if pv == 1 else 1 - marg[parent]
            heads[(head, parent)][(pv,)] = p / px
        for (head, parent), table in heads.items():
            if set(table) != {(0,), (1,)}:
                raise Unsupported(f"joint events of {head} do not cover both values of {parent}")
            conds.append(Cond(head, (parent,), table))
    seen = Counter(c.head for c in conds)
    if any(k > 1 for k in seen.values()):
        raise Unsupported(f"two given factors for one variable: {dict(seen)}")
    return conds


class Model:
    """The observed variables, the projected graph, and the completions of the given factors."""

    def __init__(self, item: Item, extra=()):
        self.item = item
        self.graph = full_graph(item)
        self.conds = {c.head: c for c in conditionals(item)}
        mentioned = set(self.conds) | {p for c in self.conds.values() for p in c.given}
        mentioned |= {item.treatment, item.outcome, *extra}
        unknown = mentioned - set(self.graph.nodes)
        if unknown:
            raise Unsupported(f"given numbers name variables outside the graph: {sorted(unknown)}")
        self.projected = project(self.graph, mentioned)
        g_order = self.graph.topological_order()
        factor_edges = [(p, c.head) for c in self.conds.values() for p in c.given]
        self.order = ADMG([n for n in g_order if n in mentioned], factor_edges).topological_order()
        self.free = {}   # variable -> parents of its arbitrary factor
        for i, v in enumerate(self.order):
            if v not in self.conds:
                near = set(self.projected.parents(v)) | set(self.projected.siblings(v)) \
                    | set(self.projected.children(v))
                self.free[v] = tuple(u for u in self.order[:i] if u in near)

    def completions(self):
        """(is_primary, Joint) for the primary completion and the sweep."""
        rows = [(v, r) for v, ps in self.free.items() for r in itertools.product((0, 1), repeat=len(ps))]
        choices = [{row: HALF for row in rows}]
        if rows:
            if len(rows) <= MAX_SWEEP_ROWS:
                choices += [dict(zip(rows, combo)) for combo in itertools.product(SWEEP, repeat=len(rows))]
            else:
                choices += [{row: s for row in rows} for s in SWEEP]
        for k, choice in enumerate(choices):
            yield k == 0, self.joint(choice)

    def joint(self, choice) -> Joint:
        table = {}
        for values in itertools.product((0, 1), repeat=len(self.order)):
            a = dict(zip(self.order, values))
            p = Fraction(1)
            for v in self.order:
                if v in self.conds:
                    c = self.conds[v]
                    p1 = c.table[tuple(a[u] for u in c.given)]
                else:
                    p1 = choice[(v, tuple(a[u] for u in self.free[v]))]
                p *= p1 if a[v] == 1 else 1 - p1
            table[values] = p
        return Joint(self.order, table, {v: (0, 1) for v in self.order})


def cond_prob(joint: Joint, event: dict, given: dict) -> Fraction:
    den = joint.marginal(given)
    if den == 0:
        raise PositivityError(f"P({given}) is zero")
    return joint.marginal({**event, **given}) / den


# ---------------------------------------------------------------------- quantities
def _ate(item: Item, model: Model, assume_linear_iv: bool = False):
    x, y = item.treatment, item.outcome
    est = identify(model.projected, y, x)
    if not isinstance(est, Hedge):
        def value(joint):
            return est.evaluate(joint, {y: 1, x: 1}) - est.evaluate(joint, {y: 1, x: 0})
        return value, "id", est.text()
    if not assume_linear_iv:
        raise Unsupported(f"not identifiable ({est.reason}); the Wald ratio of an instrument would assume "
                          "a linear or monotone effect (--assume-linear-iv)")
    g = model.projected
    for z in g.parents(x):
        if z in g.siblings(x) or y in g.children(z) or y in g.parents(z):
            continue
        if d_separated(g.remove_outgoing(x), z, y, ()):
            def value(joint, z=z):
                num = cond_prob(joint, {y: 1}, {z: 1}) - cond_prob(joint, {y: 1}, {z: 0})
                den = cond_prob(joint, {x: 1}, {z: 1}) - cond_prob(joint, {x: 1}, {z: 0})
                if den == 0:
                    raise PositivityError("the instrument does not move the treatment")
                return num / den
            return value, "iv-wald", f"[P({y}|{z}=1)-P({y}|{z}=0)] / [P({x}|{z}=1)-P({x}|{z}=0)]"
    raise Unsupported(f"not identifiable ({est.reason}) and no instrument")


def _all_paths_through(g: ADMG, x, y, mediators) -> bool:
    """Every directed path x -> y meets a mediator."""
    cut = ADMG([n for n in g.nodes if n not in mediators],
               [(a, b) for a, b in g.directed if a not in mediators and b not in mediators])
    return x not in cut.ancestors(y) or x == y


def _dag_for_counterfactuals(item: Item, model: Model) -> ADMG:
    g, x = model.projected, item.treatment
    directed = list(g.directed)
    for e in g.bidirected:
        a, b = sorted(e, key=str)
        if x in (a, b):
            other = b if a == x else a
            if other in g.descendants(x):
                raise Unsupported(f"latent confounding between {x} and its descendant {other}")
            directed.append((other, x))
        else:
            raise Unsupported(f"latent confounding between {a} and {b}")
    return ADMG(g.nodes, directed)


def _scm_from_joint(dag: ADMG, joint: Joint) -> SCM:
    cpts = {}
    for v in dag.nodes:
        ps = dag.parents(v)
        table = {}
        for vals in itertools.product((0, 1), repeat=len(ps)):
            p1 = cond_prob(joint, {v: 1}, dict(zip(ps, vals)))
            table[vals] = {0: 1 - p1, 1: p1}
        cpts[v] = table
    return from_cpts(dag, cpts)


def _rung3(item: Item, model: Model, assume_linear_iv: bool = False):
    x, y, qt = item.treatment, item.outcome, item.query_type
    if qt in ("nde", "nie") and _all_paths_through(model.graph, x, y, set(item.mediators)):
        if qt == "nde":
            return (lambda joint: Fraction(0)), "no-direct-path", "NDE = 0: every path goes through the mediators"
        value, method, text = _ate(item, model, assume_linear_iv)
        return value, "nie=ate/" + method, text
    if qt in ("nde", "nie") and not set(item.mediators) <= set(model.projected.nodes):
        raise Unsupported("mediators without given numbers and a direct path")
    dag = _dag_for_counterfactuals(item, model)

    def value(joint):
        scm = _scm_from_joint(dag, joint)
        if qt == "ett":
            return scm.ett(x, y)
        if qt == "nde":
            return scm.nde(x, item.mediators, y)
        return scm.nie(x, item.mediators, y)
    return value, "scm", f"from_cpts on {sorted(dag.directed)}"


def compute(item: Item, assume_linear_iv: bool = False):
    """(value, method, text, determined: bool) for a numeric query type."""
    qt, x, y = item.query_type, item.treatment, item.outcome
    extra = tuple(item.mediators) if qt in ("nde", "nie") else ()
    if qt == "exp_away":
        extra = (item.collider,)
    model = Model(item, extra)
    if qt == "marginal":
        value, method, text = (lambda j: j.marginal({y: 1})), "joint", f"P({y}=1)"
    elif qt == "correlation":
        value, method, text = (lambda j: cond_prob(j, {y: 1}, {x: 1}) - cond_prob(j, {y: 1}, {x: 0})), \
            "joint", f"P({y}=1|{x}=1) - P({y}=1|{x}=0)"
    elif qt == "exp_away":
        c = item.collider
        value, method, text = (lambda j: cond_prob(j, {y: 1}, {x: 1, c: 1}) - cond_prob(j, {y: 1}, {c: 1})), \
            "joint", f"P({y}=1|{x}=1,{c}=1) - P({y}=1|{c}=1)"
    elif qt == "ate":
        value, method, text = _ate(item, model, assume_linear_iv)
    elif qt in ("ett", "nde", "nie"):
        value, method, text = _rung3(item, model, assume_linear_iv)
    else:
        raise Unsupported(f"query type {qt}")
    primary, verdicts = None, set()
    for is_primary, joint in model.completions():
        v = value(joint)
        if is_primary:
            primary = v
        verdicts.add(_sign(v))
    return primary, method, text, len(verdicts) == 1


def _sign(v) -> int:
    return 0 if abs(v) <= ZERO else (1 if v > 0 else -1)


def decide(item: Item, value) -> str:
    qt, pol = item.query_type, item.polarity
    if qt == "marginal":
        return "yes" if (value > HALF) == pol else "no"
    s = _sign(value)
    if s == 0:
        return "no"
    if qt == "ett":
        return "yes" if (s > 0) != pol else "no"
    return "yes" if (s > 0) == pol else "no"


# ---------------------------------------------------------------------- deterministic counterfactuals


def parse_formula(text: str):
    """A boolean formula (names, 0, 1, not, and, or, parentheses) as a function of a mapping,
    and the set of names it reads. Raises ValueError on anything else. The translator is
    program.py's (`mechanism`, to Scientia syntax), evaluated by the causal core's evaluator."""
    from engine.causal.program import value_of
    from .mechanism import ProgramError, mechanism
    try:
        f = mechanism(text)
    except ProgramError as e:
        raise ValueError(str(e)) from None
    names = {n for n in re.findall(r"[A-Za-z_]\w*", text) if n not in ("and", "or", "not")}
    lower = {n.lower(): n for n in names}
    if isinstance(f, bool):
        return (lambda a, k=int(f): k), names
    return (lambda a: int(bool(value_of(f, {low: bool(a[n]) for low, n in lower.items()})))), names


_DET_QUERY = re.compile(r"^\s*(\w+)_\{\s*(\w+)\s*=\s*([01])\s*\}\s*=\s*([01])\s*\|(.*)$")

def det_counterfactual(item: Item):
    """(verdict for the formal form's event, verdict for outcome = 1)."""
    m = _DET_QUERY.match(item.formal_form)
    if not m:
        raise Unsupported(f"det-counterfactual formal form {item.formal_form!r}")
    y, x, a, target = m.group(1), m.group(2), int(m.group(3)), int(m.group(4))
    nodes = list(full_graph(item).nodes)
    equations, exogenous = {}, {}
    for line in item.mechanisms.splitlines():
        if not line.strip():
            continue
        v, eq, rhs = line.partition("=")
        v = v.strip()
        if not eq or v not in nodes:
            raise Unsupported(f"mechanism line {line!r}")
        if rhs.strip() in ("0", "1") and v in item.evidence:
            continue   # the evidence, stated again
        f, names = parse_formula(rhs)
        equations[v] = Equation(tuple(sorted(names)), (), f)
    for v in nodes:
        if v not in equations:
            exogenous[f"U_{v}"] = (0, 1)
            equations[v] = Equation((), (f"U_{v}",), lambda u, k=f"U_{v}": u[k])
    scm = SCM({v: (0, 1) for v in nodes}, exogenous, equations)
    evidence = dict(item.evidence) or None
    asked = scm.counterfactual({y: target}, {x: a}, evidence)
    one = scm.counterfactual({y: 1}, {x: a}, evidence)
    return asked, one


# ---------------------------------------------------------------------- one question
def answer(item: Item, assume_linear_iv: bool = False) -> dict:
    """The record of one question: prediction in yes/no/unknown, value, method, reason."""
    rec = {"index": item.index, "question_id": item.question_id, "desc_id": item.desc_id,
           "query_type": item.query_type, "rung": item.rung, "graph_id": item.graph_id,
           "answer": item.answer, "groundtruth": item.groundtruth,
           "prediction": "unknown", "value": None, "method": None, "reason": None, "estimand": None}
    qt = item.query_type
    try:
        if qt == "backadj":
            g = full_graph(item)
            ok = [is_backdoor_set(g, item.treatment, item.outcome, s) for s in item.method_sets]
            rec["method"] = "backdoor"
            rec["value"] = [list(s) for s, k in zip(item.method_sets, ok) if k]
            if ok[0] == ok[1]:
                raise Unsupported("both or neither method adjusts by a back-door set")
            rec["prediction"] = "yes" if ok[0] and not ok[1] else "no"
        elif qt == "collider_bias":
            g = full_graph(item)
            effect = item.treatment in g.ancestors(item.outcome)
            rec["method"] = "ancestry"
            if effect:
                raise Unsupported("treatment is an ancestor of the outcome: the effect needs numbers")
            rec["value"] = 0.0
            rec["prediction"] = "yes" if effect == item.polarity else "no"
        elif qt == "det-counterfactual":
            asked, one = det_counterfactual(item)
            rec["method"] = "deterministic-scm"
            rec["value"] = {Verdict.TRUE: 1, Verdict.FALSE: 0}.get(asked)   # the asked event's truth
            rec["prediction"] = {Verdict.TRUE: "yes", Verdict.FALSE: "no"}.get(asked, "unknown")
            if asked == Verdict.UNKNOWN:
                rec["reason"] = "counterfactual not determined by the evidence"
        else:
            value, method, text, determined = compute(item, assume_linear_iv)
            rec.update(method=method, estimand=text, value=float(value), exact=str(value))
            if determined:
                rec["prediction"] = decide(item, value)
            else:
                rec["reason"] = "underdetermined: the answer depends on numbers not given"
    except Unsupported as exc:
        rec["reason"] = f"unsupported: {exc}"
    except (PositivityError, ZeroDivisionError) as exc:
        rec["reason"] = f"positivity: {exc}"
    rec["correct"] = rec["prediction"] == item.answer
    rec["numeric_ok"] = numeric_ok(rec["value"], item.groundtruth)
    return rec


def numeric_ok(value, truth):
    """True/False when the question has a numeric (or set) ground truth, None otherwise."""
    if isinstance(truth, str) or truth is None:
        return None
    if isinstance(truth, list):
        return value is not None and sorted(truth) in [sorted(s) for s in value]
    if value is None:
        return False
    if isinstance(value, list):
        return None
    diff = abs(float(value) - float(truth))
    return diff <= 1e-6 or diff <= 1e-6 * abs(float(truth))


# ---------------------------------------------------------------------- the run
def summarize(records: list[dict]) -> dict:
    groups = defaultdict(list)
    for r in records:
        groups["all"].append(r)
        groups[f"rung {r['rung']}"].append(r)
        groups[r["query_type"]].append(r)
    def acc(rs):
        return {"accuracy": round(sum(r["correct"] for r in rs) / len(rs), 4) if rs else None, "n": len(rs)}
    def num(rs):
        rs = [r for r in rs if r["numeric_ok"] is not None]
        return {"share": round(sum(r["numeric_ok"] for r in rs) / len(rs), 4) if rs else None, "n": len(rs)}
    order = ["all"] + sorted(k for k in groups if k.startswith("rung")) + \
        sorted(k for k in groups if k != "all" and not k.startswith("rung"))
    return {
        "accuracy": {k: acc(groups[k]) for k in order},
        "numeric": {k: num(groups[k]) for k in order},
        "unknown_reasons": dict(Counter(re.sub(r"\(.*", "", r["reason"] or "?")[:90]
                                        for r in records if r["prediction"] == "unknown")),
        "methods": dict(Counter(f"{r['query_type']}:{r['method']}" for r in records)),
    }


def run(items: list[Item], assume_linear_iv: bool = False) -> tuple[list[dict], dict]:
    records = [answer(it, assume_linear_iv) for it in items]
    return records, summarize(records)


def table(summary: dict) -> str:
    lines = [f"{'category':<22}{'accuracy':>10}{'n':>6}{'numeric':>10}{'n':>6}"]
    for k, a in summary["accuracy"].items():
        nm = summary["numeric"][k]
        share = "-" if nm["share"] is None else f"{nm['share']:.3f}"
        lines.append(f"{k:<22}{a['accuracy']:>10.3f}{a['n']:>6}{share:>10}{nm['n']:>6}")
    return "\n".join(lines)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cladder", required=True, help="folder with questions.json and models.json")
    ap.add_argument("--out", default="evals/report/cladder", help="folder for report.json and details.jsonl")
    ap.add_argument("--assume-linear-iv", action="store_true",
                    help="answer a non-identifiable effect with an instrument by the Wald ratio (a parametric "
                         "assumption beyond the graph: off by default, those questions are unknown)")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    items = load(args.cladder)
    records, summary = run(items, args.assume_linear_iv)
    elapsed = time.perf_counter() - start
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {"causal": {"scientia (causal core)": {**summary["accuracy"],
                                                    "numeric": summary["numeric"],
                                                    "unknown_reasons": summary["unknown_reasons"],
                                                    "methods": summary["methods"],
                                                    "seconds": round(elapsed, 2)}}}
    (out / "report.json").write_text(json.dumps(report, indent=1))
    with open(out / "details.jsonl", "w") as fh:
        for r in records:
            fh.write(json.dumps(r, default=str) + "\n")
    print(table(summary))
    print("unknown:", json.dumps(summary["unknown_reasons"], indent=1))
    print(f"{len(records)} questions in {elapsed:.1f} s; report in {out}")
    return report
