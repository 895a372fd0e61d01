"""The driver, and one function per justification with its inference rule.

Claims are formulas (frozen engine.language.syntax objects), compared structurally: the kernel never
parses or prints to decide anything (the messages it writes use `repr` only). A step whose
claim is not a formula is rejected: callers read JSON or text claims into formulas first.
Anything that goes wrong while checking a step (a z3 sort error, a division by zero, deep
recursion) rejects that step with E050; the kernel raises nothing but ProofError. When z3
cannot settle a question within the budget it raises KernelBudget (a ProofError): the step
is neither accepted nor shown wrong.
"""
from __future__ import annotations

from ..language import syntax as S
from ..errors import Diagnostic, KernelBudget, ProofError
from ..proof import KINDS, Proof, Step
from . import smt
from .closure import Closure
from .modal import check_kd45
from .evaluate import evaluate, evaluate_cmp
from .sorts import check_sorts, fits, well_sorted
from .terms import Rejected, Unconfirmed, alpha_equal, as_term, free_vars, substitute

_FORMULAS = (S.Atom, S.Cmp, S.Not, S.And, S.Or, S.Implies, S.Iff, S.Quant)


def check(proof: Proof, ctx, claim=None, timeout_ms: int = 10_000) -> None:
    """Accept the proof or raise ProofError naming the first failing step (KernelBudget, a
    ProofError, when z3 could not settle a question in time). With `claim` (a formula), the
    proof must conclude exactly it."""
    proved: dict = {}      # step id -> claim (a formula), for every accepted step
    memo: dict = {"timeout": timeout_ms}
    if not isinstance(getattr(proof, "steps", None), (tuple, list)):
        raise ProofError([Diagnostic("E050", "(kernel) not a proof")])
    kd45(ctx)
    for step in proof.steps:
        try:
            _check_step(step, ctx, proved, memo)
        except Unconfirmed as e:
            raise KernelBudget([Diagnostic("E050", f"(kernel) step {_id(step)} ({_by(step)}) not confirmed: {e}",
                                           None, "raise the time budget (timeout_ms)")]) from None
        except Rejected as e:
            raise _rejected(step, e) from None
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as e:     # z3 sort errors, bad values, overflow, recursion: a rejection
            raise _rejected(step, f"cannot be checked ({type(e).__name__}: {e})") from None
    if not proof.steps:
        raise ProofError([Diagnostic("E050", "(kernel) empty proof")])
    if claim is None:
        return
    try:
        same = proved[proof.conclusion.id] == claim
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as e:
        raise ProofError([Diagnostic("E050", f"(kernel) cannot compare the conclusion with the claim: {e}")]) from None
    if not same:
        raise ProofError([Diagnostic("E050", f"(kernel) the proof concludes {proof.conclusion.text}, "
                                             "which is not the claim it must prove")])


def kd45(ctx) -> None:
    """The KD45 statements of the KB are schema instances (engine/kernel/modal.py), or nothing
    checked against it is accepted."""
    try:
        check_kd45(ctx)
    except Rejected as e:
        raise ProofError([Diagnostic("E050", f"(kernel) {e}")]) from None


def _check_step(step: Step, ctx, proved: dict, memo: dict) -> None:
    if not isinstance(step, Step):
        raise Rejected("not a proof step")
    if step.id in proved:
        raise Rejected(f"duplicate step id {step.id}")
    if step.by not in KINDS:
        raise Rejected(f"unknown justification '{step.by}'")
    claim = step.claim
    if not isinstance(claim, _FORMULAS):
        raise Rejected("the claim is not a formula")
    premises = []
    for p in step.premises:
        if p not in proved:
            raise Rejected(f"refers to step {p}, which does not come before it")
        premises.append(proved[p])
    if not (step.by == "rule" and _rule_fast(step, claim, premises, ctx, memo)):
        if not _ground_atom(claim) and free_vars(claim):
            raise Rejected("claim has free variables")
        well_sorted(claim, ctx.signature)
        CHECKS[step.by](step, claim, premises, ctx, memo)
    proved[step.id] = claim


def _ground_atom(f) -> bool:
    return type(f) is S.Atom and all(type(a) is S.Const or type(a) is S.Num for a in f.args)


def _rejected(step, why) -> ProofError:
    return ProofError([Diagnostic("E050", f"(kernel) step {_id(step)} ({_by(step)}) rejected: {why}")])


def _id(step):
    return getattr(step, "id", "?")


def _by(step):
    return getattr(step, "by", "?")


def _rule_at(step: Step, ctx, memo: dict):
    """The rule at the step's source, its variables' sorts and its atom shapes, once per check."""
    key = ("rule", step.rule)
    if key not in memo:
        checked = ctx.statement_at(step.rule) if isinstance(step.rule, str) else None
        if checked is None or not isinstance(checked.statement, S.Rule):
            memo[key] = None
        else:
            rule, sentence = checked.statement, checked.sentence
            sorts = dict(sentence.vars) if isinstance(sentence, S.Quant) and sentence.kind == "forall" else {}
            memo[key] = (rule, sorts, free_vars(rule), _shapes(rule))
    if memo[key] is None:
        raise Rejected(f"no rule at {step.rule}")
    return memo[key]


def _shapes(rule):
    """Head and body atoms as (pred, ((is variable, name or value), ...)) when every literal is
    an atom over variables, constants and numbers; else None."""
    out = []
    for atom in (rule.head, *rule.body):
        if type(atom) is not S.Atom:
            return None
        args = []
        for a in atom.args:
            if type(a) is S.Var:
                args.append((True, a.name))
            elif type(a) is S.Const:
                args.append((False, a.name))
            elif type(a) is S.Num:
                args.append((False, a.value))
            else:
                return None
        out.append((atom.pred, tuple(args)))
    return out


def _substitution(step: Step, sorts: dict, variables: set, ctx, memo: dict) -> dict:
    """Each value of the substitution belongs to its variable's sort in the rule's typed
    sentence, only the rule's variables are bound, and all of them are."""
    sub = step.subst if step.subst is not None else {}
    if not isinstance(sub, dict):
        raise Rejected("the substitution is not a mapping from variables to values")
    known = memo.setdefault("fits", set())       # (type, value, sort) seen to fit, in this check
    for name, v in sub.items():
        sort = sorts.get(name)
        if sort is None:
            raise Rejected(f"the substitution binds {name}, which is not a variable of the rule")
        key = (type(v), v, sort)
        if key in known:
            continue
        if not fits(v, sort, ctx.signature):
            raise Rejected(f"the substitution gives {name} the value {v!r}, which is not of sort {sort}")
        known.add(key)
    if variables - set(sub):
        raise Rejected(f"substitution leaves {', '.join(sorted(variables - set(sub)))} unbound")
    return sub


def _rule_fast(step: Step, claim, premises: list, ctx, memo: dict) -> bool:
    """A rule step over a rule of plain atoms: compare each argument with the substitution's
    value directly (no substituted formula is built). False leaves the step to `check_rule`."""
    rule, sorts, variables, shapes = _rule_at(step, ctx, memo)
    sub = _substitution(step, sorts, variables, ctx, memo)
    if shapes is None:
        return False
    if len(premises) != len(shapes) - 1:
        raise Rejected("the premises are not the body of the rule under the substitution")
    if not _matches(claim, shapes[0], sub, False):
        raise Rejected("the claim is not the head of the rule under the substitution")
    for premise, shape in zip(premises, shapes[1:]):
        if not _matches(premise, shape, sub, True):
            raise Rejected("the premises are not the body of the rule under the substitution")
    return True


def _matches(atom, shape, sub: dict, anonymous: bool) -> bool:
    """The atom is pred(args) with each variable replaced by its value (`_` in a body atom: any
    constant or number)."""
    pred, args = shape
    if type(atom) is not S.Atom or atom.pred != pred or len(atom.args) != len(args):
        return False
    for a, (is_var, x) in zip(atom.args, args):
        t = type(a)
        if t is S.Const:
            v = a.name
        elif t is S.Num and type(a.value) is not bool:
            v = a.value
        else:
            return False
        if is_var:
            if x == "_":
                if not anonymous:
                    return False
                continue
            x = sub[x]
        if type(v) is str:
            if type(x) is not str or v != x:
                return False
        elif type(x) is str or v != x:
            return False
    return True


def check_premise(step: Step, claim, premises, ctx, memo):
    """─────── premise    (the claim is the sentence of the KB statement at `source`,
        ⊢ claim           up to the names of bound variables)"""
    checked = ctx.statement_at(step.source) if isinstance(step.source, str) else None
    if checked is None or checked.sentence is None:
        raise Rejected(f"no statement at {step.source}")
    if not alpha_equal(checked.sentence, claim):
        raise Rejected(f"the statement at {step.source} is not the claim")


def check_rule(step: Step, claim, premises, ctx, memo):
    """⊢ body[σ]      (rule `head :- body` at `rule`, σ the substitution, each value of its
    ───────── rule    variable's sort; tests in the body evaluate to true; a body atom's `_`
    ⊢ head[σ]         stands for any value)"""
    rule, sorts, variables, _ = _rule_at(step, ctx, memo)
    sub = _substitution(step, sorts, variables, ctx, memo)
    terms = {k: as_term(v) for k, v in sub.items()}
    if substitute(rule.head, terms) != claim:
        raise Rejected("the claim is not the head of the rule under the substitution")
    needed = []
    for lit in rule.body:
        inst = substitute(lit, terms)
        if isinstance(inst, S.Cmp):
            if not evaluate_cmp(inst):
                raise Rejected("a test of the rule is false under the substitution")
        else:
            needed.append(inst)
    if len(needed) != len(premises) or not all(_instance_of(n, p, ctx.signature) for n, p in zip(needed, premises)):
        raise Rejected("the premises are not the body of the rule under the substitution")


def _instance_of(literal, premise, sig) -> bool:
    """The premise is the body literal, where each anonymous `_` of a positive atom may stand
    for any value (`q(X) :- p(X, _)` reads: for all X, Y, p(X, Y) implies q(X)), and each `_`
    of a negated atom is a variable bound by an `exists` inside the negation (`q(X) :- r(X),
    not p(X, _)` reads: for all X, r(X) and not (exists Y. p(X, Y)) implies q(X))."""
    if literal == premise:
        return True
    if isinstance(literal, S.Not) and isinstance(premise, S.Not) and isinstance(premise.body, S.Quant):
        return _pattern(premise, sig) is not None and _anonymous_instance(literal.body, premise.body.body)
    return (isinstance(literal, S.Atom) and isinstance(premise, S.Atom) and literal.pred == premise.pred
            and len(literal.args) == len(premise.args)
            and all(a == b or (isinstance(a, S.Var) and a.name == "_" and isinstance(b, (S.Const, S.Num)))
                    for a, b in zip(literal.args, premise.args)))


def _anonymous_instance(literal, atom) -> bool:
    """`atom` is the atom `literal` with each `_` replaced by a variable (checked distinct and
    bound by `_pattern`), and every other argument unchanged."""
    return (isinstance(literal, S.Atom) and isinstance(atom, S.Atom) and literal.pred == atom.pred
            and len(literal.args) == len(atom.args)
            and all(isinstance(b, S.Var) if isinstance(a, S.Var) and a.name == "_" else a == b
                    for a, b in zip(literal.args, atom.args)))


def _pattern(claim, sig):
    """For `not p(t)`, (p, the values of t); for `not (exists y1..yk. p(t))` where each yi
    occurs exactly once in t, at a position of yi's sort, and t is otherwise ground, (p, the
    values of t with None at each yi); else None."""
    if not isinstance(claim, S.Not):
        return None
    body = claim.body
    if isinstance(body, S.Atom):
        return body.pred, tuple(_ground(a) for a in body.args)
    if not (isinstance(body, S.Quant) and body.kind == "exists" and isinstance(body.body, S.Atom)):
        return None
    atom, sorts = body.body, dict(body.vars)
    declared = sig.preds.get(atom.pred, ())
    if not sorts or len(sorts) != len(body.vars) or len(declared) != len(atom.args):
        return None
    pattern, used = [], set()
    for a, sort in zip(atom.args, declared):
        if isinstance(a, S.Var):
            if a.name not in sorts or a.name in used or sorts[a.name] != sort:
                return None
            used.add(a.name)
            pattern.append(None)
        else:
            pattern.append(_ground(a))
    return (atom.pred, tuple(pattern)) if used == set(sorts) else None


def check_closed(step: Step, claim, premises, ctx, memo):
    """p closed, p(t) not in the KB's closure (engine/kernel/closure.py certifies it)
    ───────────────────────────────────────────────────────────────────────── closed
                                ⊢ not p(t)

    p closed, no atom p(t') of the KB's closure has t' = t at the positions of t that are
    not y1..yk (closure.py `closed_none`: the kernel's least model of p has no such tuple,
    or, p unsettled, p(t') is closed false for every t' over the finite sorts of the yi)
    ───────────────────────────────────────────────────────────────────────── closed
                         ⊢ not (exists y1..yk. p(t))
    (each yi of the sort of its position in p, occurring there once; the rest of t ground:
    the claim of `not p(t, _)`, where `_` under `not` reads "no value")"""
    found = _pattern(claim, ctx.signature)
    if found is None:
        raise Rejected("a closed step must claim `not p(...)` or `not (exists Y. p(..., Y, ...))`")
    pred, values = found
    if pred != step.predicate or pred not in ctx.signature.closed:
        raise Rejected(f"predicate {pred} is not closed")
    if None not in values:
        if not _closure(ctx, memo).closed_false(pred, values):
            raise Rejected(f"{pred}{tuple(values)!r} is derivable: the KB entails it")
    elif not _closure(ctx, memo).closed_none(pred, values):
        raise Rejected(f"an atom of {pred} matching {tuple('_' if v is None else v for v in values)!r} "
                       "is derivable: the KB entails it")


def _closure(ctx, memo) -> Closure:
    """One Closure per check, or, when the context offers a `kernel_cache` dict (one per
    version of the KB), one per signature object kept there."""
    cache = getattr(ctx, "kernel_cache", None)
    store = cache if isinstance(cache, dict) else memo
    kept = store.get("closure")
    if kept is None or kept[0] is not ctx.signature:
        kept = store["closure"] = (ctx.signature, Closure(list(ctx.sentences()), ctx.signature, memo["timeout"]))
    return kept[1]


def _ground(t):
    if isinstance(t, (S.Const, S.Num, S.Op)):
        return evaluate(t)
    raise Rejected("closed-world atoms must be ground")


def check_smt(step: Step, claim, premises, ctx, memo):
    """⊢ c1 ... ⊢ cn     c1 ∧ ... ∧ cn ∧ ¬claim unsatisfiable (the kernel's own z3 writer;
    ──────────────────────────────────────────────── smt   ci may be listed instances of a
                     ⊢ claim                                 universal premise)"""
    formulas = []
    for pid, f in zip(step.premises, premises):
        subs = (step.instances or {}).get(pid)
        formulas.extend(instantiate(f, subs, ctx.signature) if subs else [f])
    outcome = smt.entails(ctx.signature, formulas, claim, memo["timeout"])
    if outcome.status == "unknown":
        raise Unconfirmed("z3 could not settle it within the budget" +
                          (f" ({outcome.reason})" if outcome.reason else ""))
    if outcome.status != "unsat":
        raise Rejected("z3 does not confirm that the claim follows" +
                       (f" ({outcome.reason})" if outcome.reason else ""))


def check_perceived(step: Step, claim, premises, ctx, memo):
    """model m read input i as the claim with confidence c, and the KB registered it so
    ─────────────────────────────────────────────────────────────────────── perceived
                               ⊢ claim"""
    if "perceived" not in memo:
        memo["perceived"] = {}
        for formula, model, input_id, confidence in ctx.perceived():
            memo["perceived"].setdefault(formula, set()).add((model, input_id, confidence))
    if (step.model, step.input, step.confidence) not in memo["perceived"].get(claim, ()):
        raise Rejected("no such perceived fact in the KB")


CHECKS = {"premise": check_premise, "rule": check_rule, "closed": check_closed,
          "smt": check_smt, "perceived": check_perceived}


def instantiate(f, substs: list, sig) -> list:
    """Instances of a universal sentence: each substitution fixes some of its outer variables."""
    if not isinstance(f, S.Quant) or f.kind != "forall":
        raise Rejected("instances given for a premise that is not universal")
    out = []
    for sub in substs:
        bound = {n for n, _ in f.vars}
        if set(sub) - bound:
            raise Rejected(f"instance binds {sorted(set(sub) - bound)}, which the premise does not quantify")
        check_sorts(f.vars, sub, sig)
        body = substitute(f.body, {k: as_term(v) for k, v in sub.items()})
        rest = tuple((n, s) for n, s in f.vars if n not in sub)
        out.append(S.Quant("forall", rest, body) if rest else body)
    return out
