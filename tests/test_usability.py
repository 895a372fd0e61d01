"""What a new user trips over: budget-limited consistency, float32 probabilities, typos,
syntax errors with Prolog habits, numeric constants, and REPL conveniences."""
import struct

import pytest

from engine import KnowledgeBase, Verdict


# ---------------------------------------------------------------- 6. probability with float32 masses
class _Table:
    def __init__(self, outputs, threshold=2.0, name="toy", symbol="digit_of"):
        self.outputs, self.threshold, self.name, self.symbol = outputs, threshold, name, symbol

    def distribution(self, x):
        return self.outputs[x]


def test_probability_is_exact_after_visiting_every_case_with_float32_masses():
    # A softmax in float32 sums to 1 only within about 1e-7.
    def f32(*ps):
        return [(k, struct.unpack('f', struct.pack('f', p))[0]) for k, p in enumerate(ps)]
    a, b = f32(0.1, 0.6, 0.2, 0.1 - 3e-7), f32(0.5, 0.1, 0.3, 0.1 - 4e-7)
    assert abs(sum(p for _, p in a) * sum(p for _, p in b) - 1) > 1e-9
    kb = KnowledgeBase()
    kb.tell("type digit = 0..3. type image open. fun digit_of(image) -> digit.")
    model = _Table({"a": a, "b": b})
    kb.perceive_many(["a", "b"], ["a", "b"], model)
    q = kb.probability("digit_of(a) + digit_of(b) = 2")
    assert q.visited == 16
    assert q.exact
    assert q.lower == pytest.approx(q.probability) and q.upper == pytest.approx(q.probability)
    assert q.probability == pytest.approx(0.19, abs=1e-5)
    approx = kb.probability("digit_of(a) + digit_of(b) = 2", limit=5)
    assert not approx.exact and approx.lower < approx.upper


# ---------------------------------------------------------------- 8. syntax errors
from engine.errors import ParseError  # noqa: E402
from engine.parse import parse_program  # noqa: E402


def _parse_error(text):
    with pytest.raises(ParseError) as info:
        parse_program(text, "t.kb")
    return info.value


def test_a_syntax_error_lists_only_tokens_that_can_continue_the_statement():
    e = _parse_error("?- anc(tom jim).")
    (d,) = e.diagnostics
    assert d.code == "E002" and (d.span.line, d.span.col) == (1, 12)
    for impossible in ("'open'", "'}'", "':'", "'.'"):
        assert impossible not in d.message
    for possible in ("')'", "','"):
        assert possible in d.message
    assert "^^^" in e.render()


def test_every_listed_token_really_continues_the_statement():
    # Feed each token the message lists after the prefix: the parser must take it.
    from engine.parse import _acceptable, _lark, _tokens
    for prefix in ("?- anc(tom", "p(X) :- q(X), Y", "type t", "forall X"):
        toks = _tokens(prefix, "t", [])
        accepted = _acceptable(toks, set())
        assert accepted
        for t in accepted:
            ip = _lark().parse_interactive(start="statement")
            for tok in toks:
                ip.feed_token(tok)
            ip.feed_token(ip.lexer_thread._Token(t, "x")) if t != "$END" else ip.feed_eof()


@pytest.mark.parametrize("text, needle", [
    ("p(Y) :- q(X), Y is X + 1.", "Y = X + 1"),
    ("p(X) :- q(X), X == 1.", "single `=`"),
    ("p(X) :- q(X) ; r(X).", "`|`"),
    ("p(X) :- q(X), !.", "no cut"),
    ("len([H|T]).", "no lists"),
    ("p(X) :- q(X), \\+ r(X).", "`not`"),
    ("p(X) :- q(X), X =< 3.", "`<=`"),
])
def test_prolog_habits_get_a_hint(text, needle):
    e = _parse_error(text)
    assert len(e.diagnostics) == 1, e.render()
    (d,) = e.diagnostics
    assert d.help and needle in d.help, e.render()
    assert "^" in e.render()
