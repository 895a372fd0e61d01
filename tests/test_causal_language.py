"""Causal models in the language: syntax, errors, KB life cycle (tell, retract, save, load),
the fuse library's questions, and answers re-checked through JSON."""
from __future__ import annotations

import json
from fractions import Fraction as F

import pytest

from engine.answer import Answer, Verdict
from engine.errors import ProofError, ScientiaError
from engine.kb import KnowledgeBase
from engine.language import syntax as S
from engine.language.parse import parse_program

FUSE = """
var battery, fuse_ok, ignition, fuel, current, engine_runs : bool.
current := battery & fuse_ok.
engine_runs := current & ignition & fuel.
"""

ROUND_TRIP = [
    "var a, b : bool.", "exo u : bool.", "graph x -> y, x <-> y.", "y := x | not v2.", "n := m + 1.",
    "P(y | x, not v2) = 0.58.", "P(y, not x) = 2 / 5.",
    "?- P(y under do(not x) | x, y) > 0.5.", "?- ATE(x, y) > 0.", "?- NDE(x, y, m) > 0.",
    "?- not fuse_ok causes not engine_runs given fuel.", "?- y under do(x) given not x.",
    "?- P(y | do(x)).", "?- engine_runs given do(fuse_ok = true), battery.",
    "?- BACKDOOR(x, y, {}) & not BACKDOOR(x, y, {v1, v2}).", "?- P(y | x) - P(y | not x).",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_causal_statements_print_and_parse_back(text):
    [st] = parse_program(text)
    assert parse_program(S.show(st)) == [st]


def test_causal_keywords_stay_usable_as_predicate_names():
    kb = KnowledgeBase()
    kb.tell("graph(a, b). var(c). given(X) :- under(X). under(d).")
    assert kb.ask("graph(a, b)").verdict is Verdict.TRUE
    assert kb.ask("given(d)").verdict is Verdict.TRUE


def fuse_kb():
    kb = KnowledgeBase()
    kb.tell(FUSE)
    return kb


@pytest.mark.parametrize("query, verdict", [
    ("fuse_ok given not engine_runs, battery, ignition, fuel", Verdict.FALSE),
    ("engine_runs given do(fuse_ok), battery, ignition, fuel", Verdict.TRUE),
    ("engine_runs given do(not fuse_ok)", Verdict.FALSE),
    ("engine_runs under do(fuse_ok) given not fuse_ok, not engine_runs", Verdict.UNKNOWN),
    ("engine_runs under do(fuse_ok) given not fuse_ok, not engine_runs, battery, ignition, fuel", Verdict.TRUE),
    ("engine_runs under do(fuse_ok) given not fuse_ok, not engine_runs, not battery", Verdict.FALSE),
    ("not fuse_ok causes not engine_runs given not fuse_ok, battery, ignition, fuel", Verdict.TRUE),
    ("battery causes not engine_runs given not fuse_ok, battery, ignition, fuel", Verdict.FALSE),
    ("engine_runs -> current", Verdict.TRUE),
    ("engine_runs", Verdict.UNKNOWN),
])
def test_deterministic_fuse_questions(query, verdict):
    kb = fuse_kb()
    a = kb.ask(query)
    assert a.verdict is verdict, a.reason
    if verdict is Verdict.UNKNOWN:
        assert a.proof is None and a.reason and a.witnesses["holds"] and a.witnesses["fails"]
    else:
        assert a.proof is not None
        kb.verify_answer(a)


def test_the_fuse_library_and_its_probabilities():
    kb = KnowledgeBase()
    kb.tell("use fuse.")
    p_run = F(95, 100) * F(9, 10) * F(98, 100) * F(85, 100)
    assert kb.ask("P(engine_runs)").value == p_run
    assert kb.ask("P(engine_runs | do(fuse_ok))").value == F(95, 100) * F(98, 100) * F(85, 100)
    assert kb.ask("P(engine_runs | do(not fuse_ok))").value == 0
    # among the stopped engines, those that run with a new fuse: battery, ignition, fuel and a blown fuse
    stopped = 1 - p_run
    assert kb.ask("P(engine_runs under do(fuse_ok) | not engine_runs)").value == \
        F(95, 100) * F(1, 10) * F(98, 100) * F(85, 100) / stopped
    assert kb.ask("ATE(fuse_ok, engine_runs) > 0").verdict is Verdict.TRUE


def test_answers_survive_json_and_a_changed_verdict_is_refused():
    kb = fuse_kb()
    for q in ("engine_runs under do(fuse_ok) given not fuse_ok, not engine_runs, battery, ignition, fuel",
              "not fuse_ok causes not engine_runs given not fuse_ok, battery, ignition, fuel"):
        a = kb.ask(q)
        d = json.loads(json.dumps(a.to_json()))
        kb.verify_answer(Answer.from_json(a.query, d))
        d["verdict"] = "false"
        with pytest.raises(ProofError):
            kb.verify_answer(Answer.from_json(a.query, d))
    kb.tell("P(battery) = 1/2. P(fuse_ok) = 1/2. P(ignition) = 1/2. P(fuel) = 1/2.")
    a = kb.ask("P(engine_runs)")
    assert a.value == F(1, 16)
    d = json.loads(json.dumps(a.to_json()))
    kb.verify_answer(Answer.from_json(a.query, d))
    d["value"] = "(1 / 8)"
    with pytest.raises(ProofError):
        kb.verify_answer(Answer.from_json(a.query, d))


@pytest.mark.parametrize("text, code", [
    ("var x : foo.", "E060"),
    ("var x : bool. y := x.", "E060"),
    ("var x, y : bool. x := y. y := x.", "E060"),
    ("var x : bool. x := x.", "E060"),
    ("var x, y : bool. y := x. y := not x.", "E060"),
    ("var x : bool. var x : bool.", "E060"),
    ("var x : bool. exo u : bool. u := x.", "E060"),
    ("var x : bool. graph x -> z.", "E060"),
    ("var v1, x, v3 : bool. graph v1 -> v3, v1 -> x. x := v1. v3 := not x.", "E060"),
    ("var x : bool. P(x) = 1.5.", "E061"),
    ("var x : bool. P(x) = 1 / 0.", "E061"),
    ("var x : bool. P(x | x) = 0.5.", "E061"),
    ("var x : bool. P(x = 3) = 0.5.", "E061"),
    ("var x : bool. P(x = 1/2) = 0.5.", "E061"),
    ("var x : bool. P(x | do(x)) = 0.5.", "E061"),
    ("type lvl = {lo, hi}. var x : lvl. P(x = mid) = 0.5.", "E061"),
    ("var x : bool. ?- y given x.", "E062"),
    ("var x, y : bool. ?- P(y | do(x), do(not x)).", "E062"),
    ("type lvl = {lo, hi}. var l : lvl. ?- P(l).", "E061"),
    ("?- P(y) > 0.", "E062"),
])
def test_bad_causal_statements_are_refused_and_the_kb_is_unchanged(text, code):
    kb = KnowledgeBase()
    kb.tell("p(a).")
    before = list(kb.statements)
    with pytest.raises(ScientiaError) as info:
        kb.tell(text)
    assert code in info.value.codes
    assert all(d.span is not None for d in info.value.diagnostics if d.code == code)
    assert kb.statements == before


def test_retract_save_and_load_keep_the_causal_model(tmp_path):
    kb = KnowledgeBase()
    kb.tell("use fuse. parent(a, b).")
    assert kb.ask("P(engine_runs)").verdict is Verdict.TRUE
    kb.retract("P(fuel) = 0.85.")
    # the fuel's prior gone, the numbers no longer determine P(engine_runs)
    assert kb.ask("P(engine_runs)").verdict is Verdict.UNKNOWN
    path = tmp_path / "kb.kb"
    kb.save(path)
    again = KnowledgeBase()
    again.load(path)
    assert sorted(map(S.show, again.statements)) == sorted(map(S.show, kb.statements))
    assert again.ask("engine_runs given do(fuse_ok), battery, ignition, fuel").verdict is Verdict.TRUE
    assert again.ask("parent(a, b)").verdict is Verdict.TRUE


def test_enum_and_range_variables():
    kb = KnowledgeBase()
    kb.tell("""type level = {low, high}. type n = 0..3.
               var demand : level. var supply, stock : n.
               stock := supply.
               short := supply - 1 < 1.
               var short : bool.
               P(supply = 0) = 1/4. P(supply = 1) = 1/4. P(supply = 2) = 1/4.
               P(demand = low) = 1/2.""")
    assert kb.ask("stock = 2 given supply = 2").verdict is Verdict.TRUE
    assert kb.ask("stock > supply given supply = 3").verdict is Verdict.FALSE
    assert kb.ask("short given stock = 1").verdict is Verdict.TRUE
    assert kb.ask("P(short)").value == F(1, 2)
    assert kb.ask("P(stock = 3)").value == F(1, 4)
    assert kb.ask("P(demand = high)").value == F(1, 2)
    # an equation whose value leaves the domain is a model error, not an answer
    kb.tell("var over : n. over := supply + 1.")
    with pytest.raises(ScientiaError) as info:
        kb.ask("over = 1 given supply = 0")
    assert "E062" in info.value.codes


def test_open_rows_make_a_value_unknown_never_a_guess():
    kb = KnowledgeBase()
    kb.tell("var x, y : bool. graph x -> y. P(y | x) = 0.7.")
    a = kb.ask("P(y) > 1/2")
    assert a.verdict is Verdict.UNKNOWN and a.proof is None and a.reason
    # a witness for each side: open rows under which P(y) = P(x) 0.7 + P(not x) P(y | not x) is above and below 1/2
    for side, above in (("holds", True), ("fails", False)):
        rows = {k.split(" = ")[0]: F(k.split(" = ")[1]) for k in a.witnesses[side]}
        px, py_nx = rows["P(x)"], rows["P(y | not x)"]
        assert (px * F(7, 10) + (1 - px) * py_nx > F(1, 2)) is above
    assert kb.ask("P(y | x) > 1/2").verdict is Verdict.TRUE


def test_bow_graph_is_not_identifiable_and_front_door_is():
    kb = KnowledgeBase()
    kb.tell("var x, y : bool. graph x -> y, x <-> y. P(x) = 0.5. P(y | x) = 0.7. P(y | not x) = 0.2.")
    a = kb.ask("P(y | do(x))")
    assert a.verdict is Verdict.UNKNOWN and "hedge" in a.reason
    kb = KnowledgeBase()
    kb.tell("""var x, y, m : bool. graph x -> m, m -> y, x <-> y. P(x) = 0.5.
               P(m | x) = 0.9. P(m | not x) = 0.2.
               P(y | x, m) = 0.7. P(y | x, not m) = 0.3. P(y | not x, m) = 0.6. P(y | not x, not m) = 0.2.""")
    a = kb.ask("ATE(x, y)")
    assert a.value == F(7, 25)
    [step] = [s for s in a.proof.steps if (s.data or {}).get("method") == "frontdoor"]
    # the estimand, as sympy prints it: sum_m P(m | x) sum_x' P(y | m, x') P(x')
    import sympy
    est = sympy.sympify(step.data["estimand"], locals={"P": sympy.Function("P")})
    assert est.func is sympy.Sum and len(est.free_symbols) == 2 and set(map(str, est.free_symbols)) == {"x", "y"}
    assert "P((m,), (x,))" in step.data["estimand"] and "P((x_1,), ())" in step.data["estimand"]
    kb.verify_answer(a)


def test_contradictory_probabilities_are_reported_not_used():
    kb = KnowledgeBase()
    kb.tell("var x, y : bool. graph x -> y. P(x) = 0.5. P(y | x) = 0.7. P(y | not x) = 0.2. P(y) = 0.9.")
    a = kb.ask("P(y | do(x)) > 0.5")
    assert a.verdict is Verdict.UNKNOWN and "contradict" in a.reason and "P(y) = 0.9" in a.reason
    kb.retract("P(y) = 0.9.")
    assert kb.ask("P(y | do(x)) > 0.5").verdict is Verdict.TRUE


def test_a_graph_alone_gives_the_estimand_or_the_hedge():
    kb = KnowledgeBase()
    kb.tell("var x, y, m : bool. graph x -> m, m -> y, x <-> y.")
    a = kb.ask("P(y | do(x))")
    assert a.verdict is Verdict.UNKNOWN
    assert "identified: P(y | do(x)) = Sum(P((m,), (x,))*Sum(P((y,), (x_1, m))*P((x_1,), ())" in a.reason
    kb = KnowledgeBase()
    kb.tell("var x, y, z : bool. graph z -> x, z -> y, x -> y.")
    assert "identified: P(y | do(x)) = Sum(P((y,), (z, x))*P((z,), ()), (z, 0, 1))" in kb.ask("ATE(x, y)").reason
    kb = KnowledgeBase()
    kb.tell("var x, y : bool. graph x -> y, x <-> y.")
    assert "hedge" in kb.ask("P(y | do(x))").reason


def test_the_command_line_asks_causal_queries(capsys):
    from engine.shell import cli
    from pathlib import Path
    fuse = str(Path(__file__).resolve().parent.parent / "kb" / "fuse.kb")
    assert cli.main(["ask", fuse, "--query", "not fuse_ok causes not engine_runs given not fuse_ok, battery, "
                                             "ignition, fuel"]) == 0
    out = capsys.readouterr().out
    assert "   true" in out and "actual cause" in out
    assert cli.main(["ask", fuse, "--query", "P(engine_runs | do(fuse_ok))", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["answers"][0]["verdict"] == "true" and record["answers"][0]["value"] == "0.79135"


def test_the_napkin_graph_is_identified_by_the_id_algorithm_and_checked():
    """w -> z -> x -> y with w <-> x and w <-> y: neither a back-door nor a front-door set, but
    the ID algorithm identifies P(y | do(x)). The numbers come from a model with the two latent
    causes written out; the engine's value must be that model's truncated factorisation."""
    import itertools

    def b(p, v):
        return p if v else 1 - p
    pu1, pu2 = F(3, 10), F(6, 10)

    def full(u1, u2, w, z, x, y, do_x=None):
        pw = b(F(1, 5) + F(1, 2) * u1 + F(1, 5) * u2, w)
        pz = b(F(7, 10) if w else F(1, 5), z)
        px = 1 if do_x is not None and x == do_x else 0 if do_x is not None else \
            b(F(1, 10) + F(1, 2) * z + F(3, 10) * u1, x)
        py = b(F(1, 10) + F(1, 2) * x + F(3, 10) * u2, y)
        return b(pu1, u1) * b(pu2, u2) * pw * pz * px * py

    def joint(**fixed):
        return sum(full(*vals) for vals in itertools.product((0, 1), repeat=6)
                   if all(vals[k] == v for k, v in ((["u1", "u2", "w", "z", "x", "y"].index(n), v)
                                                    for n, v in fixed.items())))

    def p(event, given):
        return joint(**event, **given) / joint(**given)
    lines = ["var w, z, x, y : bool.", "graph w -> z, z -> x, x -> y, w <-> x, w <-> y."]

    def lit(n, v):
        return n if v else f"not {n}"
    lines.append(f"P(w) = {p({'w': 1}, {})}.")
    for w in (0, 1):
        lines.append(f"P(z | {lit('w', w)}) = {p({'z': 1}, {'w': w})}.")
        for z in (0, 1):
            lines.append(f"P(x | {lit('w', w)}, {lit('z', z)}) = {p({'x': 1}, {'w': w, 'z': z})}.")
            for x in (0, 1):
                lines.append(f"P(y | {lit('w', w)}, {lit('z', z)}, {lit('x', x)}) = "
                             f"{p({'y': 1}, {'w': w, 'z': z, 'x': x})}.")
    kb = KnowledgeBase()
    kb.tell("\n".join(lines))
    truth = sum(full(*vals, do_x=1) for vals in itertools.product((0, 1), repeat=6) if vals[4] == 1 and vals[5] == 1)
    a = kb.ask("P(y | do(x))")
    assert a.verdict is Verdict.TRUE and a.value == truth
    [step] = [s for s in a.proof.steps if s.by == "compute"]
    assert step.data["method"] == "id"
    kb.verify_answer(a)
    assert kb.ask("P(y | do(x)) = P(y | x)").verdict is Verdict.FALSE      # confounded: not the conditional


def test_zero_and_one_are_the_truth_values_of_a_bool_variable():
    kb = KnowledgeBase()
    kb.tell("var x, y : bool. graph x -> y. P(x = 1) = 0.2. P(y = 1 | x = 0) = 0.5. P(y = 1 | x = 1) = 0.9.")
    assert kb.ask("P(y = 1 | do(x = 1))").value == F(9, 10)
    assert kb.ask("P(y | do(x)) = P(y = 1 | do(x = 1))").verdict is Verdict.TRUE
    assert kb.ask("P(y = 0)").value == 1 - (F(2, 10) * F(9, 10) + F(8, 10) * F(5, 10))
    kb.verify_answer(kb.ask("P(y = 0)"))


def test_conditional_intervention_by_a_back_door_set_containing_the_evidence():
    """z -> x, z -> y, x -> y, w -> y and a latent u -> x, u -> w (declared w <-> x): the numbers
    are the observed conditionals of that model; P(y | do(x), z) must be its truth."""
    import itertools

    def b(p, v):
        return p if v else 1 - p

    def full(u, z, w, x, y, do=None):
        px = (1 if x == do else 0) if do is not None else b(F(1, 10) + F(3, 5) * z + F(1, 5) * u, x)
        return b(F(2, 5), u) * b(F(3, 10), z) * b(F(1, 5) + F(3, 5) * u, w) * px * \
            b(F(1, 10) + F(2, 5) * x + F(1, 5) * z + F(1, 5) * w, y)
    names = ["u", "z", "w", "x", "y"]

    def joint(do=None, **fixed):
        return sum(full(*vals, do=do) for vals in itertools.product((0, 1), repeat=5)
                   if all(vals[names.index(n)] == v for n, v in fixed.items()))

    def p(event, given):
        return joint(**event, **given) / joint(**given)

    def lit(n, v):
        return n if v else f"not {n}"
    lines = ["var z, w, x, y : bool.", "graph z -> x, z -> y, x -> y, w -> y, w <-> x.",
             f"P(z) = {p({'z': 1}, {})}.", f"P(w | z) = {p({'w': 1}, {'z': 1})}.",
             f"P(w | not z) = {p({'w': 1}, {'z': 0})}."]
    for z, w in itertools.product((0, 1), repeat=2):
        lines.append(f"P(x | {lit('z', z)}, {lit('w', w)}) = {p({'x': 1}, {'z': z, 'w': w})}.")
        for x in (0, 1):
            lines.append(f"P(y | {lit('z', z)}, {lit('w', w)}, {lit('x', x)}) = "
                         f"{p({'y': 1}, {'z': z, 'w': w, 'x': x})}.")
    kb = KnowledgeBase()
    kb.tell("\n".join(lines))
    truth = joint(do=1, x=1, y=1, z=1) / joint(do=1, x=1, z=1)
    a = kb.ask("P(y | do(x), z)")
    assert a.verdict is Verdict.TRUE and a.value == truth
    kb.verify_answer(a)
    # evidence on an effect of the intervention: not this way
    kb2 = KnowledgeBase()
    kb2.tell("var x, y, m : bool. graph x -> m, m -> y, x <-> y. P(x) = 0.5.")
    assert kb2.ask("P(y | do(x), m)").verdict is Verdict.UNKNOWN
