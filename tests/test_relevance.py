"""Relevance: the part of the KB a query is decided on must not drop anything that matters."""
from engine import KnowledgeBase, Verdict


def ask(text: str, query: str) -> Verdict:
    kb = KnowledgeBase()
    kb.tell(text)
    return kb.ask(query).verdict


def test_equal_constants_of_an_open_sort_connect_facts():
    kb = "type u open. fun f(u) -> u. pred q(u). f(a) = c. f(a) = d. q(d)."
    assert ask(kb, "q(c)") is Verdict.TRUE          # c = f(a) = d
    assert ask(kb, "c = d") is Verdict.TRUE


def test_nested_application_reaches_value_facts():
    kb = "type u open. fun f(u) -> u. pred p(u). f(a) = b. p(b)."
    assert ask(kb, "p(f(a))") is Verdict.TRUE


def test_quantified_sentence_reaches_every_application():
    kb = "type u open. fun g(u) -> int. g(a) = 3. g(b) = 4. forall X: u. g(X) > 2."
    assert ask(kb, "g(c) > 2") is Verdict.TRUE
    assert ask(kb, "exists X: u. g(X) = 4") is Verdict.TRUE


def test_unrelated_ground_facts_are_left_out_but_answers_do_not_change():
    facts = " ".join(f"digit_of(i{k}) = {k % 10}." for k in range(200))
    kb = KnowledgeBase()
    kb.tell("type digit = 0..9. type image open. fun digit_of(image) -> digit. " + facts)
    theory = kb._theory
    from engine.language.parse import parse_formula
    from engine.language.check import check_query
    typed, _, _ = check_query(parse_formula("digit_of(i3) + digit_of(i14) = S"), kb.signature)
    assert len(theory.relevant_to(typed)) == 2
    (a,) = kb.ask_all("digit_of(i3) + digit_of(i14) = S")
    assert a.bindings == {"S": 7}
    assert kb.ask("digit_of(i3) = digit_of(i13)").verdict is Verdict.TRUE
