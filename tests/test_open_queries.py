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


def test_witnesses_show_only_atoms_the_query_depends_on():
    from engine.reason import prove
    kb = KnowledgeBase()
    kb.tell("type o open. const a : o. pred p(o). pred q(o). pred r(o). pred w(o). p(a) | q(a). r(a) | w(a).")
    theory = kb._theory
    problem = theory.problem(theory.relevant_to_entries(theory.hard))
    atom = lambda text: problem.atom_expr(text)
    holds = problem.check(extra=problem.conjoin([atom("p(a)"), atom("r(a)")])).model
    fails = problem.check(extra=problem.conjoin([problem.negate(atom("p(a)")), problem.negate(atom("r(a)"))])).model
    unfiltered = prove._witnesses(problem, holds, fails, ["p(a)"])
    assert "r(a)" in unfiltered["holds"]            # the two models differ on r(a) ...
    cone = theory.depends_on({"p"})
    assert cone == {"p", "q"}
    shown = prove._witnesses(problem, holds, fails, ["p(a)"], cone)
    assert "r(a)" not in shown["holds"] and "p(a)" in shown["holds"]   # ... which p(a) does not depend on
