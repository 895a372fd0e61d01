"""The trusted checker. Every proof passes through `check` before an answer is returned.

It imports no search code: it parses claims, compares them with the knowledge base,
evaluates ground arithmetic, and for `smt` steps asks a fresh z3 solver one yes/no
question (the one place where it trusts an external tool, and `answer.rests_on`
says so). One function per justification:

    ─────────── premise        the claim is a statement of the KB (up to bound-variable names)
     ⊢ claim

    ⊢ body[σ]     rule: head :- body
    ──────────────────────────────── rule
             ⊢ head[σ]

    p closed, p(t) not in the closure of the KB
    ─────────────────────────────────────────── closed
                 ⊢ not p(t)

    ⊢ c1 ... ⊢ cn     c1 ∧ ... ∧ cn ∧ ¬claim unsat (z3)
    ─────────────────────────────────────────────────── smt
                      ⊢ claim

    model m read input i as claim with confidence c, registered in the KB
    ───────────────────────────────────────────────────────────────────── perceived
                      ⊢ claim
"""
from __future__ import annotations

from fractions import Fraction
from typing import Protocol

from . import syntax as S
from .errors import Diagnostic, ParseError, ProofError
from .parse import parse_formula, parse_ground_literal
from .proof import KINDS, Proof, Step
from .signature import Signature
from .solver import entails
from .terms import canonical, free_vars, show_ground_atom, show_value, substitute, term_value, value_term


class Context(Protocol):
    """What the kernel needs to know about the knowledge base."""

    signature: Signature

    def statement_at(self, source: str): ...          # -> Checked (statement, sentence) or None
    def is_closed_false(self, pred: str, values: tuple) -> bool: ...
    def perception(self, claim: str): ...             # -> (model, input, confidence) or None


class Rejected(Exception):
    pass


def check(proof: Proof, ctx: Context, claim=None, timeout_ms: int = 10_000) -> None:
    """Accept the proof or raise ProofError naming the first failing step."""
    texts: dict[int, str] = {}       # step id -> claim text, for every accepted step
    proved: dict[int, object] = {}   # step id -> claim as a formula, once it has been read
    memo: dict = {}                  # facts about the KB's statements, computed once per check
    for step in proof.steps:
        try:
            if step.id in texts:
                raise Rejected(f"duplicate step id {step.id}")
            if step.by not in KINDS:
                raise Rejected(f"unknown justification '{step.by}'")
            for p in step.premises:
                if p not in texts:
                    raise Rejected(f"refers to step {p}, which does not come before it")
            if not (step.by == "rule" and _rule_by_text(step, texts, ctx, memo)
                    or step.by == "premise" and _fact_by_text(step, ctx, memo)):
                formula = _claim(step.claim)
                premises = [_read(p, texts, proved) for p in step.premises]
                CHECKS[step.by](step, formula, premises, ctx, timeout_ms, memo)
                proved[step.id] = formula
            texts[step.id] = step.claim
        except Rejected as e:
            raise ProofError([Diagnostic("E050", f"(kernel) step {step.id} ({step.by}) rejected: {e}")]) from None
    if not proof.steps:
        raise ProofError([Diagnostic("E050", "(kernel) empty proof")])
    if claim is not None and _read(proof.conclusion.id, texts, proved) != claim:
        raise ProofError([Diagnostic("E050", f"(kernel) the proof concludes {proof.conclusion.claim}, "
                                             f"not {S.show_formula(claim)}")])


def _read(step_id: int, texts: dict, proved: dict):
    """The claim of an accepted step as a formula."""
    if step_id not in proved:
        proved[step_id] = _claim(texts[step_id])
    return proved[step_id]


def _claim(text: str):
    f = parse_ground_literal(text)
    if f is not None:
        return f
    try:
        f = parse_formula(text, "<claim>")
    except ParseError as e:
        raise Rejected(f"claim does not parse: {e.diagnostics[0].message}") from None
    if free_vars(f):
        raise Rejected("claim has free variables")
    return f


def _rule_by_text(step: Step, texts: dict, ctx: Context, memo: dict) -> bool:
    """Accept a rule step whose claim and premises read exactly as the printer writes the
    rule's head and body atoms under the substitution (printed text parses back to the
    formula printed: tests/test_parse.py). False leaves the step to `check_rule`: a rule with
    tests, negation, functions or `_`, or texts that differ in any way."""
    key = ("text", step.rule)
    if key not in memo:
        checked = ctx.statement_at(step.rule or "")
        memo[key] = _atom_formats(checked.statement) if checked is not None else None
    shape = memo[key]
    if shape is None or len(step.premises) != len(shape[1]) - 1:
        return False
    variables, formats = shape
    sub, values = step.subst or {}, memo.setdefault("values", {})
    try:
        shown = {name: show_value(sub[name], values) for name in variables}
    except (KeyError, TypeError, ValueError):
        return False
    if formats[0].format_map(shown) != step.claim:
        return False
    for p, f in zip(step.premises, formats[1:]):
        if texts[p] != f.format_map(shown):
            return False
    return True


def _fact_by_text(step: Step, ctx: Context, memo: dict) -> bool:
    """Accept a premise step whose claim reads exactly as the printer writes the ground fact
    at its source; False leaves the step to `check_premise`."""
    checked = ctx.statement_at(step.source or "")
    sentence = checked.sentence if checked is not None else None
    if type(sentence) is not S.Atom:
        return False
    values = [term_value(a) for a in sentence.args]
    return None not in values and show_ground_atom(sentence.pred, values, memo.setdefault("values", {})) == step.claim


def _atom_formats(statement) -> tuple | None:
    """The rule's variables, and its head and body atoms as format strings with one field
    per variable (`path({X}, {Z})`); None unless every literal is an atom over variables
    and ground values."""
    if not isinstance(statement, S.Rule) or not all(isinstance(lit, S.Atom) for lit in statement.body):
        return None
    variables, formats = set(), []
    for atom in (statement.head, *statement.body):
        if not isinstance(atom, S.Atom):
            return None
        parts = []
        for a in atom.args:
            if isinstance(a, S.Var) and a.name != "_" and a.name.isidentifier():
                variables.add(a.name)
                parts.append("{" + a.name + "}")
            elif isinstance(a, (S.Const, S.Num)):
                parts.append(S.show_term(a).replace("{", "{{").replace("}", "}}"))
            else:
                return None
        pred = S.show_name(atom.pred).replace("{", "{{").replace("}", "}}")
        formats.append(f"{pred}({', '.join(parts)})" if parts else pred)
    return tuple(sorted(variables)), tuple(formats)


def check_premise(step: Step, claim, premises, ctx: Context, timeout_ms, memo):
    """The claim is the sentence of the statement at `source`, up to renaming of bound variables."""
    checked = ctx.statement_at(step.source or "")
    if checked is None or checked.sentence is None:
        raise Rejected(f"no statement at {step.source}")
    if checked.sentence != claim and canonical(checked.sentence) != canonical(claim):
        raise Rejected(f"the statement at {step.source} is not {step.claim}")


def check_rule(step: Step, claim, premises, ctx: Context, timeout_ms, memo):
    """The rule at `rule`, instantiated by `subst`, has the premises as body and the claim as head."""
    checked = ctx.statement_at(step.rule or "")
    if checked is None or not isinstance(checked.statement, S.Rule):
        raise Rejected(f"no rule at {step.rule}")
    rule = checked.statement
    sub = step.subst or {}
    variables = memo.get(("vars", step.rule))
    if variables is None:
        variables = memo[("vars", step.rule)] = free_vars(rule)
    if variables - set(sub):
        raise Rejected(f"substitution leaves {', '.join(sorted(variables - set(sub)))} unbound")
    terms = {k: value_term(v) for k, v in sub.items()}
    if substitute(rule.head, terms) != claim:
        raise Rejected("the claim is not the head of the rule under the substitution")
    needed = []
    for lit in rule.body:
        inst = substitute(lit, terms)
        if isinstance(inst, S.Cmp):
            if not evaluate_cmp(inst):
                raise Rejected(f"the test {S.show_formula(inst)} is false")
        else:
            needed.append(inst)
    if len(needed) != len(premises) or not all(map(_instance_of, needed, premises)):
        raise Rejected("the premises are not the body of the rule under the substitution")


def _instance_of(literal, premise) -> bool:
    """The premise is the body literal, where each anonymous `_` of a positive atom may stand
    for any value (`q(X) :- p(X, _)` reads: for all X, Y, p(X, Y) implies q(X))."""
    if literal == premise:
        return True
    return (isinstance(literal, S.Atom) and isinstance(premise, S.Atom) and literal.pred == premise.pred
            and len(literal.args) == len(premise.args)
            and all(a == b or (isinstance(a, S.Var) and a.name == "_" and isinstance(b, (S.Const, S.Num)))
                    for a, b in zip(literal.args, premise.args)))


def check_closed(step: Step, claim, premises, ctx: Context, timeout_ms, memo):
    """`not p(c)` for a closed predicate p whose atom p(c) is not in the KB's closure."""
    if not (isinstance(claim, S.Not) and isinstance(claim.body, S.Atom)):
        raise Rejected("a closed step must claim `not p(...)`")
    atom = claim.body
    if atom.pred != step.predicate or atom.pred not in ctx.signature.closed:
        raise Rejected(f"predicate {atom.pred} is not closed")
    values = tuple(_value(a) for a in atom.args)
    if not ctx.is_closed_false(atom.pred, values):
        raise Rejected(f"{S.show_atom(atom)} is derivable")


def check_smt(step: Step, claim, premises, ctx: Context, timeout_ms, memo):
    """The premises (or the listed instances of them) and the negated claim are unsatisfiable."""
    formulas = []
    for pid, f in zip(step.premises, premises):
        subs = (step.instances or {}).get(pid)
        formulas.extend(instantiate(f, subs, ctx.signature) if subs else [f])
    outcome = entails(ctx.signature, formulas, claim, timeout_ms)
    if outcome.status != "unsat":
        raise Rejected("z3 does not confirm that the claim follows" +
                       (f" ({outcome.reason})" if outcome.reason else ""))


def check_perceived(step: Step, claim, premises, ctx: Context, timeout_ms, memo):
    """The claim was registered in the KB as perceived, with this model, input and confidence."""
    record = ctx.perception(step.claim)
    if record is None or tuple(record) != (step.model, step.input, step.confidence):
        raise Rejected("no such perceived fact in the KB")


CHECKS = {"premise": check_premise, "rule": check_rule, "closed": check_closed,
          "smt": check_smt, "perceived": check_perceived}


def instantiate(f, substs: list, ctx_sig: Signature) -> list:
    """Instances of a universal sentence: each substitution fixes some of its outer variables."""
    if not isinstance(f, S.Quant) or f.kind != "forall":
        raise Rejected("instances given for a premise that is not universal")
    out = []
    for sub in substs:
        bound = {n for n, _ in f.vars}
        if set(sub) - bound:
            raise Rejected(f"instance binds {sorted(set(sub) - bound)}, which the premise does not quantify")
        _check_sorts(f.vars, sub, ctx_sig)
        body = substitute(f.body, {k: value_term(v) for k, v in sub.items()})
        rest = tuple((n, s) for n, s in f.vars if n not in sub)
        out.append(S.Quant("forall", rest, body) if rest else body)
    return out


def _check_sorts(vars_, sub, sig: Signature):
    """Each instantiated value must belong to the sort of its variable."""
    for name, sort in vars_:
        if name not in sub:
            continue
        v, domain = sub[name], sig.domain(sort)
        ok = (v in domain) if domain is not None else (
            isinstance(v, str) and sig.consts.get(v) == sort if sig.sorts.get(sort) and sig.sorts[sort].kind == "open"
            else not isinstance(v, str) and (sort == "real" or Fraction(v).denominator == 1))
        if not ok:
            raise Rejected(f"instance value {v!r} is not of sort {sort}")


def _value(t):
    if isinstance(t, S.Const):
        return t.name
    if isinstance(t, (S.Num, S.Op)):
        return evaluate(t)
    raise Rejected("closed-world atoms must be ground")


def evaluate(t):
    """Exact value of a ground arithmetic term (Fraction), or a constant's name."""
    match t:
        case S.Num(value):
            return Fraction(value)
        case S.Const(name):
            return name
        case S.Op("-", (arg,)):
            return -_number(evaluate(arg))
        case S.Op(op, (l, r)):
            a, b = _number(evaluate(l)), _number(evaluate(r))
            if op == "/" and b == 0:
                return Fraction(0)          # x / 0 = 0: the language's total division
            return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b}[op]()
    raise Rejected(f"cannot evaluate {S.show_term(t)} in the kernel")


def _number(v):
    if isinstance(v, str):
        raise Rejected("arithmetic on a constant")
    return v


def evaluate_cmp(c: S.Cmp) -> bool:
    a, b = evaluate(c.left), evaluate(c.right)
    if c.op in ("=", "!="):
        return (a == b) == (c.op == "=")
    if isinstance(a, str) or isinstance(b, str):
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[c.op]
