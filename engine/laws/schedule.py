"""How discovery spends its budget (AI Feynman's recursion): the monomial test and a plain search
on the table; the dimensionless problems when units are given; then, when torch is available, a
surrogate of the data whose gradients suggest reductions (power factors, symmetric pairs: most
reduced first, every transform of the target) and whose mixed differences reveal separable
halves (the smaller half fitted on surrogate data, the other attacked again, recursively, on
exact data); the transforms of the original target until the deadline."""
import time

from . import decompose, separate


def run(solver, original, deadline, seed, reduced=()):
    start = time.monotonic()
    budget = deadline - start
    left = lambda: deadline - time.monotonic()
    for problem in reduced:             # dimensionless problems (units given)
        if solver.run(problem, budget * 0.25 / len(reduced)):
            return
    if solver.noise is None and solver.monomial_test(original, lambda v: v, lambda e: e, start + budget / 4):
        return
    if solver.run(original, budget * 0.08, kinds=("y",), monomial=False):
        return
    root = reduced[0] if reduced else original
    if decompose_and_separate(solver, root, deadline - 0.1 * left(), seed, depth=2):
        return
    for problem in reduced:
        if left() > 0.1 and solver.run(problem, left() / 2 / len(reduced)):
            return
    if left() > 0.05:
        solver.run(original, left())


def attack(solver, problem, deadline, seed, depth):
    """A sub-problem on exact data: a quick search, then (depth permitting) the surrogate steps."""
    left = deadline - time.monotonic()
    if solver.run(problem, left * 0.3):
        return True
    return depth > 0 and decompose_and_separate(solver, problem, deadline, seed, depth)


def decompose_and_separate(solver, problem, deadline, seed, depth):
    left = lambda: deadline - time.monotonic()
    if not problem.names or left() < 2 or not decompose.surrogates_available():
        return False
    try:
        model = decompose.surrogate(problem, min(6.0, 0.4 * left()), seed)
        chain = decompose.reductions(problem, model) if model is not None else []
    except Exception:  # noqa: BLE001 - the surrogate is a heuristic; any failure skips it
        return False
    if model is None:
        return False
    for i, sub in enumerate(reversed(chain)):
        share = left() * 0.35 / (len(chain) - i)
        if share <= 0.05:
            break
        if solver.run(sub, share):
            return True
    sub_attack = lambda sub, seconds: attack(solver, sub, time.monotonic() + seconds, seed, depth - 1)
    try:
        splits = separate.splits(problem, model, seed)[:3]
    except Exception:  # noqa: BLE001 - a heuristic step; a failure only skips it
        splits = []
    for split in splits:
        try:
            if left() > 0.5 and separate.solve(solver, problem, model, split, left() * 0.8,
                                               solver.rows, sub_attack):
                return True
        except (ArithmeticError, ValueError):   # e.g. the surrogate's values overflow
            continue
    return False
