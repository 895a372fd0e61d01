"""The parser: good input to syntax, bad input to positions and expected tokens,
and parse(show(x)) == x for generated syntax."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from engine.language import syntax as S
from engine.errors import ParseError
from engine.language.parse import parse_program, parse_formula
from engine.language.terms import show_ground_atom, value_term

A, V, C, N = S.Atom, S.Var, S.Const, S.Num

GOOD = [
    ("parent(alice, bob).", S.Axiom(A("parent", (C("alice"), C("bob"))))),
    ("not parent(bob, alice).", S.Axiom(S.Not(A("parent", (C("bob"), C("alice")))))),
    ("~ rich.", S.Axiom(S.Not(A("rich")))),
    ("age(alice) = 42.", S.Axiom(S.Cmp("=", S.Fn("age", (C("alice"),)), N(42)))),
    ("x = -7.", S.Axiom(S.Cmp("=", C("x"), N(-7)))),
    ("p(3.25).", S.Axiom(A("p", (N(Fraction(13, 4)),)))),
    ("'New York'(a).", S.Axiom(A("New York", (C("a"),)))),
    ("ancestor(X, Z) :- parent(X, Y), ancestor(Y, Z).",
     S.Rule(A("ancestor", (V("X"), V("Z"))), (A("parent", (V("X"), V("Y"))), A("ancestor", (V("Y"), V("Z")))))),
    ("adult(X) :- age(X) >= 18.", S.Rule(A("adult", (V("X"),)), (S.Cmp(">=", S.Fn("age", (V("X"),)), N(18)),))),
    ("happy(X) :- rich(X), not sick(X).",
     S.Rule(A("happy", (V("X"),)), (A("rich", (V("X"),)), S.Not(A("sick", (V("X"),)))))),
    ("forall X: person. not ancestor(X, X).",
     S.Axiom(S.Quant("forall", (("X", "person"),), S.Not(A("ancestor", (V("X"), V("X"))))))),
    ("rich(alice) | rich(bob).", S.Axiom(S.Or((A("rich", (C("alice"),)), A("rich", (C("bob"),)))))),
    ("forall X, Y. (married(X, Y) <-> married(Y, X)).",
     S.Axiom(S.Quant("forall", (("X", None), ("Y", None)),
                     S.Iff(A("married", (V("X"), V("Y"))), A("married", (V("Y"), V("X"))))))),
    ("forall X. p(X) & q(X).", S.Axiom(S.Quant("forall", (("X", None),), S.And((A("p", (V("X"),)), A("q", (V("X"),))))))),
    ("a -> b -> c.", S.Axiom(S.Implies(A("a"), S.Implies(A("b"), A("c"))))),
    ("p | q & r.", S.Axiom(S.Or((A("p"), S.And((A("q"), A("r"))))))),
    ("x = 1 + 2 * 3.", S.Axiom(S.Cmp("=", C("x"), S.Op("+", (N(1), S.Op("*", (N(2), N(3)))))))),
    ("x = (1 - 2) - 3.", S.Axiom(S.Cmp("=", C("x"), S.Op("-", (S.Op("-", (N(1), N(2))), N(3)))))),
    ("?- ancestor(alice, X).", S.Query(A("ancestor", (C("alice"), V("X"))))),
    ("type person.", S.TypeDecl("person", "closed")),
    ("type object open.", S.TypeDecl("object", "open")),
    ("type color = {red, green, blue}.", S.TypeDecl("color", "enum", ("red", "green", "blue"))),
    ("type digit = 0..9.", S.TypeDecl("digit", "range", (), 0, 9)),
    ("pred parent(person, person).", S.PredDecl("parent", ("person", "person"))),
    ("fun age(person) -> int.", S.FunDecl("age", ("person",), "int")),
    ("const alice, bob : person.", S.ConstDecl(("alice", "bob"), "person")),
    ("closed parent, sibling.", S.ClosedDecl(("parent", "sibling"))),
    ("use kinship.", S.Use("kinship")),
    ("/* block\n comment */ p. % line comment", S.Axiom(A("p"))),
    ("open(door).", S.Axiom(A("open", (C("door"),)))),
    ("p(nothing, forall_x, exists2).", S.Axiom(A("p", (C("nothing"), C("forall_x"), C("exists2"))))),
]


@pytest.mark.parametrize("text,expected", GOOD, ids=[g[0] for g in GOOD])
def test_good_input(text, expected):
    assert parse_program(text) == [expected]


BAD = [  # text, line, col, code, a word the message must contain
    ("parent(alice, bob)\nparent(bob, carol).", 2, 1, "E002", "'.'"),
    ("p(X :- q.", 1, 5, "E002", "')'"),
    ('r("x").', 1, 3, "E001", "unexpected character"),
    ("foo(X) :- .", 1, 11, "E002", "a name"),
    ("p(a)", 1, 4, "E003", "does not end"),
    ("p(a) :- q(X), 3.", 1, 15, "E010", "arithmetic"),
    ("p(q(a) & b).", 1, 3, "E010", "term"),
    ("X.", 1, 1, "E010", "variable"),
    ("type d = 5..1.", 1, 1, "E010", "empty range"),
    ("p(a). q(b) r(c). s(d", 1, 12, "E002", "expected"),
]


@pytest.mark.parametrize("text,line,col,code,word", BAD, ids=[b[0] for b in BAD])
def test_bad_input(text, line, col, code, word):
    with pytest.raises(ParseError) as info:
        parse_program(text, "bad.kb")
    first = info.value.diagnostics[0]
    assert (first.code, first.span.line, first.span.col) == (code, line, col)
    assert word in first.message
    rendered = info.value.render()
    assert rendered.startswith(f"bad.kb:{line}:{col}: error:") and "^" in rendered


def test_every_error_is_reported():
    text = "p(a\nq(b).\nr(c)) .\ns(d).\nt(\"x\")."
    with pytest.raises(ParseError) as info:
        parse_program(text, "bad.kb")
    lines = [d.span.line for d in info.value.diagnostics]
    assert len(lines) >= 3 and lines == sorted(lines)


# ---------------------------------------------------------------- round trip
names = st.sampled_from(["a", "b", "alice", "open", "not", "New York", "x_1", "it's"])
preds = st.sampled_from(["p", "q", "parent", "type", "r2"])
variables = st.sampled_from(["X", "Y", "Who", "_t"]).map(V)
numbers = st.one_of(st.integers(-50, 50), st.integers(-999, 999).map(lambda n: Fraction(n, 100))).map(N)
atoms_t = st.one_of(names.map(C), variables, numbers)


def terms(depth=2):
    if depth == 0:
        return atoms_t
    sub = terms(depth - 1)
    return st.one_of(
        atoms_t,
        st.builds(lambda f, args: S.Fn(f, tuple(args)), st.sampled_from(["f", "age"]), st.lists(sub, min_size=1, max_size=2)),
        st.builds(lambda op, l, r: S.Op(op, (l, r)), st.sampled_from("+-*/"), sub, sub),
        sub.filter(lambda t: not isinstance(t, S.Num)).map(lambda t: S.Op("-", (t,))),
    )


def formulas(depth=2):
    atom = st.builds(lambda p, args: A(p, tuple(args)), preds, st.lists(terms(1), max_size=2))
    cmp = st.builds(S.Cmp, st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), terms(1), terms(1))
    if depth == 0:
        return st.one_of(atom, cmp)
    sub = formulas(depth - 1)
    qvars = st.lists(st.tuples(st.sampled_from(["X", "Y", "Z"]), st.sampled_from([None, "person"])),
                     min_size=1, max_size=2, unique_by=lambda v: v[0]).map(tuple)
    return st.one_of(
        atom, cmp, sub.map(S.Not),
        st.lists(sub, min_size=2, max_size=3).map(lambda xs: S.And(tuple(xs))),
        st.lists(sub, min_size=2, max_size=3).map(lambda xs: S.Or(tuple(xs))),
        st.builds(S.Implies, sub, sub), st.builds(S.Iff, sub, sub),
        st.builds(S.Quant, st.sampled_from(["forall", "exists"]), qvars, sub),
    )


@settings(max_examples=300, deadline=None)
@given(formulas())
def test_parse_print_round_trip(f):
    for statement in (S.Axiom(f), S.Query(f)):
        assert parse_program(S.show(statement)) == [statement]


@settings(max_examples=100, deadline=None)
@given(formulas(1), st.lists(formulas(1), min_size=1, max_size=3), preds)
def test_rule_round_trip(head_body, body, p):
    rule = S.Rule(A(p, (V("X"),)), tuple(body))
    assert parse_program(S.show(rule)) == [rule]


def test_parse_formula_without_full_stop():
    assert parse_formula("p(a)") == A("p", (C("a"),))


# ---------------------------------------------------------------- the kernel's fast path for claims
_words = st.sampled_from(["a", "p", "n0", "bob_2", "zX9", "not", "type", "forall", "open", "x"])
_args = st.one_of(_words, st.integers(0, 10 ** 6).map(str), st.sampled_from(["X", "'q r'", "-3", "1.5", "f(a)"]))
_spaces = st.sampled_from(["", " ", "  ", "\t"])


@settings(max_examples=400, deadline=None)
@given(_spaces, st.booleans(), _words, st.lists(st.tuples(_args, _spaces), min_size=1, max_size=4),
       st.sampled_from(["", ".", " . "]))
def test_ground_literal_fast_path_agrees_with_the_parser(pad, negated, pred, args, stop):
    """parse_ground_literal reads a literal exactly as parse_formula does, or declines (None)."""
    from engine.language.parse import parse_ground_literal
    text = f"{pad}{'not ' if negated else ''}{pred}({','.join(a + s for a, s in args)}){stop}"
    fast = parse_ground_literal(text)
    try:
        slow = parse_formula(text)
    except ParseError:
        assert fast is None, text
        return
    assert fast is None or fast == slow, text


def test_ground_literal_fast_path_takes_plain_literals_and_declines_the_rest():
    from engine.language.parse import parse_ground_literal
    assert parse_ground_literal("path(n0, n7999)") == S.Atom("path", (S.Const("n0"), S.Const("n7999")))
    assert parse_ground_literal("not p(a, 12)") == S.Not(S.Atom("p", (S.Const("a"), S.Num(12))))
    for text in ("p(X)", "p(a) & q(b)", "p('a b')", "p(f(a))", "p(-1)", "p(type)", "forall(a)", "p"):
        assert parse_ground_literal(text) is None, text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_args, _spaces), min_size=1, max_size=4), _words, _spaces, st.sampled_from([".", ").", ""]))
def test_ground_fact_fast_path_agrees_with_the_parser_spans_included(args, pred, pad, tail):
    """Facts read off their tokens equal the LALR parser's statements, spans included."""
    from engine.language.parse import _ground_fact, _parse_statement, _statements, _tokens
    text = f"{pad}{pred}({','.join(a + s for a, s in args)}){tail}\n"
    diags: list = []
    tokens = _tokens(text, "f.kb", diags)
    for chunk in _statements(tokens, "f.kb", diags):
        fast = _ground_fact(chunk, "f.kb")
        if fast is None:
            continue
        slow = _parse_statement(chunk, "f.kb", [])
        assert fast == slow, text
        spans = lambda st: [st.span, st.formula.span] + [a.span for a in st.formula.args]
        assert spans(fast) == spans(slow), text


_values = st.one_of(st.sampled_from(["a", "n0", "bob_2", "Upper", "q r", "not", "it's", "{x}", "", "é"]),
                    st.integers(-10 ** 6, 10 ** 6),
                    st.integers(-999, 999).map(lambda n: Fraction(n, 7)),
                    st.integers(-999, 999).map(lambda n: Fraction(n, 100)))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["p", "parent", "Pred", "not", "a b", "r2"]), st.lists(_values, max_size=4))
def test_ground_atom_text_is_the_printers(pred, values):
    """The proof builder's and the kernel's texts of ground atoms are show_atom's, and parse
    back (a number without a finite decimal prints as a quotient: it parses as one)."""
    atom = A(pred, tuple(value_term(v) for v in values))
    text = show_ground_atom(pred, tuple(values), {})
    assert text == S.show_atom(atom)
    if all(not isinstance(v, Fraction) or 10 ** 6 % v.denominator == 0 for v in values):
        assert parse_formula(text) == atom
