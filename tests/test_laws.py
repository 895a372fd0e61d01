"""engine.laws: recovering known laws exactly, never claiming "exact" for a wrong one, the CLI."""
import math
import random

import pytest
import sympy
from hypothesis import given, settings, strategies as st

from engine.laws import EXACT_TOL, discover
from engine.laws.cli import main

x, y, z = sympy.symbols("x y z")


def table(law, n=200, seed=1, noise=0.0, names=("x", "y", "z")):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        row = {v: rng.uniform(1, 5) for v in names}
        value = law(**row)
        row["out"] = value * (1 + noise * rng.gauss(0, 1))
        rows.append(row)
    return rows


def same_law(found, truth):
    if sympy.simplify(found - truth) == 0:
        return True
    ratio = sympy.simplify(found / truth)
    return ratio.is_number and ratio != 0 and abs(float(ratio) - 1) < 1e-12


def recompute(law, rows):
    """Max relative error of law.expression on rows, computed here, independently."""
    names = [k for k in rows[0] if k != "out"]
    fn = sympy.lambdify([sympy.Symbol(n) for n in names], law.expression, modules="math")
    worst = 0.0
    for row in rows:
        try:
            pred = complex(fn(*(row[n] for n in names)))
        except (ValueError, ZeroDivisionError, OverflowError):
            return math.inf
        if pred.imag:
            return math.inf
        worst = max(worst, abs(pred.real - row["out"]) / abs(row["out"]))
    return worst


KNOWN = [
    ("product", lambda x, y, z: x * y, x * y),
    ("ratio", lambda x, y, z: x / y, x / y),
    ("square root", lambda x, y, z: math.sqrt(x), sympy.sqrt(x)),
    ("trigonometric", lambda x, y, z: y * math.cos(x), y * sympy.cos(x)),
    ("pi constant", lambda x, y, z: math.pi * x ** 2, sympy.pi * x ** 2),
    ("2 pi constant", lambda x, y, z: x / (2 * math.pi), x / (2 * sympy.pi)),
    ("three variables", lambda x, y, z: x * y / z ** 2 / 2, x * y / (2 * z ** 2)),
]


@pytest.mark.parametrize("name,law,truth", KNOWN, ids=[k[0] for k in KNOWN])
def test_known_laws_are_recovered_exactly(name, law, truth):
    rows = table(law)
    found = discover(rows, "out", budget_s=20)
    assert found.status == "exact", found
    assert same_law(found.expression, truth), found.expression
    assert found.max_rel_error < EXACT_TOL and recompute(found, rows) < EXACT_TOL
    assert found.description_length == sum(1 for _ in sympy.preorder_traversal(found.expression))
    assert found.evaluated > 0 and found.pareto[-1][2] == found.expression


def test_a_sparse_sum_of_monomials_under_a_square_root_is_recovered():
    rows = table(lambda x, y, z: math.sqrt(x ** 2 + 2 * y * z / x))
    found = discover(rows, "out", budget_s=10)
    assert found.status == "exact" and same_law(found.expression, sympy.sqrt(x ** 2 + 2 * y * z / x))
    assert recompute(found, rows) < EXACT_TOL


def test_a_dict_of_columns_works_and_progress_is_reported():
    rows = table(lambda x, y, z: y * math.cos(x))
    columns = {k: [r[k] for r in rows] for k in rows[0]}
    calls = []
    found = discover(columns, "out", budget_s=20, progress=lambda n, best: calls.append((n, best)))
    assert found.status == "exact" and calls and calls[-1][0] <= found.evaluated


def test_noisy_data_is_approximate_without_noise_and_exact_with_it():
    rows = table(lambda x, y, z: x * y, noise=1e-3)
    plain = discover(rows, "out", budget_s=1.0)
    assert plain.status == "approximate" and plain.pareto
    assert plain.max_rel_error > EXACT_TOL
    assert math.isclose(plain.max_rel_error, recompute(plain, rows), rel_tol=1e-6)
    told = discover(rows, "out", budget_s=5.0, noise=1e-3)
    assert told.status == "exact" and sympy.simplify(told.expression / (x * y)).is_number


def test_a_law_outside_the_search_space_is_approximate_with_a_front():
    rows = table(lambda x, y, z: x ** y + math.sin(x * y * z) + 0.37 * math.exp(y), n=100)
    found = discover(rows, "out", budget_s=1.0)
    assert found.status == "approximate"
    errors = [e[1] for e in found.pareto]
    sizes = [e[0] for e in found.pareto]
    assert errors == sorted(errors, reverse=True) and sizes == sorted(sizes)


@settings(max_examples=6, deadline=None, derandomize=True)
@given(a=st.floats(0.1, 3.0), c=st.floats(0.05, 0.9), noise=st.sampled_from([0.0, 1e-6, 1e-2]),
       seed=st.integers(0, 1000))
def test_exact_is_never_claimed_for_a_law_that_does_not_reproduce_the_data(a, c, noise, seed):
    law = lambda x, y, z: x ** (y / a) + math.sin(x * y * z) + c * math.exp(y)
    rows = table(law, n=60, seed=seed, noise=noise)
    found = discover(rows, "out", budget_s=0.4, seed=seed)
    worst = recompute(found, rows)
    assert math.isclose(found.max_rel_error, worst, rel_tol=1e-6) or found.max_rel_error == worst
    if found.status == "exact":
        assert worst < EXACT_TOL
    if noise:
        assert found.status == "approximate"


def test_the_cli_prints_the_law(tmp_path, capsys):
    path = tmp_path / "data.csv"
    rows = table(lambda x, y: x * y, n=50, names=("x", "y"))
    path.write_text("x,y,out\n" + "".join(f"{r['x']!r},{r['y']!r},{r['out']!r}\n" for r in rows))
    assert main([str(path), "--target", "out", "--budget", "5"]) == 0
    out = capsys.readouterr().out
    assert "law: out = x*y" in out and "status: exact" in out and "description length" in out


def test_a_malformed_csv_is_a_one_line_error_with_file_and_line(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("x,out\n1,2\n2,oops\n")
    assert main([str(path), "--target", "out"]) == 1
    err = capsys.readouterr().err
    assert f"{path}:3:" in err and "oops" in err and len(err.strip().splitlines()) == 1
    assert main([str(tmp_path / "missing.csv"), "--target", "out"]) == 1
    assert "missing.csv" in capsys.readouterr().err
    path.write_text("x,out\n1,2\n")
    assert main([str(path), "--target", "nope"]) == 1
    assert "nope" in capsys.readouterr().err


def test_python_dash_m_runs(tmp_path):
    import subprocess
    import sys
    path = tmp_path / "data.csv"
    path.write_text("a,b\n" + "".join(f"{v},{2 * v}\n" for v in (1.5, 2.5, 3.25, 4.0, 4.5)))
    done = subprocess.run([sys.executable, "-m", "engine.laws", str(path), "--target", "b", "--budget", "2"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "law: b = 2*a" in done.stdout


def test_the_scientia_command_discovers(tmp_path, capsys):
    import random
    from engine.shell import cli
    rng = random.Random(1)
    path = tmp_path / "energy.csv"
    rows = ["m,v,E"] + [f"{m},{v},{0.5 * m * v * v}" for m, v in
                        ((rng.uniform(1, 5), rng.uniform(1, 5)) for _ in range(100))]
    path.write_text("\n".join(rows) + "\n")
    assert cli.main(["discover", str(path), "--target", "E", "--budget", "5"]) == 0
    out = capsys.readouterr().out
    assert "m*v**2/2" in out and "exact" in out
