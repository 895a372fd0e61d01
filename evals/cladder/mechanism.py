"""CLadder's step4 mechanisms (`V = X or not V2`) as Scientia formulas: a small recursive-
descent translator (names, 0, 1, not, and, or, parentheses; no eval), shared by the program
route (program.py) and the direct runner (task.py)."""
from __future__ import annotations

import re

from engine.language import syntax as S


class ProgramError(ValueError):
    """The item cannot be written as a program; the message says why."""


def name(v: str) -> str:
    """A CLadder variable (X, V2) as a Scientia name (x, v2)."""
    return v.lower()


_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z_]\w*|\d+)")


def mechanism(rhs: str, nodes=None):
    """A step4 right-hand side (names, 0, 1, not, and, or, parentheses) as a Scientia formula
    over the lowercased names, constants folded; True / False when it folds to a constant.
    Raises ProgramError on anything else, or on a name not in `nodes` (when given)."""
    text = rhs.strip()
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            if text[pos:].strip() == "":
                break
            raise ProgramError(f"bad mechanism {rhs!r}: unexpected {text[pos:].strip()[:10]!r} at {pos}")
        tokens.append(m.group(1))
        pos = m.end()
    if not tokens:
        raise ProgramError(f"bad mechanism {rhs!r}: empty")
    i = 0

    def peek():
        return tokens[i] if i < len(tokens) else None

    def take(expected=None):
        nonlocal i
        t = peek()
        if t is None or (expected is not None and t != expected):
            raise ProgramError(f"bad mechanism {rhs!r}: expected {expected or 'a term'}, got "
                               f"{'the end' if t is None else repr(t)}")
        i += 1
        return t

    def disj():
        parts = [conj()]
        while peek() == "or":
            take()
            parts.append(conj())
        if any(p is True for p in parts):
            return True
        parts = [p for p in parts if p is not False]
        return False if not parts else parts[0] if len(parts) == 1 else S.Or(tuple(parts))

    def conj():
        parts = [neg()]
        while peek() == "and":
            take()
            parts.append(neg())
        if any(p is False for p in parts):
            return False
        parts = [p for p in parts if p is not True]
        return True if not parts else parts[0] if len(parts) == 1 else S.And(tuple(parts))

    def neg():
        if peek() == "not":
            take()
            inner = neg()
            return (not inner) if isinstance(inner, bool) else S.Not(inner)
        return atom()

    def atom():
        t = take()
        if t == "(":
            inner = disj()
            take(")")
            return inner
        if t in ("0", "1"):
            return t == "1"
        if t in ("and", "or", "not", ")") or not re.fullmatch(r"[A-Za-z_]\w*", t):
            raise ProgramError(f"bad mechanism {rhs!r}: unexpected {t!r}")
        if nodes is not None and t not in nodes:
            raise ProgramError(f"bad mechanism {rhs!r}: {t} is not a variable of the graph")
        return S.Atom(name(t))

    f = disj()
    if i != len(tokens):
        raise ProgramError(f"bad mechanism {rhs!r}: trailing {' '.join(tokens[i:])!r}")
    return f
