"""CLadder questions as Scientia programs: the causal model, the given numbers and the query
in the language itself (grammar/scientia.lark, "causal models"), answered by the engine's
knowledge base rather than by engine.causal directly (that is task.py, the "direct" runner).

`program(item)` returns a `Program`:

  * `.text`: a comment line (desc_id and the question), `var` declarations of the graph's
    nodes (names lowercased: X -> x, V2 -> v2, all `bool`), the `graph`, the given numbers
    as `P(event | condition) = number.` (every table row; `x` is x = 1, `not x` is x = 0;
    the numbers printed exactly: each is data.py's Fraction, a terminating decimal), and,
    for a deterministic counterfactual, the mechanisms of reasoning step4 as structural
    equations (`Y = X or not V2` -> `y := x | not v2.`; 0 / 1 folded away; a mechanism
    `V = 0` / `V = 1` restating the evidence is left out, as task.py does; a parent a
    mechanism reads that the structure lacks is added to the graph, with a comment line);
  * `.query`: the yes/no question as a query (without `?-` and `.`), one per query type:
      marginal        P(y) > 1/2
      correlation     P(y | x) - P(y | not x) > 0
      exp_away        P(y | x, c) - P(y | c) > 0          (c the collider, at the value asked)
      ate / ett       ATE(x, y) > 0 / ETT(x, y) > 0
      nde / nie       NDE(x, y, m...) > 0 / NIE(x, y, m...) > 0
      collider_bias   ATE(x, y) = 0
      backadj         BACKDOOR(x, y, {method 1}) & not BACKDOOR(x, y, {method 2}); only the
                      first when method 1's set is smaller (CLadder prefers the smaller valid set)
      det-cf          y under do(not x) given v2          (from meta.formal_form)
  * `.value_query`: the number CLadder's groundtruth states (`P(y)`, `ATE(x, y)`, ...), or
    None (collider_bias, backadj, det-counterfactual); `.negative_query`: `value < 0`, asked
    only when `term > 0` is false without a number and the answer hinges on 0 vs negative;
  * `.decide(answer)`: "yes" / "no" / "unknown", exactly as task.py's `decide`: the
    answer's exact `.value` when it has one (so that a zero effect is "no" for either
    polarity), else the verdict where it alone settles the answer; an UNKNOWN verdict (or a
    FALSE that cannot tell 0 from negative without a value) is "unknown", never a guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from engine.language import syntax as S

from .data import Item
from .mechanism import ProgramError, mechanism, name
from .task import _sign
from .task import decide as task_decide








def literal(v: str, value: int = 1):
    """`v` (v = 1) or `not v` (v = 0)."""
    a = S.Atom(name(v))
    return a if value else S.Not(a)


def prob(events, given=()) -> S.Prob:
    return S.Prob(tuple(events), None, tuple(given))


def _num(value) -> S.Num:
    return S.Num(Fraction(value))


# ---------------------------------------------------------------------- the given numbers
def given_statements(item: Item) -> list:
    """`P(...) = number.` for every row of every given table, in data.py's order."""
    out = []
    for cond in item.conds:
        for values, p in cond.table.items():
            given = [literal(g, v) for g, v in zip(cond.given, values)]
            out.append(S.Axiom(S.Cmp("=", prob([literal(cond.head)], given), _num(p))))
    for event, p in item.events.items():
        events = [literal(v, val) for v, val in sorted(event, key=lambda e: (e[0] != item.outcome, e))]
        out.append(S.Axiom(S.Cmp("=", prob(events), _num(p))))
    return out


# ---------------------------------------------------------------------- step4 mechanisms
def equations(item: Item) -> list:
    """The structural equations of reasoning step4 (`V = formula` lines)."""
    nodes = {n for e in item.edges for n in e}
    out = []
    for line in item.mechanisms.splitlines():
        if not line.strip():
            continue
        v, eq, rhs = line.partition("=")
        v = v.strip()
        if not eq or v not in nodes:
            raise ProgramError(f"bad mechanism line {line!r}: expected `V = formula` for a graph variable")
        if rhs.strip() in ("0", "1") and v in item.evidence:
            continue   # the evidence, stated again (task.py skips it too)
        f = mechanism(rhs, nodes)
        if isinstance(f, bool):      # a constant mechanism (never in CLadder's data)
            f = S.Atom("true" if f else "false")
        out.append(S.Equation(name(v), f))
    return out


def mechanism_edges(edges: list, eqs: list) -> list:
    """The edges (parent, v) that an equation `v := f` reads but the structure lacks: CLadder's
    mechanisms are sometimes at odds with its structure (diamondcut: `V3 = not X` with
    V1 -> V3), and its answers follow the mechanisms, as task.py does. Raises ProgramError
    when the added edges would make a cycle."""
    present, added = set(edges), []
    for eq in eqs:
        for n in S.nodes(eq.rhs):
            if isinstance(n, S.Atom) and n.pred not in ("true", "false") and (n.pred, eq.var) not in present:
                present.add((n.pred, eq.var))
                added.append((n.pred, eq.var))
    if added:
        children = {}
        for a, b in present:
            children.setdefault(a, set()).add(b)
        state = {}

        def visit(v):
            state[v] = 1
            for c in children.get(v, ()):
                if state.get(c) == 1 or (c not in state and visit(c)):
                    return True
            state[v] = 2
            return False
        if any(v not in state and visit(v) for v in list(children)):
            raise ProgramError(f"the mechanisms' parents {added} make the graph cyclic")
    return added


# ---------------------------------------------------------------------- queries
_DET_QUERY = re.compile(r"^\s*(\w+)_\{\s*(\w+)\s*=\s*([01])\s*\}\s*=\s*([01])\s*\|(.*)$")
_ASSIGN = re.compile(r"^\s*(\w+)\s*=\s*([01])\s*$")
_COLLIDER_VALUE = re.compile(r"\|\s*[^|]*?\b{c}\s*=\s*([01])\s*\)\s*$")


def _gt0(term):
    return S.Cmp(">", term, S.Num(0))


def _diff(a, b):
    return S.Op("-", (a, b))


def _det_query(item: Item) -> S.CausalQuery:
    m = _DET_QUERY.match(item.formal_form)
    if not m:
        raise ProgramError(f"det-counterfactual formal form {item.formal_form!r} is not `Y_{{X=a}} = v | evidence`")
    y, x, a, target, rest = m.group(1), m.group(2), int(m.group(3)), int(m.group(4)), m.group(5)
    given = []
    for part in rest.split(","):
        if not part.strip():
            continue
        e = _ASSIGN.match(part)
        if not e:
            raise ProgramError(f"det-counterfactual evidence {part.strip()!r} in {item.formal_form!r}")
        given.append(literal(e.group(1), int(e.group(2))))
    return S.CausalQuery(literal(y, target), S.Do((literal(x, a),)), tuple(given))


def collider_value(item: Item) -> int:
    """The value the exp_away question conditions the collider on (from the formal form's
    last conditional, `... - P(Y = 1 | V3 = 1)`); 1 when the form does not say."""
    m = re.search(_COLLIDER_VALUE.pattern.format(c=re.escape(item.collider)), item.formal_form)
    return int(m.group(1)) if m else 1


def queries(item: Item):
    """(query node, value term or None) for the item's query type."""
    qt, x, y = item.query_type, item.treatment, item.outcome
    X, Y = literal(x), literal(y)
    if qt == "marginal":
        value = prob([Y])
        return S.Cmp(">", value, S.Op("/", (S.Num(1), S.Num(2)))), value
    if qt == "correlation":
        value = _diff(prob([Y], [X]), prob([Y], [literal(x, 0)]))
        return _gt0(value), value
    if qt == "exp_away":
        if not item.collider:
            raise ProgramError("exp_away question without a collider")
        c = literal(item.collider, collider_value(item))
        value = _diff(prob([Y], [X, c]), prob([Y], [c]))
        return _gt0(value), value
    if qt in ("ate", "ett"):
        value = S.Effect(qt.upper(), (name(x), name(y)))
        return _gt0(value), value
    if qt in ("nde", "nie"):
        if not item.mediators:
            raise ProgramError(f"{qt} question without mediators")
        value = S.Effect(qt.upper(), (name(x), name(y), *map(name, item.mediators)))
        return _gt0(value), value
    if qt == "collider_bias":
        return S.Cmp("=", S.Effect("ATE", (name(x), name(y))), S.Num(0)), None
    if qt == "backadj":
        # CLadder's "more correct": a valid back-door set, and the other is not, or is larger
        # (checked on the development quarter: where both are valid, the smaller is preferred).
        # The query's shape depends only on the two sets the question names, not on the graph.
        one, two = (tuple(map(name, s)) for s in item.method_sets)
        first = S.Backdoor(name(x), name(y), one)
        if len(one) < len(two):
            return first, None
        return S.And((first, S.Not(S.Backdoor(name(x), name(y), two)))), None
    if qt == "det-counterfactual":
        return _det_query(item), None
    raise ProgramError(f"query type {qt!r} has no program")


def query_text(node) -> str:
    """A query node as text, without `?- ` and the final `.`."""
    if isinstance(node, S.CausalQuery):
        text = S.show(node)
    elif isinstance(node, S.TERMS):
        text = S.show(S.CausalQuery(node))
    else:
        text = S.show(S.Query(node))
    assert text.startswith("?- ") and text.endswith(".")
    return text[3:-1]


# ---------------------------------------------------------------------- deciding
def decide_value(item: Item, value) -> str:
    """task.py's `decide` on a number (collider_bias: yes iff (effect != 0) == polarity)."""
    if item.query_type == "collider_bias":
        return "yes" if (_sign(value) != 0) == item.polarity else "no"
    return task_decide(item, value)


def _verdict_name(answer) -> str:
    v = getattr(answer, "verdict", answer)
    return str(getattr(v, "name", v)).upper()


def decide(item: Item, answer, value=None, negative=None) -> str:
    """CLadder's yes / no for the Answer of `program(item).query`; "unknown" when the answers
    do not settle it. `value`: the number of the value query, used when the answer carries
    none; `negative`: the Answer of `negative_query` (`term < 0`), which tells a zero effect
    from a negative one when the comparison is false without a number."""
    verdict = _verdict_name(answer)
    if verdict not in ("TRUE", "FALSE"):
        return "unknown"
    true = verdict == "TRUE"
    qt, pol = item.query_type, item.polarity
    if qt in ("backadj", "det-counterfactual"):
        return "yes" if true else "no"
    if qt == "collider_bias":                 # ATE = 0: yes iff (effect != 0) == polarity
        return "yes" if (not true) == pol else "no"
    if qt == "marginal":                      # P(y) > 1/2: yes iff verdict == polarity
        return "yes" if true == pol else "no"
    number = getattr(answer, "value", None)
    if number is None:
        number = value
    if number is not None:
        # the number the comparison `term > 0` is about; a verdict it contradicts settles nothing
        if (_sign(number) > 0) != true and _sign(number) != 0:
            return "unknown"
        return decide_value(item, Fraction(number))
    # no number: TRUE means > 0 (taken as beyond task.py's 1e-9); FALSE means <= 0, which
    # settles only the answer that is "no" for 0 and for a negative value alike
    if true:
        return ("yes" if not pol else "no") if qt == "ett" else ("yes" if pol else "no")
    if (qt == "ett") != pol:                  # "no" whether the value is 0 or negative
        return "no"
    neg = None if negative is None else _verdict_name(negative)
    if neg == "TRUE":                         # < 0
        return decide_value(item, Fraction(-1))
    if neg == "FALSE":                        # <= 0 and not < 0: no effect
        return "no"
    return "unknown"


# ---------------------------------------------------------------------- the program
@dataclass
class Program:
    item: Item
    statements: list
    query_node: object
    value_node: object = None
    text: str = ""
    query: str = ""
    value_query: str | None = None
    negative_query: str | None = None
    header: str = field(default="", repr=False)

    def decide(self, answer, value=None, negative=None) -> str:
        return decide(self.item, answer, value, negative)

    def file_text(self) -> str:
        """The program followed by its query, as written to programs/<desc_id>.kb."""
        return f"{self.text}\n?- {self.query}.\n"


def _comment(text: str) -> str:
    return "% " + " ".join(str(text).split())


def program(item: Item) -> Program:
    """The Scientia program of one CLadder item (see the module docstring)."""
    nodes = []
    for a, b in item.edges:
        for n in (a, b):
            if n not in nodes:
                nodes.append(n)
    low = [name(n) for n in nodes]
    if len(set(low)) != len(low):
        raise ProgramError(f"variables {nodes} clash once lowercased")
    edges = [(name(a), name(b)) for a, b in item.edges]
    eqs = equations(item) if item.query_type == "det-counterfactual" else []
    added = mechanism_edges(edges, eqs)
    statements = [S.VarDecl(tuple(low), "bool"), S.GraphDecl(tuple((a, "->", b) for a, b in edges + added))]
    statements += given_statements(item)
    statements += eqs
    qnode, vnode = queries(item)
    header = [_comment(f"CLadder {item.desc_id} ({item.query_type}, rung {item.rung}): {item.question}".rstrip(": "))]
    if added:
        header.append(_comment("the mechanisms (reasoning step4) read parents the structure lacks: "
                               + ", ".join(f"{a} -> {b}" for a, b in added) + " (added to the graph)"))
    text = "\n".join(header + [S.show(s) for s in statements]) + "\n"
    return Program(item=item, statements=statements, query_node=qnode, value_node=vnode, text=text,
                   query=query_text(qnode), value_query=None if vnode is None else query_text(vnode),
                   negative_query=query_text(S.Cmp("<", vnode, S.Num(0)))
                   if vnode is not None and item.query_type != "marginal" else None,
                   header="\n".join(header))
