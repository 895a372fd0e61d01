"""The source layout: the engine does not import the evaluation suite, the suite's modules
import one another without cycles, and `scientia eval` still reaches the suite (as a plugin).

`import_graph(package_dir)` and `cycles(graph)` read the source with ast (every import,
module-level or inside a function), so they can be pointed at engine/ too."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from engine.language.graph import components

ROOT = Path(__file__).resolve().parents[1]


def module_names(package_dir: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under package_dir (a package `__init__` is the
    package itself). Names start at package_dir's own name: evals/clutrr/task.py -> evals.clutrr.task."""
    package_dir = Path(package_dir)
    names = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imported_names(path: Path, module: str) -> set[str]:
    """Every module name an import statement in `path` (module `module`) mentions, relative
    imports resolved; `from a import b` yields both a and a.b (b may be a submodule)."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            out.add(target)
            out.update(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
    return out


def import_graph(package_dir) -> dict[str, set[str]]:
    """module -> the modules of the same tree it imports (anywhere in its source). An import of
    a.b.c also counts as importing the packages a and a.b, whose __init__ runs first."""
    names = module_names(Path(package_dir))
    graph = {}
    for module, path in names.items():
        edges = set()
        for target in imported_names(path, module):
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                prefix = ".".join(parts[:i])
                if prefix in names and prefix != module and not module.startswith(prefix + "."):
                    edges.add(prefix)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module, each sorted."""
    return [sorted(c) for c in components(graph) if len(c) > 1]


# ---------------------------------------------------------------- the helpers themselves
def test_cycles_finds_a_function_level_cycle(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..a import x\n")
    (pkg / "c.py").write_text("import pkg.a\n")
    graph = import_graph(pkg)
    assert graph["pkg.a"] == {"pkg.sub", "pkg.sub.b"} and "pkg.a" in graph["pkg.sub.b"]
    assert cycles(graph) == [["pkg.a", "pkg.sub.b"]]


# ---------------------------------------------------------------- the rules
def test_engine_does_not_import_evals():
    offenders = [f"{module} imports {target}"
                 for module, path in module_names(ROOT / "engine").items()
                 for target in imported_names(path, module)
                 if target == "evals" or target.startswith("evals.")]
    assert not offenders, offenders


def test_no_import_cycles_in_evals():
    graph = import_graph(ROOT / "evals")
    assert "evals.digits.task" in graph and "evals.neural.models" in graph
    assert cycles(graph) == []


def test_eval_is_dispatched_as_a_plugin(capsys):
    from engine.shell import cli
    with pytest.raises(SystemExit) as exit_:
        cli.main(["eval", "--help"])
    assert exit_.value.code == 0
    assert "scientia eval" in capsys.readouterr().out


def test_eval_missing_is_a_clear_error(monkeypatch, capsys):
    from engine.shell import cli
    monkeypatch.setattr(cli, "COMMANDS_GROUP", "scientia.no-such-group")
    monkeypatch.setattr(cli, "COMMAND_MODULES", {"eval": "no_such_package.suite:main"})
    assert cli.main(["eval", "--quick"]) == 2
    assert "the evaluation suite is not installed" in capsys.readouterr().err


def test_eval_entry_point_comes_first_and_matches_pyproject(monkeypatch):
    import importlib.metadata as md
    from engine.shell import cli
    from evals.suite import written
    ep = md.EntryPoint(name="eval", value="evals.suite:written", group=cli.COMMANDS_GROUP)
    monkeypatch.setattr(md, "entry_points", lambda group=None: [ep] if group == cli.COMMANDS_GROUP else [])
    assert cli._command("eval") is written
    pyproject = (ROOT / "pyproject.toml").read_text()
    section = pyproject.split(f'[project.entry-points."{cli.COMMANDS_GROUP}"]\n', 1)[1].split("\n[", 1)[0]
    assert f'eval = "{cli.COMMAND_MODULES["eval"]}"' in section.splitlines()


def test_no_import_cycles_in_the_engine():
    graph = import_graph(ROOT / "engine")
    assert "engine.reason.router" in graph and "engine.shell.render" in graph
    assert cycles(graph) == []


def test_the_engine_is_laid_out_by_job():
    """Subpackages, one job each; at the top only the API, its files, and the data every part shares."""
    engine = ROOT / "engine"
    packages = {p.name for p in engine.iterdir() if (p / "__init__.py").exists()}
    assert packages == {"language", "horn", "smt", "kernel", "reason", "perception", "shell", "causal", "laws",
                        "distributed"}
    top = {p.stem for p in engine.glob("*.py")}
    assert top == {"__init__", "__main__", "kb", "files", "answer", "proof", "errors"}


def test_duckdb_and_ray_stay_behind_their_modules():
    """DuckDB behind the columnar backend's connection module (and the shard workers, which run
    their own CTE); Ray only in the distributed package, imported inside its functions."""
    users = {name: {module for module, path in module_names(ROOT / "engine").items()
                    if any(t == name or t.startswith(name + ".") for t in imported_names(path, module))}
             for name in ("duckdb", "ray")}
    assert users["duckdb"] == {"engine.horn.duck", "engine.distributed.shard"}, users
    assert users["ray"] and all(m.startswith("engine.distributed.") for m in users["ray"]), users


def test_only_the_smt_package_and_the_kernel_import_z3():
    users = {module for module, path in module_names(ROOT / "engine").items()
             if any(t == "z3" or t.startswith("z3.") for t in imported_names(path, module))}
    assert users and all(m.startswith(("engine.smt.", "engine.kernel.")) for m in users), users
