"""Grounded formulas as SMT-LIB text, for `Problem` (engine/smt/solver.py) to hand to z3 in one
parse: building the same terms through z3's Python API costs ~20 µs a node, more than
solving them. This module writes text only; z3 stays behind engine/smt/solver.py, whose
`Problem` supplies the symbols (`predicate`, `constant`, `sort`, `_alias`) and the grounding
budget (`_expansion`). A formula the text does not cover raises NoText, and the caller
translates it through the API instead.
"""
from __future__ import annotations

from fractions import Fraction

from ..language import syntax as S
from ..language.terms import show_ground_atom
from ..language.values import compare


class NoText(Exception):
    """A formula outside the SMT-LIB text path: it is translated through the API."""


class SmtText:
    """The text half of `Problem`: SMT-LIB for formulas under a ground substitution."""

    def _text(self, f, sub: dict) -> str:
        """SMT-LIB text of a formula under a ground substitution, or NoText."""
        match f:
            case S.Atom(pred, args):
                return self._atom_text(pred, args, sub)
            case S.Not(body):
                return f"(not {self._text(body, sub)})"
            case S.And(items):
                return f"(and {' '.join(self._text(x, sub) for x in items)})" if items else "true"
            case S.Or(items):
                return f"(or {' '.join(self._text(x, sub) for x in items)})" if items else "false"
            case S.Implies(l, r):
                return f"(=> {self._text(l, sub)} {self._text(r, sub)})"
            case S.Iff(l, r):
                return f"(= {self._text(l, sub)} {self._text(r, sub)})"
            case S.Cmp(op, l, r):
                return self._cmp_text(op, self._ground(l, sub), self._ground(r, sub))
            case S.Quant(kind, vars_, body):
                (name, sort), rest = vars_[0], vars_[1:]
                domain = self._expansion(sort)
                if domain is None:
                    raise NoText
                inner = S.Quant(kind, rest, body) if rest else body
                parts = [self._text(inner, {**sub, name: e}) for e in domain]
                if not parts:
                    return "true" if kind == "forall" else "false"
                return f"({'and' if kind == 'forall' else 'or'} {' '.join(parts)})"
        raise NoText

    def _atom_text(self, pred: str, args: tuple, sub: dict) -> str:
        values = tuple(self._ground(a, sub) for a in args)
        shown = show_ground_atom(pred, values, self.shown)
        text = self.smt_atoms.get(shown)
        if text is None:
            sorts = self.sig.preds.get(pred, ())
            if len(sorts) != len(values):
                raise NoText
            name = self._alias(self.predicate(pred))
            text = f"({name} {' '.join(map(self._value_text, values, sorts))})" if values else name
            self.smt_atoms[shown] = text
            self.atoms.setdefault(shown, (pred, values, None))
        return text

    def _value_text(self, v, sort: str) -> str:
        """A ground value at a position of the given sort."""
        key = (v, sort, type(v))
        text = self.value_texts.get(key)
        if text is None:
            text = self.value_texts[key] = self._new_value_text(v, sort)
        return text

    def _new_value_text(self, v, sort: str) -> str:
        kind = self.sig.sorts[sort].kind if sort in self.sig.sorts else "closed"
        if isinstance(v, str):
            expr = self.constant(v)
            if kind in ("int", "range", "real") or expr.sort() != self.sort(sort):
                raise NoText
            return self._alias(expr)
        if kind == "real":
            return _real_numeral(Fraction(v))
        if kind not in ("int", "range") or Fraction(v).denominator != 1:
            raise NoText
        return f"(- {abs(int(v))})" if v < 0 else str(int(v))

    def _cmp_text(self, op: str, a, b) -> str:
        """A comparison of two ground values, decided here as `_compare` decides it in z3:
        numbers exactly; constants of one sort by z3 (`=`, `!=`); different kinds are unequal."""
        if isinstance(a, str) and isinstance(b, str):
            x, y = self.constant(a), self.constant(b)
            if op not in ("=", "!=") or x.sort() != y.sort():
                raise NoText
            eq = f"(= {self._alias(x)} {self._alias(y)})"
            return eq if op == "=" else f"(not {eq})"
        if isinstance(a, str) or isinstance(b, str):
            raise NoText
        return "true" if compare(op, Fraction(a), Fraction(b)) else "false"

    @staticmethod
    def _ground(t, sub: dict):
        """The ground value of a constant, a number or a substituted variable, else NoText."""
        if isinstance(t, S.Const):
            return t.name
        if isinstance(t, S.Num):
            return t.value
        if isinstance(t, S.Var) and t.name in sub:
            return sub[t.name]
        raise NoText


def _real_numeral(v: Fraction) -> str:
    """SMT-LIB text of a real number: a decimal numeral where one is exact (the term z3's
    RealVal makes), else a quotient of numerals."""
    sign, v = ("-" if v < 0 else ""), abs(v)
    d, twos, fives = v.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    if d != 1:
        text = f"(/ {v.numerator}.0 {v.denominator}.0)"
    else:
        places = max(twos, fives, 1)
        scaled = v.numerator * 10 ** places // v.denominator
        text = f"{scaled // 10 ** places}.{scaled % 10 ** places:0{places}d}"
    return f"(- {text})" if sign else text
