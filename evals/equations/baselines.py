"""The baselines of the equations task, each on the same rows and the same time budget as
`discover`: gplearn's SymbolicRegressor and pyoperon's (symbolic regression, their programs
turned into sympy for scoring), and a torch MLP (a fit with no formula: it is there for the
error outside the sampled range; its exact recovery is 0 by construction).

Each `fit_*(x, y, budget_s, seed)` returns {"expression": sympy expression or None,
"predict": row -> float or None, "info": how it was run}. gplearn and pyoperon come with the
`laws-baselines` extra, torch with `perception`; `missing()` names those not installed, and
the task reports them as "not installed". numpy and torch are imported inside the functions,
so the package imports on a core install."""
from __future__ import annotations

import importlib
import importlib.util
import math
import time

import sympy

from .data import FUNCTIONS, evaluator

SYSTEMS = ("gplearn", "pyoperon", "mlp")
PACKAGES = {"gplearn": "gplearn", "pyoperon": "pyoperon", "mlp": "torch"}
GP_FUNCTIONS = ("add", "sub", "mul", "div", "sqrt", "log", "sin", "cos")
OPERON_SYMBOLS = "add,sub,mul,div,exp,log,sqrt,sin,cos,constant,variable"


def missing(systems=SYSTEMS) -> dict:
    """system -> "not installed (pip install ...)" for each baseline whose package is absent."""
    out = {}
    for s in systems:
        if importlib.util.find_spec(PACKAGES[s]) is None or importlib.util.find_spec("numpy") is None:
            extra = "perception" if s == "mlp" else "laws-baselines"
            out[s] = f"not installed (pip install -e '.[{extra}]')"
    return out


def warm_up(systems) -> None:
    """Import the baselines' packages now, so their import time is not charged to the first equation."""
    modules = {"gplearn": "gplearn.genetic", "pyoperon": "pyoperon.sklearn", "mlp": "torch"}
    for s in systems:
        if s in modules:
            importlib.import_module(modules[s])
    if "mlp" in systems:                    # torch's first backward pass sets itself up (seconds)
        fit_mlp([[1.0], [2.0], [3.0]], [1.0, 2.0, 3.0], 1.0, max_steps=2)


def _xs(n):
    return sympy.symbols(f"x1:{n + 1}")


def _symbolic(expr, n):
    value = evaluator(expr, _xs(n))
    return lambda row: value(row)


# ------------------------------------------------------------------ gplearn
def _gp_sympy(program, xs):
    """gplearn's program (a prefix list of functions, feature indices and constants) as sympy;
    its protected sqrt and log are sqrt(|a|) and log(|a|), its protected division a / b."""
    ops = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
           "div": lambda a, b: a / b, "sqrt": lambda a: sympy.sqrt(sympy.Abs(a)),
           "log": lambda a: sympy.log(sympy.Abs(a)), "sin": sympy.sin, "cos": sympy.cos,
           "neg": lambda a: -a, "inv": lambda a: 1 / a, "abs": sympy.Abs, "tan": sympy.tan}
    items = iter(program)

    def build():
        node = next(items)
        if isinstance(node, (int,)) and not isinstance(node, bool):
            return xs[node]
        if isinstance(node, float):
            return sympy.Float(node, 15)
        args = [build() for _ in range(node.arity)]
        return ops[node.name](*args)
    return build()


def fit_gplearn(x, y, budget_s, seed=0) -> dict:
    import numpy as np
    from gplearn.genetic import SymbolicRegressor
    X, Y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    model = SymbolicRegressor(population_size=1000, generations=1, function_set=GP_FUNCTIONS,
                              random_state=seed, n_jobs=1, warm_start=True)
    start = time.monotonic()
    model.fit(X, Y)
    generations, last = 1, time.monotonic() - start
    # one more generation at a time (warm start) while the next one fits in the budget
    while time.monotonic() - start + last <= budget_s and generations < 10_000:
        t = time.monotonic()
        generations += 1
        model.set_params(generations=generations)
        model.fit(X, Y)
        last = time.monotonic() - t
    xs = _xs(X.shape[1])
    expr = _gp_sympy(model._program.program, xs)
    return {"expression": expr, "predict": _symbolic(expr, X.shape[1]),
            "info": f"population 1000, {generations} generations, functions {','.join(GP_FUNCTIONS)}"}


# ------------------------------------------------------------------ pyoperon
def fit_pyoperon(x, y, budget_s, seed=0) -> dict:
    import numpy as np
    from pyoperon.sklearn import SymbolicRegressor
    X, Y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    model = SymbolicRegressor(allowed_symbols=OPERON_SYMBOLS, max_time=max(1, int(round(budget_s))),
                              generations=10**6, max_evaluations=10**9, n_threads=1, random_state=seed)
    model.fit(X, Y)
    names = [f"x{i + 1}" for i in range(X.shape[1])]
    text = model.get_model_string(model.model_, 12, names)
    local = {**FUNCTIONS, **{str(s): s for s in _xs(X.shape[1])}}
    expr = sympy.sympify(text, locals=local)
    return {"expression": expr, "predict": _symbolic(expr, X.shape[1]),
            "info": f"max_time {max(1, int(round(budget_s)))} s, symbols {OPERON_SYMBOLS}, 1 thread"}


# ------------------------------------------------------------------ torch MLP
def fit_mlp(x, y, budget_s, seed=0, max_steps=20_000) -> dict:
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    X = torch.tensor(x, dtype=torch.float64)
    Y = torch.tensor(y, dtype=torch.float64).unsqueeze(1)
    mx, sx = X.mean(0), X.std(0).clamp_min(1e-12)
    my, sy = Y.mean(), Y.std().clamp_min(1e-12)
    net = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 64), torch.nn.SiLU(), torch.nn.Linear(64, 64),
                              torch.nn.SiLU(), torch.nn.Linear(64, 1)).double()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    xs, ys = (X - mx) / sx, (Y - my) / sy
    start, steps = time.monotonic(), 0
    while steps < max_steps and time.monotonic() - start < budget_s:
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(xs), ys)
        loss.backward()
        opt.step()
        steps += 1
    net.eval()

    def predict(row):
        with torch.no_grad():
            v = float(net((torch.tensor([row], dtype=torch.float64) - mx) / sx)[0, 0] * sy + my)
        return v if math.isfinite(v) else None
    return {"expression": None, "predict": predict,
            "info": f"MLP {X.shape[1]}-64-64-1 (SiLU), Adam 3e-3, full batch, {steps} steps, "
                    f"final train loss {loss.item():.3g} (standardised)"}


FITS = {"gplearn": fit_gplearn, "pyoperon": fit_pyoperon, "mlp": fit_mlp}
