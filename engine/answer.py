"""Verdicts and answers: what `ask` returns."""
from __future__ import annotations

import importlib
from collections.abc import Sequence
from enum import Enum
from itertools import repeat
from operator import itemgetter


CONSISTENCY_UNKNOWN = "W031"      # the code of "consistency was not established"


class Verdict(Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


class Answer:
    """One answer: a verdict, the bindings of the query's variables, and its reason.

    `proof` is a kernel-checked Proof for `true` and `false`; for `unknown`,
    `reason` says why ("open world", "resource limit", ...) and `witnesses` holds a
    model where the query holds and one where it fails, restricted to the atoms that
    matter. `solver_gave_up` separates "the solver gave up" from "logically unknown".
    Proofs of the answers of a large `ask_all` are built and checked on first access.
    """

    __slots__ = ("query", "verdict", "bindings", "reason", "witnesses", "_proof", "_make_proof", "warnings",
                 "value")

    def __init__(self, query: str, verdict: Verdict, bindings=None, proof=None, reason=None,
                 witnesses=None, make_proof=None, warnings=(), value=None):
        self.value = value                # a causal quantity's exact value (Fraction), when the query has one
        self.warnings = tuple(warnings)   # Diagnostics (W0xx) that hold for this answer; see KnowledgeBase.warnings
        self.query = query
        self.verdict = verdict
        self.bindings = bindings or {}
        self.reason = reason
        self.witnesses = witnesses
        self._proof = proof
        self._make_proof = make_proof

    @property
    def proof(self):
        if self._proof is None and self._make_proof is not None:
            made, self._make_proof = self._make_proof(), None
            if isinstance(made, Answer):    # the kernel could not re-check it in time: unknown
                self.verdict, self.reason, self.witnesses = made.verdict, made.reason, made.witnesses
            else:
                self._proof = made
        return self._proof

    @property
    def solver_gave_up(self) -> bool:
        return self.verdict is Verdict.UNKNOWN and bool(self.reason) and self.reason.startswith("resource limit")

    @property
    def rests_on(self) -> dict:
        """The premises, smt steps, closed-world steps and perceived facts the answer rests on."""
        if self.proof is None:
            return {"premises": [], "smt": [], "perceived": [], "closed": []}
        return self.proof.rests_on()

    def to_json(self) -> dict:
        out = {"bindings": {k: _show_value(v) for k, v in self.bindings.items()}, "verdict": self.verdict.value}
        if self.proof is not None:
            out["proof"] = self.proof.to_json()
        if self.reason:
            out["reason"] = self.reason
        if self.witnesses is not None:
            out["witnesses"] = self.witnesses
        if self.value is not None:
            out["value"] = _show_value(self.value)
        if self.warnings:
            out["warnings"] = [d.to_json() for d in self.warnings]
        return out

    @property
    def consistency_unknown(self) -> bool:
        """The KB's consistency was not established (W031): the answer may rest on a
        contradiction, from which anything follows."""
        return any(d.code == CONSISTENCY_UNKNOWN for d in self.warnings)

    @staticmethod
    def from_json(query: str, d: dict) -> "Answer":
        """The answer `to_json` wrote, under its query's text; bindings are read back as values."""
        from .proof import Proof
        bindings = {str(k): _read_value(v) for k, v in d.get("bindings", {}).items()}
        proof = Proof.from_json(d["proof"]) if d.get("proof") is not None else None
        value = _read_value(d["value"]) if d.get("value") is not None else None
        return Answer(query, Verdict(d["verdict"]), bindings, proof, d.get("reason"), d.get("witnesses"),
                      value=value)

    def __repr__(self) -> str:
        b = ", ".join(f"{k}={_show_value(v)}" for k, v in self.bindings.items())
        return f"Answer({self.query!r}, {self.verdict.value}{', ' + b if b else ''})"


class Answers(Sequence):
    """The answers of an open query (`ask_all`), as a sequence made on access.

    The engine finds every entailed binding at once and keeps them as value tuples of the
    query atom's predicate (`found` rows: a tuple in memory, or the columnar backend's lazy
    `Rows`, which stay in DuckDB until read). Nothing heavy is built per row: iterating gives
    light `Answer`s whose binding dict and proof are made only when read, and the columnar
    readers skip Answer objects altogether: `rows()` (value tuples in `names` order),
    `bindings()`, `to_arrow()`, `to_pandas()`, `len()`.

    `checked` says whether the kernel accepted every binding before `ask_all` returned (a bulk
    re-check of the search's derivation order, engine/kernel/bulk.py). When it is False (more
    answers than `KnowledgeBase.check_limit`, or rows from the columnar backend, which keeps no
    derivation order), each answer's proof is built goal-directed and kernel-checked when first
    read (`Answer.proof`; an answer whose proof the kernel does not accept turns `unknown`),
    and `verify()` checks every one now.
    """

    __slots__ = ("query", "names", "_rows", "_positions", "_found", "incomplete", "warnings", "checked",
                 "_verify", "_batch", "_batch_start")
    BATCH = 65_536      # rows fetched at once from a columnar result when an answer is read

    def __init__(self, query: str, names: tuple, rows, positions: tuple, found, incomplete=None,
                 warnings=(), checked: bool = True, verify=None):
        self.query, self.names, self._rows = query, tuple(names), rows
        self._positions, self._found = tuple(positions), found
        self.incomplete = incomplete      # why entailed bindings may be missing; None: all listed
        self.warnings = tuple(warnings)   # the warnings every answer carries (Answer.warnings)
        self.checked = checked            # every binding accepted by the kernel already
        self._verify = verify             # checks every row now: () -> list of rejected indices
        self._batch, self._batch_start = (), -1

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._answer(j) for j in range(*i.indices(len(self._rows)))]
        return _RowAnswer(self, range(len(self._rows))[i])

    def __iter__(self):
        # by index alone: a row is read when its answer is (the rows of a large closure lie
        # scattered in memory, out of hash sets, or in DuckDB: touching each one would cost
        # more than the Answer itself)
        return map(_RowAnswer, repeat(self), range(len(self._rows)))

    def _row(self, i: int) -> tuple:
        rows = self._rows
        if isinstance(rows, (tuple, list)):
            return rows[i]
        start = i - i % self.BATCH        # a columnar result: read in batches, kept one at a time
        if start != self._batch_start:
            self._batch, self._batch_start = rows[start:start + self.BATCH], start
        return self._batch[i - start]

    def _answer(self, i: int) -> "Answer":
        return _RowAnswer(self, i)

    def _binding(self, row) -> dict:
        return dict(zip(self.names, (row[k] for k in self._positions)))

    def rows(self):
        """The bindings as value tuples in the order of `names`, without Answer objects (an
        iterator: a columnar result streams from the backend in batches)."""
        pos = self._positions
        if pos == tuple(range(len(pos))) and _width(self._rows) == len(pos):
            return iter(self._rows)
        if not pos:
            return (() for _ in self._rows)
        get = itemgetter(*pos)
        return map(get, self._rows) if len(pos) > 1 else ((get(r),) for r in self._rows)

    def bindings(self) -> list[dict]:
        """Every binding as a dict, without building Answers or proofs."""
        names = self.names
        return [dict(zip(names, row)) for row in self.rows()]

    def to_arrow(self):
        """The bindings as a pyarrow Table, one column per variable (needs pyarrow)."""
        native = getattr(self._rows, "to_arrow", None)
        if native is not None:
            table = native()
            return table.select([table.column_names[k] for k in self._positions]).rename_columns(list(self.names))
        pa = _optional("pyarrow", "to_arrow")
        columns = list(zip(*self.rows())) or [()] * len(self.names)
        return pa.table({n: list(c) for n, c in zip(self.names, columns)})

    def to_pandas(self):
        """The bindings as a pandas DataFrame, one column per variable (needs pandas)."""
        native = getattr(self._rows, "to_pandas", None)
        if native is not None:
            frame = native()
            frame = frame.iloc[:, list(self._positions)]
            frame.columns = list(self.names)
            return frame
        pd = _optional("pandas", "to_pandas")
        return pd.DataFrame(list(self.rows()), columns=list(self.names))

    def verify(self) -> "Answers":
        """Have the kernel check every answer now (when `checked` is False). A binding whose
        proof the kernel does not accept is a bug of the search: E050 is raised, naming it."""
        if not self.checked and self._verify is not None:
            rejected = self._verify()
            if rejected:
                from .errors import Diagnostic, ProofError
                shown = ", ".join(repr(self._binding(self._row(i))) for i in rejected[:3])
                raise ProofError([Diagnostic("E050", f"the kernel did not accept {len(rejected):,} of "
                                             f"{len(self):,} answers of {self.query} (a bug in the search): {shown}")])
            self.checked = True
        return self

    def __eq__(self, other) -> bool:
        if isinstance(other, Answers):
            return (self.query, self.names, list(self.rows())) == (other.query, other.names, list(other.rows()))
        return list(self) == other if isinstance(other, Sequence) else NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"Answers({self.query!r}, {len(self)} answers)"


class _RowAnswer(Answer):
    """One answer of an `Answers`, as light as a row: it keeps the row and its index; the
    binding dict is made when read and the proof (built, then kernel-checked) when asked for.
    Everything else an Answer has is read through the full Answer made on first need."""

    __slots__ = ("_of", "_i", "_full")

    def __init__(self, of: Answers, i: int):
        self._of = of
        self._i = i
        self._full = None

    def _made(self) -> Answer:
        full = self._full
        if full is None:
            of = self._of
            full = self._full = Answer(of.query, Verdict.TRUE, of._binding(of._row(self._i)),
                                       make_proof=lambda: of._found(self._i), warnings=of.warnings)
        return full

    query = property(lambda self: self._of.query)
    warnings = property(lambda self: self._of.warnings)
    bindings = property(lambda self: self._made().bindings)
    verdict = property(lambda self: self._made().verdict)
    reason = property(lambda self: self._made().reason)
    witnesses = property(lambda self: self._made().witnesses)
    value = property(lambda self: None)
    proof = property(lambda self: self._made().proof)


def _width(rows) -> int | None:
    width = getattr(rows, "width", None)
    if width is not None:
        return width
    for row in rows[:1] if isinstance(rows, (tuple, list)) else ():
        return len(row)
    return None


def _optional(package: str, method: str):
    try:
        return importlib.import_module(package)
    except ImportError:
        raise ImportError(f"Answers.{method}() needs {package}: pip install {package}") from None


def _show_value(v):
    from .language.syntax import show_name, show_number
    return show_name(v) if isinstance(v, str) else show_number(v)


def _read_value(v):
    """A binding as `to_json` shows it (a name, `'quoted name'`, `3`, `0.5`, `(1 / 3)`) as a value."""
    from fractions import Fraction
    from .kernel import evaluate
    from .language.parse import parse_formula
    from .language import syntax as S
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if not isinstance(v, str):
        raise ValueError(f"bad binding value {v!r}")
    f = parse_formula(f"X = {v}", "<binding>")
    if not isinstance(f, S.Cmp) or not isinstance(f.right, (S.Const, S.Num, S.Op)):
        raise ValueError(f"bad binding value {v!r}")
    value = evaluate(f.right)
    return int(value) if isinstance(value, Fraction) and value.denominator == 1 else value


class AnswerList(list):
    """A list of answers (sorted for printing) that keeps why entailed bindings may be missing."""

    def __init__(self, answers=(), incomplete: str | None = None, warnings=()):
        super().__init__(answers)
        self.incomplete = incomplete
        self.warnings = tuple(warnings)   # the query's warnings, also on each Answer


def incompleteness(answers) -> list[str]:
    """The lines that say an answer list may miss entailed bindings, for the CLI and the REPL."""
    reason = getattr(answers, "incomplete", None)
    if not reason:
        return ["no entailed answers"] if not answers else []
    if not answers:
        return [f"no answers found; the search is incomplete: {reason}"]
    return [f"(the search is incomplete: {reason})"]
