"""A structure test: is the target, or its square, inverse or inverse square, a sparse sum of
up to three monomials (integer exponents in -3..3, at most 4 variables and total degree 6 per
monomial, a constant term allowed)? Supports are chosen on a small sample of rows by a beam search
over greedy (matching pursuit) extensions; a support that fits the sample is refitted on every row
and handed to `accept(coefficients, terms, term values, back, back_num)`, which rounds the
coefficients, measures the expression independently and decides."""
import itertools
import math
import operator
import time

import sympy

MAX_EXP, MAX_DEGREE, MAX_VARS, MAX_TERMS = 3, 6, 4, 3
BRANCH = (40, 4, 4)      # candidates tried per state at each step (the first: at least)
WORK = 300_000           # column scorings the first step may spend
KEEP = 10                 # states kept after the second step (all first-step ones are kept)


def _solve(a, b):
    """x with a x = b (small dense system, partial pivoting); None if singular."""
    n = len(a)
    m = [row[:] + [v] for row, v in zip(a, b)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[p][c]) < 1e-14:
            return None
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [m[i][n] / m[i][i] for i in range(n)]


def _lstsq(cols, t):
    """Coefficients of the columns best fitting t, and the residual."""
    a = [[sum(x * y for x, y in zip(ci, cj)) for cj in cols] for ci in cols]
    b = [sum(x * y for x, y in zip(ci, t)) for ci in cols]
    coef = _solve(a, b)
    if coef is None:
        return None, None
    res = list(t)
    for k, c in zip(coef, cols):
        res = [r - k * x for r, x in zip(res, c)]
    return coef, res


def exponents(n):
    for e in itertools.product(range(-MAX_EXP, MAX_EXP + 1), repeat=n):
        if sum(map(abs, e)) <= MAX_DEGREE and sum(1 for v in e if v) <= MAX_VARS:
            yield e


def _score(c, res, basis_q, mul):
    """|<c, res>| over the norm of c's part orthogonal to the support (orthogonal matching pursuit)."""
    proj = sum(sum(map(mul, c, q)) ** 2 for q in basis_q)
    return abs(sum(map(mul, c, res))) / math.sqrt(max(1e-12, 1.0 - proj))


def _orthonormal(basis_q, c):
    """basis_q extended by the normalised part of c orthogonal to it (None if c is in its span)."""
    v = list(c)
    for q in basis_q:
        d = sum(a * b for a, b in zip(v, q))
        v = [a - d * b for a, b in zip(v, q)]
    norm = math.sqrt(sum(a * a for a in v))
    if norm < 1e-9:
        return None
    return basis_q + [[a / norm for a in v]]


def _monomial(e, xs):
    out = 1.0
    for v, k in zip(xs, e):
        if k:
            out *= v ** k
    return out


def _transforms(y):
    pos, neg, nonzero = all(v > 0 for v in y), all(v < 0 for v in y), all(v != 0 for v in y)
    out = [("y", lambda v: v, lambda s: s, lambda s: s)]
    if pos or neg:
        sign = 1 if pos else -1
        out.append(("y**2", lambda v: v * v, lambda s: sign * sympy.sqrt(s), lambda s: sign * math.sqrt(s)))
        out.append(("1/y**2", lambda v: 1 / (v * v), lambda s: sign / sympy.sqrt(s),
                    lambda s: sign / math.sqrt(s)))
    if nonzero:
        out.append(("1/y", lambda v: 1 / v, lambda s: 1 / s, lambda s: 1 / s))
    return out


def search(cols, names, y, sample_rows, accept, deadline, counter=None, threshold=1e-6):
    """The first accepted expression, or None; `counter[0]` counts the supports fitted; a support
    whose sample RMS is under `threshold` is refitted on every row and offered to `accept`."""
    counter = [0] if counter is None else counter
    if any(v <= 0 for n in names for v in cols[n]) or not names:
        return None
    symbols = [sympy.Symbol(n) for n in names]
    dictionary = list(exponents(len(names)))
    rows = list(zip(*(cols[n] for n in names)))
    srows = [rows[i] for i in sample_rows]
    try:
        basis = [[_monomial(e, r) for r in srows] for e in dictionary]
    except OverflowError:
        return None
    for _, forward, back, back_num in _transforms(y):
        if time.monotonic() > deadline:
            return None
        t = [forward(y[i]) for i in sample_rows]
        iw = [1 / abs(v) for v in t]
        tw = [a * b for a, b in zip(t, iw)]
        weighted = []
        for col in basis:
            c = [a * b for a, b in zip(col, iw)]
            norm = math.sqrt(sum(a * a for a in c))
            weighted.append([a / norm for a in c] if norm > 0 and math.isfinite(norm) else None)
        beam = [((), tw, [])]
        mul = operator.mul
        branch = (max(BRANCH[0], WORK // len(weighted)),) + BRANCH[1:]
        for step in range(MAX_TERMS):
            grown = {}
            for support, res, basis_q in beam:
                if time.monotonic() > deadline:
                    return None
                scores = sorted(((_score(c, res, basis_q, mul), j)
                                 for j, c in enumerate(weighted) if c is not None and j not in support),
                                reverse=True)[:branch[step]]
                for _, j in scores:
                    new = tuple(sorted(support + (j,)))
                    if new in grown:
                        continue
                    counter[0] += 1
                    coef, r = _lstsq([weighted[i] for i in new], tw)
                    q = _orthonormal(basis_q, weighted[j])
                    if coef is not None and q is not None:
                        grown[new] = math.sqrt(sum(a * a for a in r) / len(r)), r, q
            ranked = sorted(grown.items(), key=lambda kv: kv[1][0])[:branch[0] if step == 0 else KEEP]
            for support, (rms, _, _) in ranked[:KEEP]:
                if rms < threshold:
                    expr = _refit(support, dictionary, rows, y, forward, (back, back_num), symbols, accept)
                    if expr is not None:
                        return expr
            beam = [(support, r, q) for support, (_, r, q) in ranked]
    return None


def _refit(support, dictionary, rows, y, forward, back, symbols, accept):
    t = [forward(v) for v in y]
    iw = [1 / abs(v) for v in t]
    values = [[_monomial(dictionary[j], r) for j in support] for r in rows]
    cols = [[v[i] * w for v, w in zip(values, iw)] for i in range(len(support))]
    coef, _ = _lstsq(cols, [a * b for a, b in zip(t, iw)])
    if coef is None:
        return None
    terms = [sympy.Mul(*(s ** k for s, k in zip(symbols, dictionary[j]))) for j in support]
    return accept(coef, terms, values, *back)
