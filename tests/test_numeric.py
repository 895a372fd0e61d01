"""Arithmetic over range sorts, and open queries whose variables are numbers."""
from engine import KnowledgeBase, Verdict

DIGITS = "type digit = 0..9. type image open. fun digit_of(image) -> digit. digit_of(i1) = 7. digit_of(i2) = 5."


def test_sum_of_range_values_is_an_int_not_a_digit():
    # regression: `digit + digit` used to be typed as a digit, so a sum of 12 "did not exist"
    kb = KnowledgeBase()
    kb.tell(DIGITS)
    assert kb.ask("exists S. digit_of(i1) + digit_of(i2) = S").verdict is Verdict.TRUE
    assert kb.ask("digit_of(i1) + digit_of(i2) = 12").verdict is Verdict.TRUE
    assert kb.ask("digit_of(i1) + digit_of(i2) = 11").verdict is Verdict.FALSE


def test_open_numeric_query_reads_values_from_models_and_proves_each():
    kb = KnowledgeBase()
    kb.tell(DIGITS)
    (a,) = kb.ask_all("digit_of(i1) + digit_of(i2) = S")
    assert a.bindings == {"S": 12} and a.proof.steps[-1].by == "smt"
    kb.verify(a.proof, "digit_of(i1) + digit_of(i2) = 12")


def test_open_numeric_query_keeps_only_entailed_values():
    kb = KnowledgeBase()
    kb.tell("fun age(thing) -> int. age(a) = 41. age(b) > 3. age(b) < 6.")
    assert [x.bindings for x in kb.ask_all("age(a) + 1 = X")] == [{"X": 42}]
    assert kb.ask_all("age(b) = X") == []        # 4 and 5 are both possible: neither is entailed


def test_real_operand_makes_a_real_result():
    kb = KnowledgeBase()
    kb.tell("fun w(thing) -> real. w(a) = 1.5. p(X) :- q(Y), X = Y + 0.5. q(2).")
    assert kb.signature.preds["p"] == ("real",)
    assert kb.ask("exists X. X = w(a) + 1 & X > 2.4").verdict is Verdict.TRUE
