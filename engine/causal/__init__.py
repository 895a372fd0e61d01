"""Causal models: ADMGs and d-separation (graph), discrete structural causal models with
interventions and counterfactuals (scm), estimands (estimand) and the identification of
causal effects (identify), and learning a Markov equivalence class from data with the PC
algorithm (discover). Pure Python, exact Fractions; not yet wired into the language,
the KB or the kernel."""
from .bayesnet import BayesNet
from .discover import CPDAG, GTest, chi2_sf, cpdag_of, g_statistic, g_test, oracle_test, pc
from .estimand import Joint, PositivityError, Prob, Product, Quotient, Sum, evaluate, to_text
from .graph import ADMG, CycleError, GraphError, d_separated
from .identify import (Estimand, Hedge, backdoor_estimand, find_backdoor_set, frontdoor_estimand,
                       identify, is_backdoor_set, is_frontdoor_set)
from .scm import CPT, SCM, Equation, InconsistentEvidence, SCMError, Verdict, from_cpts

__all__ = [
    "ADMG", "CycleError", "GraphError", "d_separated",
    "BayesNet",
    "SCM", "Equation", "CPT", "from_cpts", "Verdict", "SCMError", "InconsistentEvidence",
    "Joint", "Prob", "Product", "Quotient", "Sum", "evaluate", "to_text", "PositivityError",
    "Estimand", "Hedge", "identify", "is_backdoor_set", "find_backdoor_set", "backdoor_estimand",
    "is_frontdoor_set", "frontdoor_estimand",
    "CPDAG", "pc", "cpdag_of", "oracle_test", "g_test", "GTest", "g_statistic", "chi2_sf",
]
