"""Separability (AI Feynman style): t(f)(x) = g(x_A) (+ or *) h(x_B) for a split of the columns,
tested on a surrogate (f(a,b) + f(a',b') = f(a,b') + f(a',b) in the right space), with t one of
y, 1/y, y**2 (additive) or log|y| (multiplicative).

The smaller half g is searched on data made by the surrogate (approximate), giving a few
candidate forms; for each, the other half's target is computed from the real rows (y / g, or
t(y) - k g with k rounded to a simple constant) and solved exactly as a smaller problem. The
recombined law is checked on every original row like any other."""
import itertools
import math
import random

import sympy

from .decompose import Problem
from .expr import Invalid, evaluate, to_sympy
from .fit import rel_denominators, simple_constants
from .search import Search

PAIRS = 200
SPLIT_TOL = 0.08      # mixed-difference size allowed, relative to the spread of t(f)
CANDIDATES = 4        # forms of g tried


def _spaces(model):
    """(name, from the surrogate's output to t(f), t on y, back t^-1 in sympy, additive)."""
    if model.log_target:
        s = 1 if model.sign > 0 else -1
        return [("log", lambda p: p, None, None, False),
                ("y", lambda p: s * math.exp(p), lambda v: v, lambda e: e, True),
                ("1/y", lambda p: s * math.exp(-p), lambda v: 1 / v, lambda e: 1 / e, True),
                ("y**2", lambda p: math.exp(2 * p), lambda v: v * v, lambda e: s * sympy.sqrt(e), True)]
    return [("y", lambda p: p, lambda v: v, lambda e: e, True), ("prod", lambda p: p, None, None, False)]


def splits(problem, model, seed=0):
    """[(score, space, A)] with A the smaller half (a tuple of names), best first."""
    names = problem.names
    n = len(names)
    if n < 2:
        return []
    rows = problem.rows()
    rng = random.Random(seed)
    pairs = [(rng.choice(rows), rng.choice(rows)) for _ in range(PAIRS)]
    halves = [c for k in range(1, n // 2 + 1) for c in itertools.combinations(range(n), k)]
    halves = halves[:60]
    out = []
    for space, conv, _, _, _ in _spaces(model):
        for a in halves:
            mixed = []
            for r1, r2 in pairs:
                m1 = [r1[i] if i in a else r2[i] for i in range(n)]
                m2 = [r2[i] if i in a else r1[i] for i in range(n)]
                mixed += [r1, r2, m1, m2]
            try:
                p = [conv(v) for v in model.predict(mixed)]
            except OverflowError:
                continue
            mean = sum(p) / len(p)
            spread = math.sqrt(sum((v - mean) ** 2 for v in p) / len(p)) or 1.0
            if space == "prod":      # f(a,b) f(a',b') = f(a,b') f(a',b), on the scale of f**2
                d = [(p[4 * k] * p[4 * k + 1] - p[4 * k + 2] * p[4 * k + 3]) / (spread + abs(mean))
                     for k in range(PAIRS)]
            else:
                d = [p[4 * k] + p[4 * k + 1] - p[4 * k + 2] - p[4 * k + 3] for k in range(PAIRS)]
            score = math.sqrt(sum(v * v for v in d) / PAIRS) / spread
            if score < SPLIT_TOL:
                out.append((score, space, tuple(names[i] for i in a)))
    out.sort(key=lambda e: e[0])
    return out


def solve(solver, problem, model, split, seconds, sample_rows, attack=None):
    """Try the split: candidate forms of the smaller half, each completing the other half
    exactly with `attack(sub, seconds)` (default: `solver.run`); True when a law was accepted."""
    attack = attack or solver.run
    import time
    deadline = time.monotonic() + seconds
    _, space, half = split
    conv, fwd, back, additive = next((c, f, b, a) for s, c, f, b, a in _spaces(model) if s == space)
    names = problem.names
    rest = [n for n in names if n not in half]
    rows = problem.rows()
    anchor = rows[len(rows) // 2]
    idx = [names.index(n) for n in half]
    probe = []
    for r in rows:
        m = list(anchor)
        for i in idx:
            m[i] = r[i]
        probe.append(m)
    g = [conv(v) for v in model.predict(probe)]
    if space == "log":                     # g is log|g|: search the factor itself
        g = [math.exp(v) for v in g]
    sample = [i for i in sample_rows if i < len(g)]
    cols = {n: problem.cols[n] for n in half}
    w = rel_denominators(g)
    search = Search({n: [cols[n][i] for i in sample] for n in half}, [g[i] for i in sample],
                    [w[i] for i in sample], 0.0, lambda t, a: False,
                    time.monotonic() + 0.3 * seconds)
    search.run(max_size=12)
    solver.evaluated += search.evaluated
    front = sorted(search.front.items())
    best = min((e[0] for _, e in front), default=math.inf)
    cands = [e for _, e in front if e[0] <= max(10 * best, 3e-3)][:CANDIDATES]
    symbols = {n: problem.variables[n] for n in half}
    for rms, tree, affine in cands:
        if time.monotonic() > deadline:
            return False
        try:
            gv = evaluate(tree, problem.cols, len(problem.y))
        except (Invalid, OverflowError, ValueError, ZeroDivisionError):
            continue
        gsym = to_sympy(tree, symbols)
        if not additive:
            if any(v == 0 for v in gv):
                continue
            y = [a / b for a, b in zip(problem.y, gv)]
            pback = problem._back
            to_orig = lambda e, gsym=gsym: pback(e * gsym)
        else:
            k = _scale(tree, g, gv)
            if k is None:
                continue
            ksym, kval = k
            try:
                y = [fwd(v) - kval * a for v, a in zip(problem.y, gv)]
            except (ZeroDivisionError, OverflowError, ValueError):
                continue
            pback = problem._back
            to_orig = lambda e, gsym=gsym, ksym=ksym: pback(back(e + ksym * gsym))
        sub = Problem({n: problem.cols[n] for n in rest}, y, to_orig, f"{space} split",
                      {n: problem.variables[n] for n in rest})
        left = deadline - time.monotonic()
        if left > 0.05 and attack(sub, left * 0.6):
            return True
    return False


def _scale(tree, g, gv):
    """k (sympy, float) with g ~ k*gv + b on the surrogate's data, rounded to a simple constant
    when one is within 1%; None if degenerate."""
    n = len(g)
    mg, mv = sum(g) / n, sum(gv) / n
    svv = sum((a - mv) ** 2 for a in gv)
    if not svv > 0:
        return None
    k = sum((a - mv) * (b - mg) for a, b in zip(gv, g)) / svv
    for sym, val in simple_constants(k)[1:]:
        if abs(val - k) <= 0.01 * abs(k):
            return sym, val
    return sympy.Float(k, 6), k
