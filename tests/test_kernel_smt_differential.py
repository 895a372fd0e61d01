"""The kernel's own z3 writer (engine/kernel/smt.py) against the search's translator
(engine/smt/solver.py): random small typed formulas over enum, named-individual, range, open,
int and real sorts, with functions, arithmetic (division by zero included), comparisons and
quantifiers, get the same entailment verdict from both (unknowns aside)."""
from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings, strategies as st

from engine.language import syntax as S
from engine.kernel import smt
from engine.language.signature import Signature, Sort
from engine.smt.solver import entails

SIG = Signature(
    sorts={"person": Sort("person", "closed", ("ann", "bob")), "color": Sort("color", "enum", ("red", "green")),
           "lvl": Sort("lvl", "range", (0, 1, 2)), "obj": Sort("obj", "open"),
           "int": Sort("int", "int"), "real": Sort("real", "real")},
    preds={"p": ("person",), "q": ("person", "color"), "s": ("lvl",), "r": ("obj",), "w": ("real",),
           "flag": ()},
    funs={"age": (("person",), "int"), "best": (("obj",), "obj"), "rank": (("person",), "lvl")},
    consts={"ann": "person", "bob": "person", "red": "color", "green": "color", "o1": "obj", "o2": "obj"},
)
CONSTS = {"person": ["ann", "bob"], "color": ["red", "green"], "obj": ["o1", "o2"]}


def term(draw, sort, env):
    """A term of the sort: a constant, a bound variable, or a function application."""
    choices = [n for n, s in env.items() if s == sort]
    if sort in CONSTS:
        options = [S.Const(c) for c in CONSTS[sort]] + [S.Var(n) for n in choices]
        if sort == "obj":
            options.append(S.Fn("best", (S.Const(draw(st.sampled_from(CONSTS["obj"]))),)))
        return draw(st.sampled_from(options))
    if sort == "lvl":
        return draw(st.sampled_from([S.Num(0), S.Num(1), S.Num(2), S.Fn("rank", (S.Const("bob"),))]
                                    + [S.Var(n) for n in choices]))
    person = term(draw, "person", env)
    leaves = [S.Fn("age", (person,)), S.Num(draw(st.integers(-2, 3))), S.Num(Fraction(draw(st.integers(-3, 3)), 2))]
    leaves += [S.Var(n) for n, s in env.items() if s in ("lvl",)]
    a, b = draw(st.sampled_from(leaves)), draw(st.sampled_from(leaves))
    return draw(st.sampled_from([a, S.Op("+", (a, b)), S.Op("*", (a, b)), S.Op("/", (a, b)),
                                 S.Op("/", (a, S.Num(0))), S.Op("-", (a,))]))


def numeric(t) -> bool:
    return isinstance(t, (S.Num, S.Op)) or isinstance(t, S.Fn) and t.name in ("age", "rank")


def atom(draw, env):
    kind = draw(st.sampled_from(["p", "q", "s", "r", "w", "flag", "eq", "lt"]))
    if kind == "p":
        return S.Atom("p", (term(draw, "person", env),))
    if kind == "q":
        return S.Atom("q", (term(draw, "person", env), term(draw, "color", env)))
    if kind == "s":
        return S.Atom("s", (term(draw, "lvl", env),))
    if kind == "r":
        return S.Atom("r", (term(draw, "obj", env),))
    if kind == "w":
        t = term(draw, "real", env)
        return S.Atom("w", (t,))
    if kind == "flag":
        return S.Atom("flag", ())
    if kind == "eq":
        sort = draw(st.sampled_from(["person", "color", "obj", "real"]))
        return S.Cmp(draw(st.sampled_from(["=", "!="])), term(draw, sort, env), term(draw, sort, env))
    return S.Cmp(draw(st.sampled_from(["<", "<=", ">", ">="])), term(draw, "real", env), term(draw, "real", env))


@st.composite
def formulas(draw, depth=3, env=None):
    env = env or {}
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return atom(draw, env)
    kind = draw(st.sampled_from(["not", "and", "or", "imp", "iff", "all", "some"]))
    if kind in ("all", "some"):
        sort = draw(st.sampled_from(["person", "color", "lvl", "obj"]))
        name = f"V{len(env)}"
        body = draw(formulas(depth - 1, {**env, name: sort}))
        return S.Quant("forall" if kind == "all" else "exists", ((name, sort),), body)
    a = draw(formulas(depth - 1, env))
    if kind == "not":
        return S.Not(a)
    b = draw(formulas(depth - 1, env))
    return {"and": S.And((a, b)), "or": S.Or((a, b)), "imp": S.Implies(a, b), "iff": S.Iff(a, b)}[kind]


@settings(max_examples=200, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(premises=st.lists(formulas(), min_size=0, max_size=2), claim=formulas())
def test_the_kernels_writer_and_the_searchs_translator_agree(premises, claim):
    search = entails(SIG, premises, claim, 2000).status
    kernel = smt.entails(SIG, premises, claim, 2000).status
    if "unknown" in (search, kernel):
        return
    assert search == kernel, (premises, claim)


def test_the_writer_reads_the_languages_semantics():
    """Fixed points the differential test cannot see if both sides were wrong the same way."""
    def follows(premises, claim):
        return smt.entails(SIG, premises, claim, 5000).status == "unsat"
    p = lambda c: S.Atom("p", (S.Const(c),))
    r = lambda c: S.Atom("r", (S.Const(c),))
    assert follows([p("ann"), p("bob")], S.Quant("forall", (("X", "person"),), S.Atom("p", (S.Var("X"),))))
    assert not follows([r("o1"), r("o2")], S.Quant("forall", (("X", "obj"),), S.Atom("r", (S.Var("X"),))))
    assert follows([], S.Cmp("!=", S.Const("ann"), S.Const("bob")))            # named individuals differ
    assert not follows([], S.Cmp("!=", S.Const("o1"), S.Const("o2")))          # open constants may be equal
    assert follows([], S.Cmp("=", S.Op("/", (S.Num(1), S.Num(0))), S.Num(0)))  # x / 0 = 0
    assert not follows([], S.Cmp("=", S.Op("/", (S.Num(1), S.Num(0))), S.Num(1)))
    assert follows([], S.Cmp("=", S.Op("/", (S.Num(1), S.Num(2))), S.Num(Fraction(1, 2))))   # exact division
    assert follows([], S.Cmp("<=", S.Fn("rank", (S.Const("ann"),)), S.Num(2)))  # a range function stays in range
    assert not follows([S.Or((p("ann"), p("bob")))], p("bob"))
    assert follows([S.Or((p("ann"), p("bob"))), S.Not(p("ann"))], p("bob"))
