"""The kernel trusts nothing of the search: its package, and the data modules it may use,
import only the standard library, z3, the kernel's own modules and those data modules
(read from their source with `ast`, every import statement at any depth, so a lazy import
inside a function counts too)."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "engine"
KERNEL = ENGINE / "kernel"
DATA = {"engine.language.syntax", "engine.language.signature", "engine.errors", "engine.proof"}
THIRD_PARTY = {"z3"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set:
    """Every module a source file imports (relative imports resolved, `from x import y`
    counted as x.y where x.y is a module of the engine, else x)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            if mod == "__future__":
                continue
            for a in node.names:
                sub = f"{mod}.{a.name}"
                found.add(sub if _source(sub) is not None else mod)
    return found


def _source(mod: str):
    if not mod.startswith("engine"):
        return None
    path = ROOT.joinpath(*mod.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def allowed(mod: str) -> bool:
    top = mod.split(".")[0]
    return (mod == "engine.kernel" or mod.startswith("engine.kernel.") or mod in DATA
            or top in THIRD_PARTY or top in sys.stdlib_module_names)


def closure() -> dict:
    """module -> its imports, for the kernel package and everything it reaches in the engine."""
    todo = [module_name(p) for p in sorted(KERNEL.glob("*.py"))]
    seen: dict = {}
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        path = _source(mod)
        seen[mod] = imports(path) if path is not None else set()
        todo.extend(m for m in seen[mod] if _source(m) is not None)
    return seen


def test_the_kernel_imports_only_the_allow_list():
    bad = sorted(f"{mod} imports {dep}" for mod, deps in closure().items() for dep in deps if not allowed(dep))
    assert not bad, "the kernel reaches outside its allow-list:\n" + "\n".join(bad)


def test_the_kernel_package_has_its_modules():
    names = {p.stem for p in KERNEL.glob("*.py")}
    assert {"check", "smt", "closure", "sorts", "evaluate"} <= names
    assert not (ENGINE / "kernel.py").exists()


@pytest.mark.parametrize("source,bad", [
    ("from ..language import parse\n", True),                    # a search module, relative
    ("def f():\n    from engine.smt.solver import entails\n", True),   # lazily, inside a function
    ("import engine.horn.core\n", True),
    ("from .. import KnowledgeBase\n", True),          # the engine package itself
    ("from ..language.syntax import Atom\n", False),
    ("import z3\nfrom fractions import Fraction\n", False),
])
def test_the_check_itself_sees_bad_imports(source, bad):
    """The inspection finds a search import however it is written (so the test above can fail)."""
    fake = KERNEL / "_probe_for_test.py"
    fake.write_text(source, encoding="utf-8")
    try:
        found = [dep for deps in closure().values() for dep in deps if not allowed(dep)]
        assert bool(found) == bad, found
    finally:
        fake.unlink()
