"""Compile normalized clauses (engine/horn/compile.py) into DuckDB SQL over coded tables.

Every relation is a table of INTEGER columns c0..c{n-1} holding codes (engine/horn/encoding.py).
A clause becomes one SELECT: a positive atom is a table in FROM (its constants and repeated
variables become equalities), a negated atom is NOT EXISTS against the (whole, lower-stratum)
table, a comparison is a WHERE condition, `V = e` defines V as an expression.

What the SQL cannot reproduce exactly is refused (`supported` says why not), and the caller
evaluates that component in memory: division (exact Fractions, x / 0 = 0), arithmetic or order
comparisons while some coded number is not a small int, a constant that is not a small int inside
arithmetic, nullary predicates. Arithmetic results are cast back to INTEGER codes: a result out of
range raises in DuckDB, and the caller then falls back to memory as well (never a wrong fact).
"""
from __future__ import annotations

from .compile import Clause, Lit, anonymous, assignment, plan
from .encoding import small_int
from ..language.syntax import Op, Var


def supported(c: Clause, exotic: bool):
    """None if the clause compiles to exact SQL, else the reason why not."""
    if not c.args or any(l.is_atom and not l.args for l in c.body):
        return "a nullary predicate"
    arith_or_order = False
    for lit in c.body:
        if lit.kind != "cmp":
            continue
        for t in lit.args:
            if isinstance(t, Op):
                arith_or_order = True
                if not _exact_arith(t):
                    return "division or a constant that is not a small int in arithmetic"
        if lit.pred not in ("=", "!="):
            arith_or_order = True
    if arith_or_order and exotic:
        return "order or arithmetic over numbers that are not small ints"
    return None


def _exact_arith(t) -> bool:
    if isinstance(t, Op):
        return t.op in ("+", "-", "*") and all(_exact_arith(a) for a in t.args)
    return isinstance(t, (Var, str)) or small_int(t)   # a name: undefined, false in SQL as in memory


def clause_sql(c: Clause, tables: list, code) -> str:
    """SELECT of the head columns (no DISTINCT: every use is inside a UNION or an EXCEPT, which
    removes duplicates once). `tables[i]` names the table that body atom i reads
    (a full table, a delta, or the recursive CTE); `code(v)` is the code of a constant."""
    b = _Builder(code)
    for i in plan(c):
        lit = c.body[i]
        if lit.kind == "pos":
            b.positive(lit, tables[i], i)
        elif lit.kind == "neg":
            b.negated(lit, tables[i])
        else:
            b.comparison(lit)
    head = ", ".join(f"{b.plain(a)} AS c{k}" for k, a in enumerate(c.args))
    sql = f"SELECT {head}"
    if b.froms:
        sql += " FROM " + ", ".join(b.froms)
    if b.conds:
        sql += " WHERE " + " AND ".join(b.conds)
    return sql


class _Builder:
    """The FROM items, WHERE conditions and variable bindings of one SELECT."""

    def __init__(self, code):
        self.code = code
        self.vars: dict = {}     # variable name -> SQL expression of its code
        self.froms: list = []
        self.conds: list = []

    def plain(self, t) -> str:
        """The code of a variable or constant."""
        if isinstance(t, Var):
            return self.vars[t.name]
        return str(self.code(t))

    def positive(self, lit: Lit, table: str, i: int) -> None:
        alias = f"a{i}"
        self.froms.append(f"{table} {alias}")
        for k, a in enumerate(lit.args):
            col = f"{alias}.c{k}"
            if isinstance(a, Var) and a.name not in self.vars:
                self.vars[a.name] = col
            else:
                self.conds.append(f"{col} = {self.plain(a)}")

    def negated(self, lit: Lit, table: str) -> None:
        eqs = [f"n.c{k} = {self.plain(a)}" for k, a in enumerate(lit.args) if not anonymous(a)]
        where = f" WHERE {' AND '.join(eqs)}" if eqs else ""
        self.conds.append(f"NOT EXISTS (SELECT 1 FROM {table} n{where})")

    def comparison(self, lit: Lit) -> None:
        assign = assignment(lit, set(self.vars))
        if assign is not None:
            name, expr = assign
            if isinstance(expr, Op):
                value, defined = self.number(expr)
                self.conds.append(defined)
                self.vars[name] = f"CAST(2 * (CASE WHEN {defined} THEN {value} END) AS INTEGER)"
            else:
                self.vars[name] = self.plain(expr)
            return
        left, right = lit.args
        op = lit.pred
        if not isinstance(left, Op) and not isinstance(right, Op) and op in ("=", "!="):
            self.conds.append(f"{self.plain(left)} {'=' if op == '=' else '<>'} {self.plain(right)}")
            return
        (lv, ld), (rv, rd) = self.number(left), self.number(right)
        if op == "!=":   # a name differs from every number: true unless both are equal numbers
            plain_names = " OR ".join(f"NOT ({d})" for t, d in ((left, ld), (right, rd))
                                      if not isinstance(t, Op))
            arith = " AND ".join(d for t, d in ((left, ld), (right, rd)) if isinstance(t, Op))
            test = f"({lv}) <> ({rv})" if not plain_names else f"({plain_names} OR ({lv}) <> ({rv}))"
            self.conds.append(f"({arith} AND {test})" if arith else test)
            return
        sql_op = {"=": "=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}[op]
        self.conds.append(f"({ld} AND {rd} AND ({lv}) {sql_op} ({rv}))")

    def number(self, t):
        """(SQL of t's numeric value as BIGINT, SQL condition that t is a defined number)."""
        if isinstance(t, Op):
            parts = [self.number(a) for a in t.args]
            defined = " AND ".join(dict.fromkeys(d for _, d in parts if d != "TRUE")) or "TRUE"
            if len(parts) == 1:
                return f"(-{parts[0][0]})", defined
            (a, _), (b, _) = parts
            return f"({a} {t.op} {b})", defined
        if isinstance(t, Var):
            v = self.vars[t.name]
            return f"(CAST({v} AS BIGINT) // 2)", f"(({v}) & 1) = 0"
        if small_int(t):
            return f"CAST({int(t)} AS BIGINT)", "TRUE"
        if isinstance(t, str):
            return "NULL", "FALSE"
        raise ValueError(f"columnar: no exact SQL for the constant {t!r}")   # refused by `supported`


__all__ = ["supported", "clause_sql"]
