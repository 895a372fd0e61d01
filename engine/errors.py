"""Source positions, diagnostics and the error classes users see.

A `Diagnostic` is data: a stable code, a span, a message and an optional hint.
Errors collect diagnostics and render them as

    file:line:col: error: message
        source line
        ^^^^
    hint: ...

No error of this module ever needs a traceback to be understood.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """A region of a source text: 1-based line and column, end exclusive."""

    file: str
    line: int
    col: int
    end_line: int = 0
    end_col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the input, with a stable code such as E012."""

    code: str
    message: str
    span: Span | None = None
    help: str | None = None
    severity: str = "error"

    def render(self, sources: dict[str, str] | None = None) -> str:
        where = f"{self.span}: " if self.span else ""
        lines = [f"{where}{self.severity}: {self.message} [{self.code}]"]
        text = (sources or {}).get(self.span.file) if self.span else None
        if text is not None:
            lines += _caret_lines(text, self.span)
        if self.help:
            lines.append(f"  hint: {self.help}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        out = {"code": self.code, "message": self.message, "severity": self.severity}
        if self.span:
            out.update(file=self.span.file, line=self.span.line, col=self.span.col)
        if self.help:
            out["help"] = self.help
        return out


def _caret_lines(text: str, span: Span) -> list[str]:
    rows = text.splitlines()
    if not 1 <= span.line <= len(rows):
        return []
    row = rows[span.line - 1].expandtabs(1)
    width = 1
    if span.end_line == span.line and span.end_col > span.col:
        width = span.end_col - span.col
    return [f"    {row}", "    " + " " * (span.col - 1) + "^" * max(1, min(width, len(row) - span.col + 2))]


class ScientiaError(Exception):
    """Base of every error the engine raises on purpose. Carries diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic], sources: dict[str, str] | None = None):
        self.diagnostics = list(diagnostics)
        self.sources = dict(sources or {})
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(d.render(self.sources) for d in self.diagnostics)

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.diagnostics]


class ParseError(ScientiaError):
    """The text is not in the language. Fix the statement at the caret; see LANGUAGE.md."""


class TypeCheckError(ScientiaError):
    """Statements parse but disagree on sorts, arities or safety. Each diagnostic shows both uses."""


class InconsistencyError(ScientiaError):
    """The statements told would make the knowledge base contradictory. The KB is unchanged;
    the diagnostics list a minimal set of statements that conflict: drop or fix one of them."""


class ProofError(ScientiaError):
    """A proof failed the kernel. The diagnostic names the failing step."""


class UsageError(ScientiaError):
    """The API or CLI was called wrongly (unknown file, unknown library, bad option)."""


def error(code: str, message: str, span: Span | None = None, help: str | None = None) -> Diagnostic:
    return Diagnostic(code, message, span, help)


class KernelBudget(ProofError):
    """The kernel could not confirm a step within its time budget (z3 answered unknown): the
    proof is neither accepted nor shown wrong. `ask` turns this into `unknown (resource limit)`."""
