"""The columnar backend (engine/horn/columnar.py): the same least model as the in-memory core on
random stratified programs, the evaluation path chosen per component, lazy Rows, and
goal-directed derivations on a ColumnarModel."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.horn import columnar, core
from engine.horn.columnar_model import ColumnarModel
from engine.horn.compile import HornError, HornRule
from engine.language.syntax import Const, Num, Op, Var

X, Y, Z, W, V = (Var(n) for n in "XYZWV")


def rule(i, head, *body):
    return HornRule(head, tuple(body), i)


def pos(p, *args):
    return ("pos", p, tuple(args))


def neg(p, *args):
    return ("neg", p, tuple(args))


def cmp(op, a, b):
    return ("cmp", op, a, b)


def same(rules, facts, threshold=0):
    """Evaluate both ways; every relation equal. Returns the columnar model."""
    want = core.saturate(rules, facts)
    got = columnar.saturate(rules, facts, threshold=threshold)
    preds = set(want.predicates()) | set(got.predicates())
    for p in preds:
        assert set(got.tuples(p)) == set(want.tuples(p)), p
        assert got.size(p) == want.size(p), p
    assert got.facts_count() == want.facts_count()
    return got


# ---------------------------------------------------------------- random stratified programs
VALUES = ["a", "b", "1", 0, 1, 2, -1, Fraction(1, 2)]
VARS = [X, Y, Z, W]


def _value_term(v):
    return Const(v) if isinstance(v, str) else Num(v)


@st.composite
def programs(draw):
    """EDB e/2, f/1, g/3; IDB p0..p3 in levels: a rule of a level-k predicate reads positive
    atoms of levels <= k (recursion: linear, non-linear, mutual) and negates levels < k."""
    values = VALUES if draw(st.booleans()) else [v for v in VALUES if not isinstance(v, Fraction)]
    arity = {"e": 2, "f": 1, "g": 3}
    level = {"e": 0, "f": 0, "g": 0}
    for k in range(draw(st.integers(2, 4))):
        p = f"p{k}"
        arity[p] = draw(st.integers(1, 3))
        level[p] = draw(st.integers(1, 3))
    facts = {}
    for p in ("e", "f", "g"):
        facts[p] = set(draw(st.lists(st.tuples(*[st.sampled_from(values)] * arity[p]), max_size=10)))
    idb = [p for p in arity if p.startswith("p")]
    rules = []
    for p in idb:
        for _ in range(draw(st.integers(1, 3))):
            rules.append(_rule(draw, len(rules), p, arity, level, values))
    binary = [p for p in idb if arity[p] == 2]
    if binary and draw(st.booleans()):      # non-linear recursion: the semi-naive loop
        p = draw(st.sampled_from(binary))
        rules.append(rule(len(rules), (p, (X, Z)), pos(p, X, Y), pos(p, Y, Z)))
    return rules, facts


def _rule(draw, index, head, arity, level, values):
    readable = [q for q in arity if level[q] <= level[head]]
    lower = [q for q in arity if level[q] < level[head]]
    body, bound = [], []
    recursive = False
    for _ in range(draw(st.integers(1, 3))):
        q = draw(st.sampled_from(readable))
        recursive |= level[q] == level[head] and q.startswith("p")
        args = []
        for _ in range(arity[q]):
            if draw(st.integers(0, 4)) == 0:
                args.append(_value_term(draw(st.sampled_from(values))))
            else:
                v = draw(st.sampled_from(VARS))
                args.append(v)
                if v not in bound:
                    bound.append(v)
        body.append(pos(q, *args))
    if not bound:
        body.append(pos("e", X, Y))
        bound = [X, Y]
    operand = lambda: draw(st.sampled_from(bound)) if draw(st.booleans()) \
        else _value_term(draw(st.sampled_from([v for v in values if not isinstance(v, Fraction)])))
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.integers(0, 3))
        if kind == 0 and lower:
            q = draw(st.sampled_from(lower))
            args = [draw(st.sampled_from(bound + [Var("_")])) for _ in range(arity[q])]
            body.append(neg(q, *args))
        elif kind == 1:
            body.append(cmp(draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">="])), operand(), operand()))
        elif kind == 2 and not recursive:
            op = draw(st.sampled_from(["+", "-", "*"]))
            body.append(cmp("=", V, Op(op, (draw(st.sampled_from(bound)), operand()))))
            bound = bound + [V]
        elif kind == 3:
            body.append(cmp(draw(st.sampled_from(["=", "<", "!="])),
                            Op("+", (draw(st.sampled_from(bound)), Num(1))), operand()))
    head_args = tuple(draw(st.sampled_from(bound)) if draw(st.integers(0, 5)) else
                      _value_term(draw(st.sampled_from(values))) for _ in range(arity[head]))
    return rule(index, (head, head_args), *body)


@settings(deadline=None, max_examples=150, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs())
def test_differential_random_stratified_programs(program):
    rules, facts = program
    try:
        core.saturate(rules, facts)
    except HornError:
        with pytest.raises(HornError):
            columnar.saturate(rules, facts, threshold=0)
        return
    same(rules, facts)


# ---------------------------------------------------------------- paths taken
def chain(n):
    return {"edge": {(i, i + 1) for i in range(n)}}


LINEAR = [rule(0, ("path", (X, Y)), pos("edge", X, Y)),
          rule(1, ("path", (X, Z)), pos("edge", X, Y), pos("path", Y, Z))]
NONLINEAR = [rule(0, ("tc", (X, Y)), pos("edge", X, Y)),
             rule(1, ("tc", (X, Z)), pos("tc", X, Y), pos("tc", Y, Z))]


def test_linear_recursion_is_one_recursive_cte():
    m = same(LINEAR, chain(30))
    assert isinstance(m, ColumnarModel) and m.how("path") == "cte"
    assert m.size("path") == 30 * 31 // 2


def test_nonlinear_recursion_is_the_semi_naive_loop():
    m = same(NONLINEAR, chain(30))
    assert m.how("tc") == "loop"


def test_mutual_recursion_and_negation_loop():
    rules = [rule(0, ("even", (X,)), pos("zero", X)),
             rule(1, ("even", (Y,)), pos("odd", X), pos("succ", X, Y)),
             rule(2, ("odd", (Y,)), pos("even", X), pos("succ", X, Y)),
             rule(3, ("neither", (X,)), pos("num", X), neg("even", X), neg("odd", X))]
    facts = {"zero": {(0,)}, "succ": {(i, i + 1) for i in range(20)}, "num": {(i,) for i in range(25)}}
    m = same(rules, facts)
    assert m.how("even") == "loop" and m.how("neither") == "union"
    assert set(m.tuples("neither")) == {(i,) for i in range(21, 25)}


def test_threshold_chooses_per_component():
    rules = LINEAR + [rule(2, ("small", (X,)), pos("tag", X)),
                      rule(3, ("hit", (X,)), pos("small", X), pos("path", X, Y))]
    facts = {**chain(40), "tag": {(1,), (2,)}}
    m = same(rules, facts, threshold=20)     # 40 edges: columnar; 2 tags: memory
    assert m.how("path") == "cte" and m.how("small") == "memory" and m.how("hit") == "memory"
    small = columnar.saturate(rules, facts, threshold=1000)
    assert isinstance(small, core.Model)     # nothing large: today's core model
    assert set(small.tuples("hit")) == {(1,), (2,)}


def test_default_threshold_reads_the_environment(monkeypatch):
    monkeypatch.setenv(columnar.THRESHOLD_ENV, "7")
    assert columnar.default_threshold() == 7
    monkeypatch.delenv(columnar.THRESHOLD_ENV)
    assert columnar.default_threshold() == columnar.DEFAULT_THRESHOLD


def test_division_and_fractions_stay_in_memory():
    rules = [rule(0, ("half", (X, V)), pos("n", X), cmp("=", V, Op("/", (X, Num(2))))),
             rule(1, ("lt", (X,)), pos("n", X), cmp("<", X, Num(Fraction(3, 2))))]
    facts = {"n": {(1,), (2,), (3,), ("a",)}, **chain(5)}
    m = same(rules + LINEAR, facts)
    assert m.how("half") == "memory" and m.how("lt") == "memory" and m.how("path") == "cte"
    assert isinstance(same(rules, facts), core.Model)     # nothing columnar: the core's model


def test_arithmetic_out_of_range_falls_back_to_memory():
    big = (1 << 30) - 5
    rules = [rule(0, ("s", (V,)), pos("n", X), cmp("=", V, Op("+", (X, Num(100)))))]
    m = same(rules + LINEAR, {"n": {(1,), (big,)}, **chain(5)})
    assert m.how("s") == "memory" and m.contains("s", (big + 100,)) and m.how("path") == "cte"


def test_names_and_numbers_stay_distinct():
    rules = [rule(0, ("p", (X,)), pos("n", X), cmp("=", X, Num(1)))]
    m = same(rules, {"n": {(1,), ("1",)}})
    assert set(m.tuples("p")) == {(1,)}


# ---------------------------------------------------------------- Rows
def test_rows_len_iter_getitem():
    m = columnar.saturate(LINEAR, chain(50), threshold=0)
    rows = m.select("path", (0, None))
    assert len(rows) == 50
    assert sorted(rows) == [(0, k) for k in range(1, 51)]
    got = [rows[i] for i in range(len(rows))]
    assert sorted(got) == sorted(rows) and got == [rows[i] for i in range(len(rows))]
    assert rows[-1] == got[-1]
    with pytest.raises(IndexError):
        rows[50]
    assert sum(len(b) for b in rows.batches(7)) == 50
    assert len(m.select("path", ("nowhere", None))) == 0
    assert m.contains("path", (3, 9)) and not m.contains("path", (9, 3))
    assert sorted(m.match("path", (None, 2))) == [(0, 2), (1, 2)]


def test_rows_to_arrow_and_pandas():
    pa = pytest.importorskip("pyarrow")
    pd = pytest.importorskip("pandas")
    facts = {"edge": {("a", 1), (1, 2), (2, "b")}}
    m = columnar.saturate(LINEAR, facts, threshold=0)
    rows = m.select("path")
    table = rows.to_arrow()
    assert isinstance(table, pa.Table) and table.num_rows == len(rows) == 6
    frame = rows.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert set(map(tuple, frame.itertuples(index=False))) == set(m.tuples("path"))


# ---------------------------------------------------------------- derivations
def test_derivation_premises_are_in_the_model():
    m = columnar.saturate(NONLINEAR + LINEAR, chain(20), threshold=0)
    assert m.rounds() is None
    assert m.derivation("edge", (0, 1)) is None and m.derivation("tc", (5, 0)) is None
    todo, seen = [("tc", (0, 20)), ("path", (3, 17))], set()
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        d = m.derivation(*key)
        if d is None:
            assert key[1] in chain(20).get(key[0], ())
            continue
        for p in d.premises:
            assert m.contains(*p)
            todo.append(p)
    assert len(seen) > 20



def test_nullary_predicates_stay_in_memory():
    rules = [rule(0, ("p", (X,)), pos("n", X), ("pos", "s", ())),
             rule(1, ("s", ()), pos("n", Num(1))),
             rule(2, ("q", (X,)), pos("n", X), ("neg", "t", ()))]
    m = same(rules, {"n": {(1,), (2,)}})
    assert isinstance(m, core.Model)       # every component in memory: the core's own model
    assert set(m.tuples("p")) == {(1,), (2,)} and m.size("q") == 2


def test_connection_closes_with_the_model():
    import gc
    import os
    m = columnar.saturate(LINEAR, chain(5), threshold=0)
    tmp = m._db.tmp
    assert os.path.isdir(tmp)
    del m
    gc.collect()
    assert not os.path.exists(tmp)


def test_theory_model_through_the_threshold(monkeypatch):
    from engine.kb import KnowledgeBase
    monkeypatch.setenv(columnar.THRESHOLD_ENV, "0")
    kb = KnowledgeBase()
    kb.tell("edge(a, b). edge(b, c).\npath(X, Y) :- edge(X, Y).\n"
            "path(X, Z) :- edge(X, Y), path(Y, Z).\nclosed path.\n")
    assert kb.ask("path(a, c)").verdict.name == "TRUE"
    assert kb.ask("path(c, a)").verdict.name == "FALSE"
    assert isinstance(kb._theory.model, ColumnarModel) and kb._theory.model.how("path") == "cte"
    assert kb._theory.columnar_threshold == 0


def test_certificate_of_a_query_lists_its_answers_in_derivation_order():
    m = columnar.saturate(LINEAR, chain(10), threshold=0)
    rounds = m.certificate("path", (3, None))
    derived = {t for _, p, ts in rounds if p == "path" for t in ts}
    assert {(3, k) for k in range(4, 11)} <= derived
    assert all(m.contains("path", t) for t in derived)


def test_equal_numbers_share_a_code():
    rules = [rule(0, ("j", (X,)), pos("a", X), pos("b", X))]
    m = same(rules, {"a": {(Fraction(4, 2),), (Fraction(1, 2),)}, "b": {(2,), (0.5,)}})
    assert m.size("j") == 2


def test_rows_iterate_and_index_in_one_order():
    """Iteration, slices and indexing agree (Answers reads rows by index in batches), for the
    whole relation and for a selection, on each way a component runs in DuckDB."""
    from engine.horn import columnar
    from engine.horn.core import HornRule  # noqa: F401  (the rules come from the KB below)
    from engine.kb import KnowledgeBase
    kb = KnowledgeBase(columnar_threshold=0)
    kb.tell("".join(f"edge(n{i}, n{(i * 7 + 3) % 40}).\n" for i in range(40)) +
            "path(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), path(Y, Z).\n"
            "step(X, Z) :- edge(X, Y), edge(Y, Z).\n")
    model = kb._theory.model
    assert isinstance(model, columnar.ColumnarModel)
    for pred, pattern in (("path", None), ("path", ("n3", None)), ("step", None), ("edge", (None, "n3"))):
        rows = model.select(pred, pattern)
        listed = list(rows)
        assert listed == rows[:] == [rows[i] for i in range(len(rows))] == rows[0:len(rows)]
        assert rows[2:5] == listed[2:5] and rows[-1] == listed[-1]
        assert sorted(listed) == sorted(model.match(pred, pattern or (None, None)))


def test_a_value_the_backend_never_coded_matches_nothing():
    """A query-only constant (never among the facts) has no code: selections and lookups on it
    are empty, whether it is a name or a number, and it is never mistaken for a coded value."""
    from engine.horn import columnar
    from engine.kb import KnowledgeBase
    kb = KnowledgeBase(columnar_threshold=0)
    kb.tell("".join(f"edge(n{i}, n{i + 1}).\n" for i in range(30)) +
            "path(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\n")
    model = kb._theory.model
    assert isinstance(model, columnar.ColumnarModel)
    for value in ("zz", 7, "7", 2 ** 40):
        assert len(model.select("path", (value, None))) == 0 and list(model.select("path", (None, value))) == []
        assert not model.contains("path", ("n0", value))
    from engine.errors import TypeCheckError
    with pytest.raises(TypeCheckError):      # through the API a name the KB never met is E015
        kb.ask_all("path(zz, Y)")
