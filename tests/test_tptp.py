"""TPTP FOF/CNF/TFF → Scientia statements (engine/language/tptp.py, grammar/tptp.lark)."""
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from engine.errors import ParseError, UsageError
from engine.language.parse import parse_statement
from engine.language.syntax import (And, Atom, Axiom, Cmp, Const, ConstDecl, Fn, FunDecl, Iff, Implies, Not,
                                    Num, Op, Or, PredDecl, Quant, Query, TypeDecl, Var, show)
from engine.language.tptp import TRUE, load_tptp, parse_tptp

HERE = Path(__file__).parent / "tptp"
NO_ENV: dict = {}
IOTA = TypeDecl("iota", "open")
X, Y = Var("X"), Var("Y")


def parse(text, **kw):
    return parse_tptp(text, "t.p", env=NO_ENV, **kw)


def p(*args):
    return Atom("p", args)


def q(*args):
    return Atom("q", args)


def forall(names, body):
    return Quant("forall", tuple((n, "iota") for n in names), body)


def axiom_formula(formula_text):
    """The formula of `fof(a, axiom, formula_text).`, the declarations dropped."""
    stmts = parse(f"fof(a, axiom, {formula_text}).")
    assert isinstance(stmts[-1], Axiom)
    return stmts[-1].formula


# ---------------------------------------------------------------- formulas
@pytest.mark.parametrize("text, expected", [
    ("p", Atom("p")),
    ("p(a)", p(Const("a"))),
    ("~ p", Not(p())),
    ("p & q & r", And((p(), q(), Atom("r")))),
    ("p | q | r", Or((p(), q(), Atom("r")))),
    ("(p & q) & r", And((And((p(), q())), Atom("r")))),
    ("p => q", Implies(p(), q())),
    ("p <= q", Implies(q(), p())),
    ("p <=> q", Iff(p(), q())),
    ("p <~> q", Not(Iff(p(), q()))),
    ("p ~| q", Not(Or((p(), q())))),
    ("p ~& q", Not(And((p(), q())))),
    ("~ p & q", And((Not(p()), q()))),
    ("$true", TRUE),
    ("$false", Not(TRUE)),
    ("! [X, Y] : p(X, Y)", forall("XY", p(X, Y))),
    ("? [X] : ! [Y] : p(X, Y)", Quant("exists", (("X", "iota"),), forall("Y", p(X, Y)))),
    ("! [X] : p(X) & q", And((forall("X", p(X)), q()))),
    ("! [X] : (p(X) & q)", forall("X", And((p(X), q())))),
    ("! [X] : f(X) = g(X, X)", forall("X", Cmp("=", Fn("f", (X,)), Fn("g", (X, X))))),
    ("$distinct(a, b)", Cmp("!=", Const("a"), Const("b"))),
    ("$distinct(a, b, c)", And((Cmp("!=", Const("a"), Const("b")), Cmp("!=", Const("a"), Const("c")),
                                Cmp("!=", Const("b"), Const("c"))))),
    ("! [X] : ~ X != f(X)", forall("X", Not(Cmp("!=", X, Fn("f", (X,)))))),
])
def test_fof_formulas(text, expected):
    assert axiom_formula(text) == expected


@pytest.mark.parametrize("text, name", [
    ("'Socrates'", "Socrates"), ("'not'", "not"), ("'it\\'s'", "it's"), ("'a\\\\b'", "a\\b"),
    ("'New York'", "New York"), ("'abc'", "abc"),
])
def test_quoted_names_keep_their_text(text, name):
    assert axiom_formula(f"{text}") == Atom(name)
    assert PredDecl(name, ()) in parse(f"fof(a, axiom, {text}).")


def test_socrates_statements_in_order():
    assert load_tptp(HERE / "socrates.p", env=NO_ENV) == [
        IOTA, PredDecl("man", ("iota",)), PredDecl("mortal", ("iota",)), ConstDecl(("socrates",), "iota"),
        Axiom(forall("X", Implies(Atom("man", (X,)), Atom("mortal", (X,))))),
        Axiom(Atom("man", (Const("socrates"),))),
        Query(Atom("mortal", (Const("socrates"),))),
    ]


def test_declarations_follow_first_use():
    stmts = parse("fof(a, axiom, ! [X] : (r(f(X, c)) | s)).")
    assert stmts[:5] == [IOTA, PredDecl("r", ("iota",)), FunDecl("f", ("iota", "iota"), "iota"),
                         ConstDecl(("c",), "iota"), PredDecl("s", ())]


# ---------------------------------------------------------------- roles, CNF, queries
def test_cnf_with_negated_conjecture_clauses():
    stmts = load_tptp(HERE / "refute.p", env=NO_ENV)
    man, mortal, s = (lambda t: Atom("man", (t,))), (lambda t: Atom("mortal", (t,))), Const("socrates")
    assert stmts[-3:] == [
        Axiom(forall("X", Or((Not(man(X)), mortal(X))))),
        Axiom(man(s)),
        Query(Not(And((Not(mortal(s)), forall("Y", Or((Not(mortal(Y)), Cmp("!=", Y, s)))))))),
    ]


def test_cnf_closure_orders_variables_by_first_occurrence():
    assert parse("cnf(c, axiom, p(Y, X) | q(X, Z)).")[-1] == \
        Axiom(forall(("Y", "X", "Z"), Or((p(Y, X), q(X, Var("Z"))))))


@pytest.mark.parametrize("text, expected", [
    ("cnf(c, negated_conjecture, ~ p(X)).", Query(Not(forall("X", Not(p(X)))))),
    ("fof(c, negated_conjecture, ~ p).", Query(Not(Not(p())))),
    ("fof(c, conjecture, p). fof(d, conjecture, q).", Query(And((p(), q())))),
    ("fof(c, conjecture, p). fof(d, negated_conjecture, q).", Query(Or((p(), Not(q()))))),
])
def test_queries(text, expected):
    assert parse(text)[-1] == expected


@pytest.mark.parametrize("role", ["axiom", "hypothesis", "definition", "lemma", "theorem", "assumption"])
def test_axiom_roles(role):
    assert parse(f"fof(a, {role}, p).") == [IOTA, PredDecl("p", ()), Axiom(p())]


def test_annotations_and_comments_are_ignored():
    text = """% comment with 'quotes' and fof(
    fof(a, axiom, p, inference(res, [status(thm), 1.5, "d"], [$fof(p & q), X, 'x']), [useful]). /* c */
    cnf(2, axiom, q, file('f.p', a):[1, -2])."""
    assert parse(text) == [IOTA, PredDecl("p", ()), PredDecl("q", ()), Axiom(p()), Axiom(q())]


def test_keywords_are_names_inside_formulas():
    assert parse("fof(fof, axiom, include(cnf)).")[-1] == Axiom(Atom("include", (Const("cnf"),)))


def test_tff_subset():
    stmts = parse("""tff(t1, type, person: $tType).
        tff(t2, type, age: person > $int).
        tff(t3, type, likes: (person * $i) > $o).
        tff(t4, type, (bob: person)).
        tff(a, axiom, ! [P: person, N: $int] : (($lesseq(age(P), N) & likes(P, c)) => $less($uminus(1), $sum(N, 2)))).""")
    p_, n = Var("P"), Var("N")
    assert stmts == [
        IOTA, TypeDecl("person", "open"), FunDecl("age", ("person",), "int"), PredDecl("likes", ("person", "iota")),
        ConstDecl(("bob",), "person"), ConstDecl(("c",), "iota"),
        Axiom(Quant("forall", (("P", "person"), ("N", "int")), Implies(
            And((Cmp("<=", Fn("age", (p_,)), n), Atom("likes", (p_, Const("c"))))),
            Cmp("<", Num(-1), Op("+", (n, Num(2))))))),
    ]


def test_spans_on_statements_and_atoms():
    stmts = load_tptp(HERE / "socrates.p", env=NO_ENV)
    rule, goal = stmts[4], stmts[-1]
    assert (rule.span.file, rule.span.line, rule.span.col) == (str(HERE / "socrates.p"), 4, 1)
    assert (goal.span.line, goal.formula.span.line, goal.formula.span.col) == (6, 6, 23)
    assert (stmts[1].span.line, stmts[1].span.col) == (4, 37)  # man's first use


def test_every_statement_prints_and_parses_back():
    stmts = parse("""fof(a, axiom, ! [X, Y] : ((f(X, Y) = g(X) | ~ 'Type'(X) | $false) <~> 'not'('it\\'s'))).
        cnf(b, negated_conjecture, ~ p(X) | X = c). fof(c, conjecture, ? [Z] : ~ p(Z) ~& $true).""")
    for stmt in stmts:
        assert parse_statement(show(stmt)) == stmt, show(stmt)


# ---------------------------------------------------------------- includes
def test_include_relative_to_including_file():
    stmts = load_tptp(HERE / "with_include.p", env=NO_ENV)
    assert [s.formula for s in stmts if isinstance(s, Axiom)] == [
        Atom("human", (Const("socrates"),)), Atom("greek", (Const("socrates"),)),
        forall("X", Implies(Atom("human", (X,)), Atom("mortal", (X,))))]
    assert stmts[-2].span.file == str(HERE / "Axioms" / "people.ax")


def test_include_with_name_selection():
    stmts = load_tptp(HERE / "with_selection.p", env=NO_ENV)
    assert [s.formula.pred for s in stmts if isinstance(s, Axiom) and isinstance(s.formula, Atom)] == ["human"]
    assert len([s for s in stmts if isinstance(s, Axiom)]) == 2
    assert PredDecl("greek", ("iota",)) not in stmts


def test_include_dirs_then_tptp_env():
    assert load_tptp(HERE / "uses_lib.p", include_dirs=[str(HERE / "lib")], env=NO_ENV)[-2] == Axiom(p(Const("a")))
    assert load_tptp(HERE / "uses_root.p", env={"TPTP": str(HERE / "root")})[-2] == Axiom(q(Const("b")))


def test_search_order_is_relative_then_include_dirs_then_tptp():
    root = {"TPTP": str(HERE / "root")}  # root/ has its own Axioms/people.ax and LIB001.ax
    assert Axiom(Atom("human", (Const("root"),))) not in load_tptp(HERE / "with_include.p", env=root)
    assert load_tptp(HERE / "uses_lib.p", include_dirs=[str(HERE / "lib")], env=root)[-2] == Axiom(p(Const("a")))
    assert load_tptp(HERE / "uses_lib.p", env=root)[-2] == Axiom(p(Const("root")))


def test_tptp_env_is_read_at_call_time(monkeypatch):
    with pytest.raises(ParseError):
        load_tptp(HERE / "uses_root.p")
    monkeypatch.setenv("TPTP", str(HERE / "root"))
    assert load_tptp(HERE / "uses_root.p")[-2] == Axiom(q(Const("b")))


def test_missing_include_is_E006_on_the_include():
    with pytest.raises(ParseError) as e:
        load_tptp(HERE / "missing_include.p", env=NO_ENV)
    (d,) = e.value.diagnostics
    assert (d.code, d.span.line, d.span.col) == ("E006", 2, 1) and "NOPE001.ax" in d.message
    assert "include('Axioms/NOPE001.ax')" in e.value.render()


def test_include_cycle_is_reported():
    with pytest.raises(ParseError) as e:
        load_tptp(HERE / "cycle_a.p", env=NO_ENV)
    assert e.value.codes == ["E007"] and "cycle" in e.value.diagnostics[0].message


def test_error_in_included_file_names_that_file():
    with pytest.raises(ParseError) as e:
        load_tptp(HERE / "bad_included.p", env=NO_ENV)
    (d,) = e.value.diagnostics
    assert d.span.file == str(HERE / "syntax_error.p") and (d.span.line, d.span.col) == (2, 27)


def test_missing_top_file_is_a_usage_error():
    with pytest.raises(UsageError):
        load_tptp(HERE / "nope.p", env=NO_ENV)


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("text, code, line, col, words", [
    ("fof(a, axiom, p).\nfof(b, axiom, p # q).", "E001", 2, 17, ["'#'"]),
    ("fof(a, axiom, p(a) & q(b) | r(c)).", "E002", 1, 27, ["'&'", "')'"]),
    ("fof(a, axiom, p(a)", "E002", 1, 19, ["')'", "','", "end of input"]),
    ("fof(a, axiom, ! X : p(X)).", "E002", 1, 17, ["'['"]),
    ("fof(a, axiom, p q).", "E002", 1, 17, ["'<=>'", "'&'"]),
    ("cnf(a, axiom, p & q).", "E002", 1, 17, ["'|'"]),
    ("fof(A, axiom, p).", "E002", 1, 5, ["a name", "a quoted name", "an integer"]),
    ("fof(a, axiom, ! [X] : p(X, Y)).", "E010", 1, 28, ["free variable Y"]),
    ("fof(a, frobnicate, p).", "E010", 1, 1, ["unsupported role"]),
    ("fof(a, type, p).", "E010", 1, 1, ["type declaration"]),
    ("fof(a, axiom, $foo(a)).", "E010", 1, 15, ["$foo"]),
])
def test_errors(text, code, line, col, words):
    with pytest.raises(ParseError) as e:
        parse(text)
    d = e.value.diagnostics[0]
    assert (d.code, d.span.line, d.span.col) == (code, line, col)
    for word in words:
        assert word in d.message or word in e.value.render()


def test_mixing_and_or_gets_a_hint():
    with pytest.raises(ParseError) as e:
        parse("fof(a, axiom, p & q | r).")
    assert "brackets" in e.value.diagnostics[0].help


VALID = """fof(a, axiom, ! [X] : (p(X) => (q(X) <=> ~ r(X, f(X))))).
cnf(b, negated_conjecture, ~ p(X) | X = 'c d', file(x)).
tff(t, type, s: $tType).
"""


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_no_lark_exception_escapes(data):
    """Any edit of a valid problem parses, or raises ParseError; nothing else."""
    text = VALID
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(text)))
        text = text[:i] + data.draw(st.sampled_from(["", "(", ")", "'", '"', "X", "~", "!", "$", ".", ",", "|"])) \
            + text[i + data.draw(st.integers(0, 2)):]
    try:
        stmts = parse(text)
    except ParseError as e:
        assert e.diagnostics and all(d.code.startswith("E0") for d in e.diagnostics)
        e.render()
    else:
        for stmt in stmts:
            show(stmt)


def test_every_syntax_error_is_reported_with_its_position():
    text = ("% three inputs are broken\n"
            "fof(a, axiom, p # q).\n"
            "fof(b, axiom, 'x).y' => q).\n"
            "fof(c, axiom, p(a) & q(b) | r(c)).   /* a comment ). */\n"
            "fof(d, conjecture,\n"
            "    ! X : p(X)).\n"
            "cnf(e, axiom, p | q).\n")
    with pytest.raises(ParseError) as e:
        parse_tptp(text, "bad.p")
    got = [(d.code, d.span.line, d.span.col) for d in e.value.diagnostics]
    assert got == [("E001", 2, 17), ("E002", 4, 27), ("E002", 6, 7)]
    rendered = e.value.render()
    assert "bad.p:4:27" in rendered and "bad.p:6:7" in rendered


def test_a_missing_full_stop_is_reported_once():
    with pytest.raises(ParseError) as e:
        parse_tptp("fof(a, axiom, p) fof(b, axiom, q).", "x.p")
    assert len(e.value.diagnostics) == 1 and e.value.diagnostics[0].span.line == 1
