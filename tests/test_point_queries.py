"""Ground queries on transitive-closure predicates (engine/horn/reach.py) through the public API:
each verdict equals breadth-first reachability, each `true` carries a proof the kernel accepted
(KnowledgeBase.ask checks it), on every graph shape and for the right-, left-recursive and
non-linear forms; programs of other shapes still go through magic sets."""
from __future__ import annotations

import random
from collections import deque

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.answer import Verdict
from engine.horn.closure_shape import closure_shape
from engine.horn.reach import Witness, point
from engine.horn.compile import HornRule
from engine.kb import KnowledgeBase
from engine.language.syntax import Var

EXIT = "path(X, Y) :- edge(X, Y)."
FORMS = {
    "right": "path(X, Z) :- edge(X, Y), path(Y, Z).",
    "left": "path(X, Z) :- path(X, Y), edge(Y, Z).",
    "nonlinear": "path(X, Z) :- path(X, Y), path(Y, Z).",
}


def reachable(edges, a, b) -> bool:
    """One or more edges lead from a to b (the least model of every form)."""
    succ: dict = {}
    for u, v in edges:
        succ.setdefault(u, []).append(v)
    seen, todo = set(), deque([a])
    while todo:
        u = todo.popleft()
        for v in succ.get(u, ()):
            if v == b:
                return True
            if v not in seen:
                seen.add(v)
                todo.append(v)
    return False


def kb_of(form: str, edges, extra: str = "", nodes: int = 64) -> KnowledgeBase:
    """The KB of one form over the edges; `node` facts name every individual a query may use."""
    kb = KnowledgeBase()
    kb.tell(" ".join([EXIT, FORMS[form], extra] + [f"edge(n{u}, n{v})." for u, v in sorted(edges)]
                     + [f"node(n{i})." for i in range(nodes)]))
    return kb


def ask(kb, a, b):
    return kb.ask(f"path(n{a}, n{b})")


def check(kb, edges, a, b):
    answer = ask(kb, a, b)
    if reachable(edges, a, b):
        assert answer.verdict is Verdict.TRUE, (a, b)
        assert answer.proof is not None
    else:
        assert answer.verdict is not Verdict.TRUE, (a, b)


def chain(n):
    return {(i, i + 1) for i in range(n - 1)}


def grid(k):
    return {(r * k + c, r * k + c + 1) for r in range(k) for c in range(k - 1)} | \
           {(r * k + c, (r + 1) * k + c) for r in range(k - 1) for c in range(k)}


def tree(n):
    return {((i - 1) // 2, i) for i in range(1, n)}


def random_graph(n, m, seed):
    rng = random.Random(seed)
    return {(rng.randrange(n), rng.randrange(n)) for _ in range(m)}


def cycles():
    return chain(6) | {(5, 0), (7, 7), (8, 9), (9, 8), (3, 3)}


GRAPHS = {
    "chain": (chain(40), [(0, 39), (39, 0), (5, 5), (10, 20)]),
    "grid": (grid(6), [(0, 35), (35, 0), (7, 28), (6, 1)]),
    "tree": (tree(63), [(0, 62), (62, 0), (1, 30), (2, 40), (1, 1)]),
    "random": (random_graph(60, 90, 3), [(a, b) for a in range(0, 60, 7) for b in range(3, 60, 11)]),
    "cycles": (cycles(), [(0, 0), (2, 1), (7, 7), (8, 8), (3, 3), (4, 4), (9, 9), (0, 5)]),
    "disconnected": (chain(4) | {(10, 11)}, [(0, 3), (0, 10), (10, 11), (11, 10), (20, 20), (0, 20), (20, 0)]),
}


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("shape", sorted(GRAPHS))
def test_point_query_matches_reachability(form, shape):
    edges, queries = GRAPHS[shape]
    extra = "edge(n20, n21)." if shape == "disconnected" else ""
    if extra:
        edges = edges | {(20, 21)}
    kb = kb_of(form, edges, extra)
    for a, b in queries:
        check(kb, edges, a, b)


def test_goal_equal_to_start_needs_a_cycle():
    for form in FORMS:
        kb = kb_of(form, {(0, 1), (1, 2), (2, 0), (3, 4), (5, 5)})
        assert ask(kb, 0, 0).verdict is Verdict.TRUE
        assert ask(kb, 5, 5).verdict is Verdict.TRUE
        assert ask(kb, 3, 3).verdict is not Verdict.TRUE


def least_path(form: str, edges: set, stated: set) -> set:
    """The least model of path by naive iteration of the exit and the form's rule."""
    path = set(edges) | set(stated)
    while True:
        if form == "right":
            new = {(x, z) for x, y in edges for y2, z in path if y == y2}
        elif form == "left":
            new = {(x, z) for x, y in path for y2, z in edges if y == y2}
        else:
            new = {(x, z) for x, y in path for y2, z in path if y == y2}
        if new <= path:
            return path
        path |= new


def test_stated_path_facts_are_steps():
    edges, stated = {(0, 1), (2, 3), (3, 4)}, {(1, 2)}
    for form in FORMS:
        kb = kb_of(form, edges, "path(n1, n2).")
        model = least_path(form, edges, stated)
        for a in range(5):
            for b in range(5):
                answer = ask(kb, a, b)
                assert (answer.verdict is Verdict.TRUE) == ((a, b) in model), (form, a, b)
                assert answer.verdict is not Verdict.TRUE or answer.proof is not None


def test_closed_world_false():
    for form in FORMS:
        kb = kb_of(form, chain(30), "closed path. closed edge.")
        assert ask(kb, 29, 0).verdict is Verdict.FALSE
        assert ask(kb, 0, 29).verdict is Verdict.TRUE


def test_both_right_and_left_steps():
    kb = KnowledgeBase()
    kb.tell("path(X, Y) :- base(X, Y). path(X, Z) :- up(X, Y), path(Y, Z). path(X, Z) :- path(X, Y), down(Y, Z). "
            "up(a, b). up(b, c). base(c, d). down(d, e). down(e, f). base(x, y).")
    for a, b, want in [("a", "f", True), ("b", "e", True), ("c", "d", True), ("a", "c", False), ("d", "f", False),
                       ("x", "y", True), ("a", "y", False)]:
        answer = kb.ask(f"path({a}, {b})")
        assert (answer.verdict is Verdict.TRUE) == want, (a, b)
        assert not want or answer.proof is not None


def test_reversed_step_atoms():
    kb = KnowledgeBase()
    kb.tell("path(X, Y) :- edge(Y, X). path(X, Z) :- path(Y, Z), edge(Y, X). edge(a, b). edge(b, c).")
    assert kb.ask("path(c, a)").verdict is Verdict.TRUE
    assert kb.ask("path(a, c)").verdict is not Verdict.TRUE


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(sorted(FORMS)),
       st.sets(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=14),
       st.integers(0, 7), st.integers(0, 7))
def test_random_small_graphs(form, edges, a, b):
    check(kb_of(form, edges), edges, a, b)


# ---------------------------------------------------------------- where the search does not apply
@pytest.mark.parametrize("rules", [
    "path(X, Z) :- edge(X, Y), path(Y, Z), not blocked(Y).",      # negation
    "path(X, Z) :- edge(X, Y), path(Y, Z), ok(Y).",               # an extra body atom
    "path(X, Z) :- edge(X, Y), path(Y, Z), X != Z.",              # a comparison
    "path(X, Z) :- edge(X, Y), path(Y, Z). path(X, Z) :- path(X, Y), path(Y, Z).",   # mixed forms
])
def test_fallback_to_magic_sets(rules):
    kb = KnowledgeBase()
    kb.tell(f"{EXIT} {rules} edge(a, b). edge(b, c). edge(c, d). ok(b). ok(c). blocked(z). closed blocked.")
    answer = kb.ask("path(a, d)")
    assert answer.verdict is Verdict.TRUE and answer.proof is not None
    assert kb.ask("path(d, a)").verdict is not Verdict.TRUE


def rule(index, head, *body):
    """A HornRule from ("pred", "X", "Y") tuples (variables only)."""
    atom = lambda a: (a[0], tuple(Var(n) for n in a[1:]))
    return HornRule(atom(head), tuple(("pos", *atom(b)) for b in body), index)


def test_shapes_recognised():
    exit_rule = rule(0, ("path", "X", "Y"), ("edge", "X", "Y"))
    steps = {"right": rule(1, ("path", "X", "Z"), ("edge", "X", "Y"), ("path", "Y", "Z")),
             "left": rule(1, ("path", "X", "Z"), ("path", "X", "Y"), ("edge", "Y", "Z")),
             "nonlinear": rule(1, ("path", "X", "Z"), ("path", "X", "Y"), ("path", "Y", "Z"))}
    for form, step in steps.items():
        assert closure_shape([exit_rule, step], "path") is not None, form
        found = point([exit_rule, step], {"edge": {("a", "b"), ("b", "c")}}, "path", ("a", "c"))
        assert isinstance(found, Witness) and found.contains("path", ("a", "c"))
        assert found.derivation("path", ("a", "c")).rule_index == 1
    extra = rule(1, ("path", "X", "Z"), ("edge", "X", "Y"), ("path", "Y", "Z"), ("ok", "Y"))
    assert closure_shape([exit_rule, extra], "path") is None
    defined = rule(2, ("edge", "X", "Y"), ("road", "X", "Y"))     # a step relation with rules
    assert closure_shape([exit_rule, steps["right"], defined], "path") is None
    assert point([exit_rule, steps["right"]], {}, "path", ("a", None)) is None


def test_numbers_and_names_as_nodes():
    exit_rule = rule(0, ("path", "X", "Y"), ("edge", "X", "Y"))
    right = rule(1, ("path", "X", "Z"), ("edge", "X", "Y"), ("path", "Y", "Z"))
    facts = {"edge": {(1, "a"), ("a", 2), (2, 1)}}
    assert point([exit_rule, right], facts, "path", (1, 1)).contains("path", (1, 1))
    assert not point([exit_rule, right], facts, "path", ("a", 3)).contains("path", ("a", 3))


def test_a_wrong_witness_is_rejected_by_the_kernel(monkeypatch):
    """The search is not trusted: a witness that claims path(n0, n0) with the derivation of
    path(n0, n2) gives a proof the kernel refuses (E050), never a `true`."""
    import engine.horn.magic as magic
    from engine.errors import ProofError
    kb = kb_of("right", {(0, 1), (1, 2)})

    def forged(rules, facts, pred, values):
        found = point(rules, facts, pred, ("n0", "n2"))
        found._derived[(pred, values)] = found._derived[(pred, ("n0", "n2"))]
        found._held[pred].add(values)
        return found
    monkeypatch.setattr(magic, "point", forged)
    with pytest.raises(ProofError) as info:
        kb.ask("path(n0, n0)")
    assert info.value.codes == ["E050"]


def kernel_rule(head, *body):
    from engine.language import syntax as S
    atom = lambda a: S.Atom(a[0], tuple(S.Var(n) for n in a[1:]))
    return S.Rule(atom(head), tuple(atom(b) for b in body))


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(sorted(FORMS)),
       st.sets(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=12),
       st.integers(0, 6), st.integers(0, 6))
def test_kernel_closure_goal_matches_reachability(form, edges, a, b):
    """The kernel's own search (engine/kernel/reach.py `closure_goal`), which checks
    closed-world `not path(a, b)` steps, agrees with reachability."""
    from engine.kernel.reach import closure_goal
    steps = {"right": kernel_rule(("path", "X", "Z"), ("edge", "X", "Y"), ("path", "Y", "Z")),
             "left": kernel_rule(("path", "X", "Z"), ("path", "X", "Y"), ("edge", "Y", "Z")),
             "nonlinear": kernel_rule(("path", "X", "Z"), ("path", "X", "Y"), ("path", "Y", "Z"))}
    by_head = {"path": [kernel_rule(("path", "X", "Y"), ("edge", "X", "Y")), steps[form]]}
    found = closure_goal(by_head, {"edge": set(edges)}, "path", (a, b))
    assert found == ({(a, b)} if reachable(edges, a, b) else set())
