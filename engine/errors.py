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
    width, col = 1, span.col
    if span.end_line == span.line and span.end_col > span.col:
        width = span.end_col - span.col
    if len(row) > MAX_SHOWN:            # a huge line: show a window around the column
        start = max(0, min(col - 1 - MAX_SHOWN // 4, len(row) - MAX_SHOWN))
        row = ("..." if start else "") + row[start:start + MAX_SHOWN] + ("..." if start + MAX_SHOWN < len(row) else "")
        col = col - start + (3 if start else 0)
        width = min(width, MAX_SHOWN)
    return [f"    {row}", "    " + " " * (col - 1) + "^" * max(1, min(width, len(row) - col + 2))]


MAX_SHOWN = 120     # characters of a source line shown above a caret


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


def warning(code: str, message: str, span: Span | None = None, help: str | None = None) -> Diagnostic:
    """A warning (code W0xx): something a user likely did not mean. It never changes an
    answer and never blocks a tell; it renders like an error, as `file:line:col: warning:`."""
    return Diagnostic(code, message, span, help, "warning")


class KernelBudget(ProofError):
    """The kernel could not confirm a step within its time budget (z3 answered unknown): the
    proof is neither accepted nor shown wrong. `ask` turns this into `unknown (resource limit)`."""


def read_source(path, what: str = "") -> str:
    """The text of a source file (UTF-8, a leading byte-order mark dropped), or a UsageError
    E004 that names the path: a missing or unreadable file, a directory or device, bytes
    that are not UTF-8 or a NUL byte (a binary file; the error gives its line and column).
    `what` ("include file", "proof") is put before the path in the message; a `path` that is
    not a path at all is E020."""
    from pathlib import Path
    label = f"{what} {path}" if what else f"{path}"

    def fail(reason: str, span: Span | None = None, hint: str | None = None):
        raise UsageError([Diagnostic("E004", f"cannot read {label}: {reason}", span, hint)]) from None

    try:
        p = Path(path)
        if p.is_dir():
            fail("it is a directory", None, "give the path of a file")
        if p.exists() and not (p.is_file() or p.is_fifo()):
            fail("not a regular file")
        data = p.read_bytes()
    except OSError as e:
        fail(e.strerror or str(e))
    except TypeError:
        raise UsageError([Diagnostic("E020", f"expected a file path, got {type(path).__name__}")]) from None
    except ValueError as e:                     # a NUL character in the path
        fail(str(e))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        fail(f"not UTF-8 text (byte 0x{data[e.start]:02x})", _byte_span(str(path), data, e.start),
             "source files are UTF-8 text; is this a binary file?")
    if "\x00" in text:
        at = data.index(b"\x00")
        fail("it contains a NUL byte", _byte_span(str(path), data, at), "is this a binary file?")
    return text


def _byte_span(file: str, data: bytes, offset: int) -> Span:
    """The line and column (in characters) of a byte offset of UTF-8 data."""
    start = data.rfind(b"\n", 0, offset) + 1
    col = len(data[start:offset].decode("utf-8", "replace")) + 1
    return Span(file, data.count(b"\n", 0, offset) + 1, col)
