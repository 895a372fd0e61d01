"""Decomposition tests (AI Feynman style) read off the gradient of a smooth surrogate of the
data, and the reduced problems they lead to; the new columns are computed from the raw rows, so
a reduced problem's data are exact whenever the original's are.

* power factor: x * d log|f|/dx is a constant k (a multiple of 1/2) over the rows, so
  f = x**k g(others): the reduced target is y / x**k, without x;
* symmetry: f depends on x_i and x_j only through x_i/x_j (x_i f_i + x_j f_j = 0),
  x_i*x_j (x_i f_i = x_j f_j), x_i - x_j (f_i + f_j = 0) or x_i + x_j (f_i = f_j):
  the two columns are replaced by one;
* irrelevance: f does not depend on x (f_x = 0).

The surrogate (engine.perception.surrogate, torch) is optional: `surrogate(...)` returns None
when torch is not importable, and discovery then skips these steps."""
import math

import sympy

POWER_TOL = 0.05       # spread of x d log f/dx allowed for a power factor
SYMMETRY_TOL = 0.07    # relative size of the symmetry residual allowed
MAX_POINTS = 400


def _surrogates():
    """engine.perception.surrogate, or None where torch is not installed (the core install)."""
    try:
        from engine.perception import surrogate as sg     # torch stays in the perception package
    except Exception:  # noqa: BLE001 - a missing or broken torch means no surrogate
        return None
    return sg


def surrogates_available() -> bool:
    return _surrogates() is not None


def surrogate(problem, seconds, seed=0):
    """A fitted surrogate of the problem's data, or None (no torch, or a fit too poor)."""
    sg = _surrogates()
    if sg is None or not problem.names:
        return None
    rows = problem.rows()[:1000]
    fitted = sg.fit(rows, problem.y[:1000], seconds=seconds, seed=seed)
    return fitted if fitted.fit_rms < 0.3 else None


class Problem:
    """A (possibly reduced) problem: columns `cols` (name -> values), target `y`, and
    `to_original(expr)`, which maps a law for y in these columns to one for the original target."""

    def __init__(self, cols, y, to_original, label="y", variables=None):
        self.cols, self.y, self._back, self.label = cols, y, to_original, label
        self.names = list(cols)
        self.variables = variables or {n: sympy.Symbol(n) for n in self.names}

    def rows(self):
        return [list(r) for r in zip(*(self.cols[n] for n in self.names))]

    def to_original(self, expr):
        return self._back(expr.xreplace({sympy.Symbol(n): v for n, v in self.variables.items()}))

    def __repr__(self):
        return f"Problem({self.label}; {', '.join(f'{n}={v}' for n, v in self.variables.items())})"


def _mean_sd(values):
    m = sum(values) / len(values)
    return m, math.sqrt(sum((v - m) ** 2 for v in values) / len(values))


def gradients(problem, model):
    """The surrogate's gradients on (up to MAX_POINTS of) the problem's rows."""
    return model.gradients(problem.rows()[:MAX_POINTS])


def merged_gradients(problem, grads, kind, a, b):
    """The gradients after `merge(problem, kind, a, b)` (chain rule: f_a = g_u du/da)."""
    ia, ib = problem.names.index(a), problem.names.index(b)
    out = []
    for row, g in zip(problem.rows(), grads):
        xb = row[ib]
        gu = g[ia] * xb if kind == "/" else g[ia] / xb if kind == "*" else g[ia]
        out.append([v for k, v in enumerate(g) if k not in (ia, ib)] + [gu])
    return out


def peeled_gradients(problem, grads, removed):
    idx = [k for k, n in enumerate(problem.names) if n not in removed]
    return [[g[k] for k in idx] for g in grads]


def analyse(problem, grads, log_target):
    """(power factors {name: k}, irrelevant names, symmetries [(score, kind, a, b)] best first),
    from the gradients of the fitted target (log|y| when log_target) on the first rows."""
    rows = problem.rows()[:len(grads)]
    names = problem.names
    scale = [math.sqrt(sum(g[i] ** 2 for g in grads) / len(grads)) for i in range(len(names))]
    total = math.sqrt(sum(s * s for s in scale)) or 1.0
    irrelevant = [n for n, s in zip(names, scale) if s < 1e-3 * total]
    powers = {}
    if log_target:
        for i, n in enumerate(names):
            if n in irrelevant or any(v <= 0 for v in problem.cols[n]):
                continue
            k, sd = _mean_sd([r[i] * g[i] for r, g in zip(rows, grads)])
            near = round(2 * k) / 2
            if near != 0 and sd < POWER_TOL * max(1.0, abs(k)) and abs(k - near) < 0.08:
                powers[n] = near
    sym = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if names[i] in irrelevant or names[j] in irrelevant:
                continue
            a = [g[i] for g in grads]
            b = [g[j] for g in grads]
            xa = [r[i] for r in rows]
            xb = [r[j] for r in rows]
            tests = {"-": [(p, q) for p, q in zip(a, b)],
                     "+": [(p, -q) for p, q in zip(a, b)]}
            if all(v > 0 for v in problem.cols[names[i]] + problem.cols[names[j]]):
                tests["/"] = [(u * p, v * q) for u, v, p, q in zip(xa, xb, a, b)]
                tests["*"] = [(u * p, -v * q) for u, v, p, q in zip(xa, xb, a, b)]
            for kind, pairs in tests.items():
                num = sum((p + q) ** 2 for p, q in pairs)
                den = sum(p * p + q * q for p, q in pairs) or 1e-300
                score = math.sqrt(num / den)
                if score < SYMMETRY_TOL:
                    sym.append((score, kind, names[i], names[j], 0))
                if kind == "/" and log_target:
                    # homogeneity: f = x_j**k g(x_i/x_j, ...) when x_i f_i + x_j f_j = k
                    k = sum(p + q for p, q in pairs) / len(pairs)
                    near = round(2 * k) / 2
                    resid = math.sqrt(sum((p + q - k) ** 2 for p, q in pairs) / den)
                    if near and abs(k - near) < 0.08 and resid < SYMMETRY_TOL:
                        sym.append((resid, kind, names[i], names[j], near))
    sym.sort(key=lambda e: e[0])
    return powers, irrelevant, sym


def _fresh(problem):
    k = 1
    while f"u{k}" in problem.cols:
        k += 1
    return f"u{k}"


def peel_powers(problem, powers, keep=False):
    """The problem y / prod x**k, without those columns (unless keep)."""
    if not powers:
        return None
    y = list(problem.y)
    for n, k in powers.items():
        y = [v / x ** k for v, x in zip(y, problem.cols[n])]
    factor = sympy.Mul(*(problem.variables[n] ** sympy.nsimplify(e) for n, e in powers.items()))
    cols = {n: v for n, v in problem.cols.items() if keep or n not in powers}
    variables = {n: v for n, v in problem.variables.items() if keep or n not in powers}
    back = problem._back
    label = f"({problem.label}) / ({factor})"
    return Problem(cols, y, lambda e: back(e * factor), label, variables)


def drop(problem, names):
    if not names or len(names) == len(problem.names):
        return None
    cols = {n: v for n, v in problem.cols.items() if n not in names}
    variables = {n: v for n, v in problem.variables.items() if n not in names}
    return Problem(cols, problem.y, problem._back, problem.label, variables)


_OPS = {"/": lambda a, b: a / b, "*": lambda a, b: a * b, "-": lambda a, b: a - b, "+": lambda a, b: a + b}


def merge(problem, kind, a, b, k=0):
    """The problem with columns a and b replaced by one, a <kind> b (and y / b**k, when k)."""
    if k:
        problem = peel_powers(problem, {b: k}, keep=True)
    op = _OPS[kind]
    new = _fresh(problem)
    cols = {n: v for n, v in problem.cols.items() if n not in (a, b)}
    cols[new] = [op(p, q) for p, q in zip(problem.cols[a], problem.cols[b])]
    variables = {n: v for n, v in problem.variables.items() if n not in (a, b)}
    variables[new] = op(problem.variables[a], problem.variables[b])
    return Problem(cols, problem.y, problem._back, problem.label, variables)


def reductions(problem, model, limit=8):
    """The chain of ever smaller problems the tests lead to, greedily: drop irrelevant columns,
    peel power factors, merge the most symmetric pair, and again (gradients carried along by the
    chain rule, so the surrogate is fitted once)."""
    out, p = [], problem
    grads = gradients(problem, model)
    for _ in range(limit):
        powers, irrelevant, sym = analyse(p, grads, model.log_target)
        removed = set(irrelevant) | set(powers)
        if removed and len(removed) < len(p.names):
            grads = peeled_gradients(p, grads, removed)
            p = peel_powers(drop(p, irrelevant) or p, powers) or drop(p, irrelevant)
            out.append(p)
            sym = [s for s in sym if s[2] not in removed and s[3] not in removed]
        if len(p.names) < 2 or not sym:
            break
        _, kind, a, b, k = sym[0]
        grads = merged_gradients(p, grads, kind, a, b)
        p = merge(p, kind, a, b, k)
        out.append(p)
    return out
