"""A discovered law as a `law` statement with its provenance (docs/language.md, "Laws from
data"): the sympy expression printed in the law-body syntax, the data file's sha256 and row
count, and the law's largest relative error on the file, computed as the kernel computes it
(engine/kernel/laws.py) and rounded up to two significant digits."""
from __future__ import annotations

import hashlib
import math
import os
from dataclasses import replace
from pathlib import Path

import sympy

from ..errors import Diagnostic, UsageError

_FUNCTIONS = {sympy.exp: "exp", sympy.log: "log", sympy.sin: "sin", sympy.cos: "cos", sympy.tan: "tan",
              sympy.asin: "asin", sympy.acos: "acos", sympy.atan: "atan", sympy.tanh: "tanh"}


def _fail(message: str, hint: str | None = None):
    raise UsageError([Diagnostic("E070", message, None, hint)])


def body_text(e) -> str:
    """A sympy expression as a law body (^ for powers, sqrt, e and pi)."""
    if e is sympy.pi:
        return "pi"
    if e is sympy.E:
        return "e"
    if e.is_Symbol:
        return e.name
    if e.is_Integer:
        return str(int(e)) if e >= 0 else f"({int(e)})"
    if e.is_Rational:
        return f"({int(e.p)} / {int(e.q)})"
    if e.is_Float:
        text = repr(float(e))
        if not math.isfinite(float(e)):
            _fail(f"the law has a constant {text} that is not a finite number")
        return f"({text})" if text.startswith("-") else text
    if e.is_Add:
        return " + ".join(_wrapped(a) for a in e.args)
    if e.is_Mul:
        return " * ".join(_wrapped(a) for a in e.args)
    if e.is_Pow:
        base, exp = e.args
        if exp == sympy.Rational(1, 2):
            return f"sqrt({body_text(base)})"
        if exp == -1:
            return f"1 / {_wrapped(base)}"
        return f"{_wrapped(base)} ^ {_wrapped(exp)}"
    if e.func in _FUNCTIONS:
        return f"{_FUNCTIONS[e.func]}({body_text(e.args[0])})"
    _fail(f"the law uses {e.func.__name__}, which law bodies do not have",
          "law bodies use + - * / ^, sqrt, exp, log, sin, cos, tan, asin, acos, atan, tanh, pi and e")


def _wrapped(e) -> str:
    text = body_text(e)
    atomic = e.is_Symbol or e is sympy.pi or e is sympy.E or (e.is_Number and not text.startswith("(") and
                                                              not text.startswith("-"))
    return text if atomic or e.is_Function or text.startswith("sqrt(") else f"({text})"


def rounded_up(x: float) -> str:
    """x rounded up to two significant digits, as number text (`0` for 0)."""
    if x == 0:
        return "0"
    text = f"{x:.1e}"
    if float(text) < x:
        mantissa, exponent = text.split("e")
        text = f"{float(mantissa) + 0.1:.1f}e{exponent}"
    return text.replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")


def law_statement(law, name: str, data, target: str | None = None, params=None, kb_file=None) -> str:
    """The text of the `law` statement of a discovered law (a Law or a sympy expression)."""
    from ..kernel.laws import max_rel_error, read_table
    from ..language import syntax as S
    from ..language.parse import parse_statement
    expression = getattr(law, "expression", law)
    if not isinstance(expression, sympy.Expr):
        _fail(f"expected a discovered law or a sympy expression, got {type(law).__name__}")
    try:
        raw = Path(data).read_bytes()
    except (OSError, TypeError) as e:
        raise UsageError([Diagnostic("E004", f"cannot read the data file {data}: "
                                             f"{getattr(e, 'strerror', None) or e}")]) from None
    header, rows = read_table(raw)
    used = sorted(s.name for s in expression.free_symbols)
    if params is None:
        params = [c for c in header if c in used]
    missing = [s for s in used if s not in params]
    if missing:
        _fail(f"the law uses {', '.join(missing)}, which is not a parameter", "name it in params")
    if target is None:
        rest = [c for c in header if c not in params]
        if len(rest) != 1:
            _fail("say which column the law gives (target=...)")
        target = rest[0]
    if target not in header:
        _fail(f"the data has no column {target}")
    base = Path(kb_file).resolve().parent if kb_file else Path.cwd()
    file = Path(os.path.relpath(Path(data).resolve(), base)).as_posix()
    head = f"law {S.show_name(name)}({', '.join(params)}) = {body_text(expression)}"
    decl = parse_statement(head + ".", "<law>")
    at = S.LawSource(file, target, hashlib.sha256(raw).hexdigest(), len(rows), "0")
    error = max_rel_error(replace(decl, source=at), header, rows)
    if not math.isfinite(error):
        _fail(f"the law {name} is not defined on every row of {data}")
    return S.show(replace(decl, source=replace(at, max_rel_error=rounded_up(error))))


def moved(st, path):
    """A law statement with its data path rewritten for a KB file saved at `path`."""
    from ..files import source_of
    from ..kernel.laws import data_path
    if st.source is None or Path(st.source.file).is_absolute():
        return st
    where = data_path(source_of(st), st.source.file).resolve()
    new = Path(os.path.relpath(where, Path(path).resolve().parent)).as_posix()
    return replace(st, source=replace(st.source, file=new))
