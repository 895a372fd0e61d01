"""The trusted kernel: every proof passes through `check` before an answer is returned.

    check.py     the driver; one function per justification, its inference rule in its docstring
    bulk.py      the answers of `ask_all` re-checked at once, from the search's derivation order
    linear.py    the answers of a linear recursion asked with one argument given, by a derived rule
    closure.py   closed-world certificates: the kernel's own least model, or satisfiability
    elimination.py  exact probabilities in a causal Bayesian network by variable elimination
    cmodel.py    the causal model read from the KB's statements, and its evaluator
    quantities.py  probabilities and effects: projection, factorisation, identification, values
    identify.py  its own ID algorithm, evaluated on the observed joint (P(y | do(x)) or a hedge)
    sign.py      signs of polynomials over the open rows (Bernstein coefficients)
    laws.py      answers that use laws from data: the data's hash, rows and error, interval evaluation
    causal.py    causal answers: the driver; worlds, interventions, predictions, verdicts, actual causes
    actual.py    actual causes (modified Halpern-Pearl) in a deterministic model, and their refutations
    smt.py       the kernel's own writer from syntax to z3
    sorts.py     well-sortedness of claims, substitutions and instances
    evaluate.py  ground arithmetic (exact, x / 0 = 0)
    terms.py     substitution, free variables, renaming (duplicated from the search on purpose)
    mgraph.py    ADMGs as plain data: m-separation by reachability, latent projection,
                 back-door / front-door criteria, factorisations licensed by a graph
    poly.py      exact polynomials and rational functions over Fraction, in named symbols
    discrete.py  exact enumeration over finite models: (interventional) probabilities, ATE /
                 ETT / NDE / NIE by the edge g-formula, deterministic counterfactual verdicts,
                 the back-door and front-door formulas evaluated from an observed joint

It imports only the standard library, z3, its own modules and the data modules
engine.language.syntax, engine.language.signature, engine.errors and engine.proof
(tests/test_kernel_imports.py holds it to that).
"""
from .bulk import check_answers
from .causal import check_causal
from .laws import check_law
from .check import CHECKS, check, instantiate
from .linear import check_linear
from .evaluate import evaluate, evaluate_cmp
from .sorts import fits, well_sorted
from .terms import Rejected, Unconfirmed

__all__ = ["CHECKS", "check_causal", "check_law", "Rejected", "Unconfirmed", "check", "check_answers", "check_linear", "evaluate", "evaluate_cmp", "fits", "instantiate",
           "well_sorted"]
