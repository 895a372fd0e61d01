"""Open queries over numbers find the bindings a rule's arithmetic entails (issue: what a new
user trips over, item 4), and say when their search is incomplete."""
from __future__ import annotations

from fractions import Fraction

from engine.answer import Verdict
from engine.kb import KnowledgeBase


def test_an_arithmetic_rule_gives_its_entailed_binding():
    kb = KnowledgeBase()
    kb.tell("cost(I, N, C) :- price(I) * N = C. price(apple) = 0.5. price(pear) = 2.")
    assert kb.ask("cost(apple, 4, 2)").verdict is Verdict.TRUE
    found = kb.ask_all("cost(apple, 4, C)")
    assert [a.bindings for a in found] == [{"C": 2}]
    for a in found:
        kb.verify_answer(a)
    assert [a.bindings for a in kb.ask_all("cost(pear, 3, C)")] == [{"C": 6}]
    # the search reads values off models: it cannot show that no other value is entailed
    assert found.incomplete is not None


def test_a_rule_guide_with_a_body_variable():
    kb = KnowledgeBase()
    kb.tell("total(O, T) :- qty(O, N), unit(O) * N = T. qty(o1, 3). unit(o1) = 1.5.")
    assert [a.bindings for a in kb.ask_all("total(o1, T)")] == [{"T": Fraction(9, 2)}]
