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

Every claim must be well-sorted in the signature the kernel is given (each constant
declared, of the sort its position asks for; each number of a numeric sort, integral
for int and range sorts, inside a range; every value of a rule substitution or smt
instance of its variable's sort). Anything that goes wrong while checking a step (a
claim that does not parse, a z3 sort error, a division by zero, deep recursion) rejects
that step with E050; the kernel never raises anything but ProofError. When z3 cannot
settle an smt step within the budget, it raises KernelBudget (a ProofError): the step is
neither accepted nor shown wrong.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Protocol

from . import syntax as S
from .errors import Diagnostic, KernelBudget, ParseError, ProofError
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


class Unconfirmed(Rejected):
    """z3 could not settle the step within the budget."""


def check(proof: Proof, ctx: Context, claim=None, timeout_ms: int = 10_000) -> None:
    """Accept the proof or raise ProofError naming the first failing step (KernelBudget, a
    ProofError, when z3 could not settle an smt step in time). Nothing else escapes."""
    texts: dict[int, str] = {}       # step id -> claim text, for every accepted step
    proved: dict[int, object] = {}   # step id -> claim as a formula, once it has been read
    memo: dict = {}                  # facts about the KB's statements, computed once per check
    if not isinstance(getattr(proof, "steps", None), (tuple, list)):
        raise ProofError([Diagnostic("E050", "(kernel) not a proof")])
    for step in proof.steps:
        try:
            _check_step(step, ctx, timeout_ms, texts, proved, memo)
        except Unconfirmed as e:
            raise KernelBudget([Diagnostic("E050", f"(kernel) step {_id(step)} ({_by(step)}) not confirmed: {e}",
                                           None, "raise the time budget (timeout_ms)")]) from None
        except Rejected as e:
            raise _rejected(step, e) from None
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as e:     # z3 sort errors, bad JSON values, overflow, recursion: a rejection
            raise _rejected(step, f"cannot be checked ({type(e).__name__}: {e})") from None
    if not proof.steps:
        raise ProofError([Diagnostic("E050", "(kernel) empty proof")])
    if claim is None:
        return
    try:
        concluded = _read(proof.conclusion.id, texts, proved)
        same = concluded == claim
        shown = S.show_formula(claim)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as e:
        raise ProofError([Diagnostic("E050", f"(kernel) cannot compare the conclusion with the claim: {e}")]) from None
    if not same:
        raise ProofError([Diagnostic("E050", f"(kernel) the proof concludes {proof.conclusion.claim}, "
                                             f"but the claim it must prove is {shown}")])


def _check_step(step: Step, ctx: Context, timeout_ms, texts: dict, proved: dict, memo: dict) -> None:
    if not isinstance(step, Step):
        raise Rejected("not a proof step")
    if step.id in texts:
        raise Rejected(f"duplicate step id {step.id}")
    if step.by not in KINDS:
        raise Rejected(f"unknown justification '{step.by}'")
    if not isinstance(step.claim, str):
        raise Rejected("the claim is not a text")
    for p in step.premises:
        if p not in texts:
            raise Rejected(f"refers to step {p}, which does not come before it")
    if step.by == "rule":
        _check_subst_sorts(step, ctx, memo)
    if not (step.by == "rule" and _rule_by_text(step, texts, ctx, memo)
            or step.by == "premise" and _fact_by_text(step, ctx, memo)):
        formula = _claim(step.claim)
        well_sorted(formula, ctx.signature)
        premises = [_read(p, texts, proved) for p in step.premises]
        CHECKS[step.by](step, formula, premises, ctx, timeout_ms, memo)
        proved[step.id] = formula
    texts[step.id] = step.claim


def _rejected(step, why) -> ProofError:
    return ProofError([Diagnostic("E050", f"(kernel) step {_id(step)} ({_by(step)}) rejected: {why}")])


def _id(step):
    return getattr(step, "id", "?")


def _by(step):
    return getattr(step, "by", "?")


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
    """The premises (or the listed instances of them) and the negated claim are unsatisfiable;
    when z3 answers unknown (time), the step is unconfirmed (KernelBudget), not rejected."""
    formulas = []
    for pid, f in zip(step.premises, premises):
        subs = (step.instances or {}).get(pid)
        formulas.extend(instantiate(f, subs, ctx.signature) if subs else [f])
    outcome = entails(ctx.signature, formulas, claim, timeout_ms)
    if outcome.status == "unknown":
        raise Unconfirmed("z3 could not settle it within the budget" +
                          (f" ({outcome.reason})" if outcome.reason else ""))
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
        if name in sub and not fits(sub[name], sort, sig):
            raise Rejected(f"instance value {sub[name]!r} is not of sort {sort}")


def _check_subst_sorts(step: Step, ctx: Context, memo: dict) -> None:
    """Each value of a rule step's substitution belongs to the sort its variable has in the
    rule's typed sentence (`forall X: s, ... . body -> head`), and only the rule's
    variables are bound."""
    key = ("sorts", step.rule)
    if key not in memo:
        checked = ctx.statement_at(step.rule or "")
        if checked is None or not isinstance(checked.statement, S.Rule):
            memo[key] = None       # `check_rule` says there is no rule there
        else:
            sentence = checked.sentence
            memo[key] = dict(sentence.vars) if isinstance(sentence, S.Quant) and sentence.kind == "forall" else {}
    sorts = memo[key]
    if sorts is None:
        return
    sub = step.subst if step.subst is not None else {}
    if not isinstance(sub, dict):
        raise Rejected("the substitution is not a mapping from variables to values")
    for name, v in sub.items():
        sort = sorts.get(name)
        if sort is None:
            raise Rejected(f"the substitution binds {name}, which is not a variable of the rule")
        if not fits(v, sort, ctx.signature):
            raise Rejected(f"the substitution gives {name} the value {v!r}, which is not of sort {sort}")


def fits(v, sort: str, sig: Signature) -> bool:
    """A ground value (constant name, int or Fraction) belongs to the sort: a constant declared
    with that sort (for closed and enum sorts, one of its elements), an integer for int, a
    number for real, an integer between the bounds for a range."""
    info = sig.sorts.get(sort)
    if info is None or isinstance(v, bool):
        return False
    if isinstance(v, str):
        return info.kind in ("closed", "enum", "open") and sig.consts.get(v) == sort
    if not isinstance(v, (int, Fraction)) or info.kind not in ("int", "real", "range"):
        return False
    if info.kind == "real":
        return True
    if Fraction(v).denominator != 1:
        return False
    return info.kind == "int" or bool(info.elements) and info.elements[0] <= v <= info.elements[-1]


_INT, _REAL = "#int", "#real"     # the sort of a number literal or an arithmetic result


def well_sorted(f, sig: Signature, env: dict | None = None) -> None:
    """Reject a claim unless it is well-sorted: each predicate and function is declared and
    applied to as many arguments as it takes, each argument fits the sort of its position,
    both sides of a comparison have one sort (or are both numeric), each quantified variable
    has a declared sort, and each constant is declared."""
    env = env or {}
    match f:
        case S.Atom(pred, args):
            sorts = sig.preds.get(pred)
            if sorts is None:
                raise Rejected(f"unknown predicate {pred}")
            if len(sorts) != len(args):
                raise Rejected(f"{pred} takes {len(sorts)} argument(s), not {len(args)}")
            for a, sort in zip(args, sorts):
                _fit_term(a, sort, sig, env)
        case S.Cmp(op, left, right):
            a, b = _term_sort(left, sig, env), _term_sort(right, sig, env)
            numeric = _numeric(a, sig) and _numeric(b, sig)
            if (op not in ("=", "!=") or a != b) and not numeric:
                raise Rejected(f"ill-sorted comparison {S.show_formula(f)}")
        case S.Not(body):
            well_sorted(body, sig, env)
        case S.And(items) | S.Or(items):
            for x in items:
                well_sorted(x, sig, env)
        case S.Implies(left, right) | S.Iff(left, right):
            well_sorted(left, sig, env)
            well_sorted(right, sig, env)
        case S.Quant(_, vars_, body):
            inner = dict(env)
            for name, sort in vars_:
                if sort not in sig.sorts:
                    raise Rejected(f"variable {name} has no known sort")
                inner[name] = sort
            well_sorted(body, sig, inner)
        case _:
            raise Rejected("not a formula")


def _fit_term(t, sort: str, sig: Signature, env: dict) -> None:
    """The term may stand where `sort` is expected."""
    if isinstance(t, S.Num):
        if not fits(t.value, sort, sig):
            raise Rejected(f"{S.show_term(t)} is not of sort {sort}")
        return
    if isinstance(t, S.Const):
        if t.name not in sig.consts:
            raise Rejected(f"unknown constant {S.show_name(t.name)}")
        if not fits(t.name, sort, sig):
            raise Rejected(f"{S.show_name(t.name)} is of sort {sig.consts[t.name]}, not {sort}")
        return
    found = _term_sort(t, sig, env)
    kind = sig.sorts[sort].kind if sort in sig.sorts else None
    if not (found == sort or found == _INT and kind in ("int", "real", "range") or found == _REAL and kind == "real"):
        raise Rejected(f"{S.show_term(t)} is not of sort {sort}")


def _term_sort(t, sig: Signature, env: dict) -> str:
    """The sort of a term: a sort name, or _INT / _REAL for numbers and arithmetic."""
    match t:
        case S.Var(name):
            if name not in env:
                raise Rejected(f"free variable {name}")
            return env[name]
        case S.Const(name):
            if name not in sig.consts:
                raise Rejected(f"unknown constant {S.show_name(name)}")
            return sig.consts[name]
        case S.Num(value):
            if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
                raise Rejected(f"bad number {value!r}")
            return _INT if Fraction(value).denominator == 1 else _REAL
        case S.Fn(name, args):
            typed = sig.funs.get(name)
            if typed is None:
                raise Rejected(f"unknown function {name}")
            if len(typed[0]) != len(args):
                raise Rejected(f"{name} takes {len(typed[0])} argument(s), not {len(args)}")
            for a, sort in zip(args, typed[0]):
                _fit_term(a, sort, sig, env)
            return typed[1]
        case S.Op(_, args):
            sorts = [_term_sort(a, sig, env) for a in args]
            if not all(_numeric(s, sig) for s in sorts):
                raise Rejected(f"arithmetic on a non-number in {S.show_term(t)}")
            return _REAL if any(s in (_REAL, "real") for s in sorts) else _INT
    raise Rejected("not a term")


def _numeric(sort: str, sig: Signature) -> bool:
    return sort in (_INT, _REAL) or sig.is_numeric(sort)


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
