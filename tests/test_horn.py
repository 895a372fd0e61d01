"""The Horn core: small programs with known models, errors, and properties
checked against a naive fixpoint written here with plain loops, and against clingo."""
from __future__ import annotations

import itertools
import re
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.horn.core import HornError, HornRule, saturate
from engine.horn.magic import solve
from engine.language.syntax import Const, Num, Op, Var


# ---------------------------------------------------------------- a tiny notation for tests
def term(text):
    """'X' -> Var, 'a' -> Const, '3' -> Num."""
    text = text.strip()
    if re.fullmatch(r"-?\d+", text):
        return Num(int(text))
    return Var(text) if text[0].isupper() or text[0] == "_" else Const(text)


def atom(text):
    m = re.fullmatch(r"\s*(\w+)\s*(?:\((.*)\))?\s*", text)
    args = tuple(term(a) for a in m.group(2).split(",")) if m.group(2) else ()
    return m.group(1), args


def lit(text):
    if isinstance(text, tuple):
        return text
    if text.strip().startswith("not "):
        return ("neg",) + atom(text.strip()[4:])
    return ("pos",) + atom(text)


def cmp(op, left, right):
    wrap = lambda t: term(t) if isinstance(t, str) else t
    return ("cmp", op, wrap(left), wrap(right))


def add(a, b):
    return Op("+", (term(a), term(b)))


def rules(*texts):
    """Rules written 'head :- lit; lit; ...' (';' separates literals), or tuples."""
    out = []
    for i, r in enumerate(texts):
        if isinstance(r, tuple):
            head, body = r
        else:
            head, _, body = r.partition(":-")
            body = [b for b in body.split(";") if b.strip()]
        out.append(HornRule(atom(head), tuple(lit(b) for b in body), i))
    return out


def model_of(m, preds):
    return {p: set(m.tuples(p)) for p in preds}


def chain(n):
    return {(f"n{i}", f"n{i + 1}") for i in range(n - 1)}


RIGHT = rules("path(X, Y) :- edge(X, Y)", "path(X, Z) :- edge(X, Y); path(Y, Z)")
LEFT = rules("path(X, Y) :- edge(X, Y)", "path(X, Z) :- path(X, Y); edge(Y, Z)")
DOUBLE = rules("path(X, Y) :- edge(X, Y)", "path(X, Z) :- path(X, Y); path(Y, Z)")


# ---------------------------------------------------------------- tables
CYCLE = {"edge": {("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")}}
CYCLE_PATH = {(x, y) for x in "abc" for y in "abcd"}

TABLE = [
    ("right recursion", RIGHT, CYCLE, {"path": CYCLE_PATH}),
    ("left recursion", LEFT, CYCLE, {"path": CYCLE_PATH}),
    ("double recursion", DOUBLE, CYCLE, {"path": CYCLE_PATH}),
    ("constants in body", rules("from_a(Y) :- edge(a, Y)"), CYCLE, {"from_a": {("b",)}}),
    ("repeated variable", rules("loop(X) :- path(X, X)", *[
        f"{h} :- {b}" for h, b in [("path(X, Y)", "edge(X, Y)"), ("path(X, Z)", "edge(X, Y); path(Y, Z)")]]),
     CYCLE, {"loop": {("a",), ("b",), ("c",)}}),
    ("ground rule and nullary", rules("p(a) :-", "flag :- p(a)", "other :- p(b)"), {},
     {"p": {("a",)}, "flag": {()}, "other": set()}),
    ("mutual recursion", rules("even(z) :-", "even(Y) :- succ(X, Y); odd(X)",
                               "odd(Y) :- succ(X, Y); even(X)"),
     {"succ": {("z", "s1"), ("s1", "s2"), ("s2", "s3")}},
     {"even": {("z",), ("s2",)}, "odd": {("s1",), ("s3",)}}),
    ("same generation", rules("sg(X, Y) :- par(X, P); par(Y, P)",
                              "sg(X, Y) :- par(X, A); sg(A, B); par(Y, B)"),
     {"par": {("b", "a"), ("c", "a"), ("d", "b"), ("e", "c")}},
     {"sg": {(x, y) for x in "bc" for y in "bc"} | {(x, y) for x in "de" for y in "de"}}),
    ("stratified negation", rules("reach(X) :- start(X)", "reach(Y) :- reach(X); edge(X, Y)",
                                  "unreached(X) :- node(X); not reach(X)",
                                  "has_edge(X) :- edge(X, _)",
                                  "isolated(X) :- node(X); not has_edge(X)"),
     {"start": {("a",)}, "edge": {("a", "b"), ("c", "d")},
      "node": {("a",), ("b",), ("c",), ("d",)}},
     {"reach": {("a",), ("b",)}, "unreached": {("c",), ("d",)},
      "isolated": {("b",), ("d",)}}),
    ("comparisons", rules(("big(X)", [lit("val(X, N)"), cmp(">", "N", "5")]),
                          ("eq3(X)", [lit("item(X)"), cmp("=", "X", "3")]),
                          ("small(X)", [lit("item(X)"), cmp("<", "X", "5")]),
                          ("differ(X, Y)", [lit("item(X)"), lit("item(Y)"), cmp("!=", "X", "Y")])),
     {"val": {("a", 3), ("b", 7), ("c", Fraction(11, 2))}, "item": {("a",), (3,)}},
     {"big": {("b",), ("c",)}, "eq3": {(3,)}, "small": {(3,)}, "differ": {("a", 3), (3, "a")}}),
    ("assignment", rules(("next(X, Y)", [lit("num(X)"), cmp("=", "Y", add("X", "1"))]),
                         ("half(X, Y)", [lit("num(X)"), cmp("=", Op("/", (term("X"), Num(2))), "Y")]),
                         ("inv(X, Y)", [lit("num(X)"), cmp("=", "Y", Op("/", (Num(1), term("X"))))]),
                         ("neg(X, Y)", [lit("num(X)"), cmp("=", "Y", Op("-", (term("X"),)))]),
                         ("chained(X, Z)", [cmp("=", "Z", Op("*", (term("Y"), Num(2)))),
                                            cmp("=", "Y", add("X", "1")), lit("num(X)")])),
     {"num": {(0,), (1,), ("k",)}},
     {"next": {(0, 1), (1, 2)}, "half": {(0, 0), (1, Fraction(1, 2))}, "inv": {(0, 0), (1, 1)},   # 1 / 0 = 0
      "neg": {(0, 0), (1, -1)}, "chained": {(0, 2), (1, 4)}}),
    ("bounded counting", rules("count(0) :-", ("count(Y)", [lit("count(X)"), cmp("<", "X", "5"),
                                                         cmp("=", "Y", add("X", "1"))])),
     {}, {"count": {(i,) for i in range(6)}}),
]


@pytest.mark.parametrize("name, program, facts, expected", TABLE, ids=[t[0] for t in TABLE])
def test_table(name, program, facts, expected):
    m = saturate(program, facts)
    assert model_of(m, expected) == expected
    check_derivations(program, m, [(p, t) for p in expected for t in expected[p]], facts)


def test_facts_are_not_mutated_and_base_facts_have_no_derivation():
    facts = {"edge": {("a", "b")}, "path": {("a", "b")}}
    m = saturate(RIGHT, facts)
    assert facts == {"edge": {("a", "b")}, "path": {("a", "b")}}
    assert m.derivation("path", ("a", "b")) is None
    assert m.derivation("path", ("x", "y")) is None
    assert m.facts_count() == 2


def test_match_uses_patterns():
    m = saturate(RIGHT, CYCLE)
    assert set(m.match("path", ("a", None))) == {("a", y) for y in "abcd"}
    assert set(m.match("path", (None, "d"))) == {(x, "d") for x in "abc"}
    assert list(m.match("path", ("d", "a"))) == []
    assert list(m.match("path", ("a", "d"))) == [("a", "d")]
    assert m.contains("path", ("a", "a")) and not m.contains("path", ("d", "a"))
    assert list(m.match("nothing", (None,))) == []


def test_long_chain_derivation_is_well_founded():
    m = saturate(RIGHT, {"edge": chain(300)})
    assert m.size("path") == 300 * 299 // 2
    steps = check_derivations(RIGHT, m, [("path", ("n0", "n299"))], {"edge": chain(300)})
    assert steps == 299 + 299


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("program, words", [
    (rules("p(X) :- q(Y)"), ["unsafe", "X"]),
    (rules("p(X) :- q(X); not r(Y)"), ["unsafe", "Y"]),
    (rules(("p(X)", [lit("q(X)"), cmp(">", "Y", "3")])), ["unsafe", "Y"]),
    (rules(("p(X)", [lit("q(X)"), cmp("=", "Y", "Z")])), ["unsafe"]),
    (rules("p(X) :-"), ["unsafe", "X"]),
    (rules("p(X) :- q(X); not p(X)"), ["cycle", "p -> not p"]),
    (rules("p(X) :- q(X); not r(X)", "r(X) :- s(X)", "s(X) :- q(X); p(X)"),
     ["cycle", "p -> not r -> s -> p"]),
], ids=["head", "negation", "comparison", "equality of unbound", "empty body", "self", "cycle"])
def test_horn_errors(program, words):
    with pytest.raises(HornError) as info:
        saturate(program, {"q": {("a",)}})
    for w in words:
        assert w in str(info.value)


def test_assignment_makes_a_rule_safe():
    program = rules(("p(Y)", [lit("q(X)"), cmp("=", "Y", add("X", "1"))]))
    assert set(saturate(program, {"q": {(1,)}}).tuples("p")) == {(2,)}


# ---------------------------------------------------------------- goal-directed queries
def test_solve_chain_point_query_computes_little():
    facts = {"edge": chain(500)}
    for program in (RIGHT, LEFT):
        m = solve(program, facts, "path", ("n0", "n499"))
        assert list(m.match("path", ("n0", "n499"))) == [("n0", "n499")]
        assert m.facts_count() < 2000
        check_derivations(program, m, [("path", ("n0", "n499"))], facts)
    m = solve(LEFT, facts, "path", ("n0", None))
    assert len(set(m.match("path", ("n0", None)))) == 499
    assert m.facts_count() < 2000


def test_solve_with_negation_and_comparisons():
    program = TABLE[8][1]
    facts = TABLE[8][2]
    m = solve(program, facts, "unreached", (None,))
    assert set(m.match("unreached", (None,))) == {("c",), ("d",)}
    m = solve(program, facts, "unreached", ("c",))
    assert set(m.match("unreached", ("c",))) == {("c",)}
    d = m.derivation("unreached", ("c",))
    assert d.rule_index == 2 and d.absent == (("reach", ("c",)),)


# ---------------------------------------------------------------- checking derivations
def holds(op, a, b):
    if op == "=":
        return a == b
    if op == "!=":
        return a != b
    if isinstance(a, str) or isinstance(b, str):
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def value(t, env):
    if isinstance(t, Var):
        return env[t.name]
    if isinstance(t, Const):
        return t.name
    if isinstance(t, Num):
        return t.value
    args = [value(a, env) for a in t.args]
    if any(isinstance(a, str) or a is None for a in args):
        return None
    if len(args) == 1:
        return -args[0]
    a, b = args
    if t.op == "/":
        return 0 if b == 0 else Fraction(a) / b      # the language's total division: x / 0 = 0
    return {"+": a + b, "-": a - b, "*": a * b}[t.op]


def instance(args, env):
    return tuple(value(a, env) for a in args)


def check_step(program, m, pred, tup, d):
    """d really is an instance of its rule whose premises hold."""
    rule = next(r for r in program if r.index == d.rule_index)
    env = d.subst
    assert rule.head[0] == pred and instance(rule.head[1], env) == tup
    pos = [l for l in rule.body if l[0] == "pos"]
    neg = [l for l in rule.body if l[0] == "neg"]
    assert [(l[1], instance(l[2], env)) for l in pos] == list(d.premises)
    assert [(l[1], instance(l[2], env)) for l in neg] == list(d.absent)
    for l in rule.body:
        if l[0] == "cmp":
            a, b = value(l[2], env), value(l[3], env)
            assert a is not None and b is not None and holds(l[1], a, b)
    for p, t in d.premises:
        assert m.contains(p, t)
    for p, t in d.absent:
        assert not m.contains(p, t)


def check_derivations(program, m, roots, facts):
    """Follow derivations from roots down to base facts; no cycles. Returns steps."""
    done, on_path, steps = set(), set(), 0
    for root in roots:
        stack = [(root, False)]
        while stack:
            (pred, tup), leaving = stack.pop()
            if leaving:
                on_path.discard((pred, tup)); done.add((pred, tup))
                continue
            assert (pred, tup) not in on_path, f"cyclic derivation through {pred}{tup}"
            if (pred, tup) in done:
                continue
            assert m.contains(pred, tup)
            d = m.derivation(pred, tup)
            steps += 1
            if d is None:
                assert tup in facts.get(pred, ()), f"{pred}{tup} has no derivation"
                done.add((pred, tup))
                continue
            check_step(program, m, pred, tup, d)
            on_path.add((pred, tup))
            stack.append(((pred, tup), True))
            stack.extend((p, False) for p in d.premises)
    return steps


# ---------------------------------------------------------------- random programs
VALUES = ["a", "b", 1, 2]
VARS = ["X", "Y", "Z"]


@st.composite
def programs(draw, negation=True, comparisons=True):
    """2-4 predicates of arity <= 2 over 2-4 values; levels keep negation stratified."""
    n_edb, n_idb = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    arity = {f"e{i}": draw(st.integers(1, 2)) for i in range(n_edb)}
    arity.update({f"p{i}": draw(st.integers(0, 2)) for i in range(n_idb)})
    values = VALUES[:draw(st.integers(2, 4))]
    facts = {p: set(draw(st.lists(st.tuples(*[st.sampled_from(values)] * arity[p]), min_size=1, max_size=6)))
             for p in arity if p.startswith("e")}
    level = {p: (-1 if p.startswith("e") else int(p[1:])) for p in arity}
    program = [draw(_rule(arity, level, values, i, negation, comparisons))
               for i in range(draw(st.integers(1, 5)))]
    return program, facts, arity


@st.composite
def _rule(draw, arity, level, values, index, negation, comparisons):
    head = draw(st.sampled_from(sorted(p for p in arity if level[p] >= 0)))
    var = st.sampled_from(VARS).map(Var)
    arg = st.one_of(var, var, var, st.sampled_from(values).map(_const))
    usable = sorted(p for p in arity if level[p] <= level[head])
    body = [("pos", p, tuple(draw(arg) for _ in range(arity[p])))
            for p in draw(st.lists(st.sampled_from(usable), min_size=1, max_size=3))]
    bound = sorted({a.name for _, _, args in body for a in args if isinstance(a, Var)})
    lower = sorted(p for p in arity if level[p] < level[head])
    bound_arg = st.sampled_from(bound).map(Var) if bound else st.sampled_from(values).map(_const)
    mixed = st.one_of(bound_arg, st.sampled_from(values).map(_const))
    if negation and lower and draw(st.booleans()):
        p = draw(st.sampled_from(lower))
        body.append(("neg", p, tuple(draw(mixed) for _ in range(arity[p]))))
    if comparisons and bound and draw(st.booleans()):
        body.append(("cmp", draw(st.sampled_from(["=", "!=", "<", ">="])), draw(bound_arg), draw(mixed)))
    if comparisons and bound and draw(st.booleans()):
        body.append(("cmp", "=", Var("W"), draw(mixed)))          # an assignment
        bound = bound + ["W"]
        mixed = st.one_of(st.sampled_from(bound).map(Var), st.sampled_from(values).map(_const))
    head_args = tuple(draw(mixed) for _ in range(arity[head]))
    return HornRule((head, head_args), tuple(draw(st.permutations(body))), index)


def _const(v):
    return Const(v) if isinstance(v, str) else Num(v)


def naive_model(program, facts, arity):
    """The reference: stratum by stratum, every substitution over the active domain,
    until nothing changes. No indexes, no join order, no delta."""
    model = {p: set(facts.get(p, ())) for p in arity}
    domain = set(VALUES)
    for level in sorted({int(p[1:]) for p in arity if p.startswith("p")}):
        stratum = [r for r in program if int(r.head[0][1:]) == level]
        changed = True
        while changed:
            changed = False
            for r in stratum:
                names = sorted({v.name for v in _vars(r)})
                for combo in itertools.product(sorted(domain, key=str), repeat=len(names)):
                    env = dict(zip(names, combo))
                    if all(_true(l, env, model) for l in r.body):
                        t = instance(r.head[1], env)
                        if t not in model[r.head[0]]:
                            model[r.head[0]].add(t)
                            changed = True
    return model


def _vars(r):
    out = [a for a in r.head[1] if isinstance(a, Var)]
    for l in r.body:
        args = l[2] if l[0] != "cmp" else (l[2], l[3])
        out += [a for a in args if isinstance(a, Var)]
    return out


def _true(l, env, model):
    if l[0] == "pos":
        return instance(l[2], env) in model[l[1]]
    if l[0] == "neg":
        return instance(l[2], env) not in model[l[1]]
    return holds(l[1], value(l[2], env), value(l[3], env))


SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(programs())
def test_saturate_agrees_with_naive_fixpoint(case):
    program, facts, arity = case
    m = saturate(program, facts)
    expected = naive_model(program, facts, arity)
    assert model_of(m, arity) == expected
    check_derivations(program, m, [(p, t) for p in expected for t in expected[p]], facts)


@SETTINGS
@given(programs(), st.data())
def test_solve_matches_full_model(case, data):
    program, facts, arity = case
    expected = naive_model(program, facts, arity)
    pred = data.draw(st.sampled_from(sorted(arity)))
    pattern = tuple(data.draw(st.one_of(st.none(), st.sampled_from(VALUES))) for _ in range(arity[pred]))
    m = solve(program, facts, pred, pattern)
    matching = {t for t in expected[pred] if all(v is None or v == x for v, x in zip(pattern, t))}
    assert set(m.match(pred, pattern)) == matching
    check_derivations(program, m, [(pred, t) for t in matching], facts)


# ---------------------------------------------------------------- differential: clingo
def _asp_term(a):
    if isinstance(a, Var):
        return a.name
    return str(a.value) if isinstance(a, Num) else a.name


def _asp_atom(pred, args):
    return f"{pred}({','.join(_asp_term(a) for a in args)})" if args else pred


def to_asp(program, facts):
    lines = [_asp_atom(p, [_const(v) for v in t]) + "." for p, ts in facts.items() for t in ts]
    for r in program:
        body = ", ".join(_asp_atom(l[1], l[2]) for l in r.body)
        lines.append(f"{_asp_atom(*r.head)} :- {body}.")
    return "\n".join(lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(negation=False, comparisons=False))
def test_agrees_with_clingo(case):
    clingo = pytest.importorskip("clingo")
    program, facts, arity = case
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], to_asp(program, facts))
    ctl.ground([("base", [])])
    found = {}
    ctl.solve(on_model=lambda mdl: found.update(atoms=mdl.symbols(atoms=True)))
    theirs = {p: set() for p in arity}
    for s in found["atoms"]:
        theirs[s.name].add(tuple(a.number if a.type == clingo.SymbolType.Number else a.name
                                 for a in s.arguments))
    assert model_of(saturate(program, facts), arity) == theirs

