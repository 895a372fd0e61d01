"""Knowledge-base files: the library folder of `use`, the provenance marks of perceived facts
in a saved file, and writing a file atomically (mode kept, nothing left behind on failure)."""
from __future__ import annotations

import contextlib
import json
import math
import os
import re
import stat
import tempfile
from pathlib import Path

from .errors import Diagnostic, ParseError, ScientiaError, Span, UsageError, read_source
from .language import syntax as S
from .language.parse import parse_program

_PLAIN_LIBRARY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")


def library_file(folder: Path, name: str) -> Path | None:
    """The file of library `name`: NAME.kb directly in the library folder, and nothing else.
    A name with a folder separator, '..', a leading '.', an absolute path, a link out of the
    folder or no such file gives None."""
    if not _PLAIN_LIBRARY.fullmatch(name):
        return None
    try:
        root = folder.resolve()
        path = (folder / f"{name}.kb").resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    return path if path.parent == root and path.is_file() else None


def checked_provenance(model, input_id, confidence) -> tuple:
    """(model, input, confidence) of a perceived fact, checked: two strings and a number in [0, 1]."""
    try:
        value = float(confidence)
    except (TypeError, ValueError):
        value = math.nan
    if not isinstance(model, str) or not isinstance(input_id, str) or isinstance(confidence, bool) \
            or not 0.0 <= value <= 1.0:
        raise UsageError([Diagnostic("E020", f"a perceived fact needs a model name, an input id (strings) and a "
                                             f"confidence between 0 and 1, not {model!r}, {input_id!r}, {confidence!r}")])
    return model, input_id, value


_MARK = re.compile(r"% @perceived (.*)")
EXPANDED = re.compile(r"^% @expanded ([A-Za-z0-9_][A-Za-z0-9_-]*)[ \t\r]*$", re.M)


def perceived_marks(text: str, file: str) -> dict:
    """source -> (model, input, confidence) from the `% @perceived {json}` lines of a saved
    file: each is the provenance of the statement that starts the next line."""
    marks, rows = {}, text.splitlines()
    for i, row in enumerate(rows):
        m = _MARK.fullmatch(row.rstrip())
        if not m:
            continue
        nxt = rows[i + 1] if i + 1 < len(rows) else ""
        try:
            data = json.loads(m.group(1))
            if not isinstance(data, dict) or set(data) != {"model", "input", "confidence"} or not nxt.strip():
                raise ValueError
            provenance = checked_provenance(data["model"], data["input"], data["confidence"])
        except (ValueError, UsageError):
            raise ParseError([Diagnostic(
                "E002", "malformed @perceived line", Span(file, i + 1, 1, i + 1, len(row) + 1),
                'write % @perceived {"model": "M", "input": "I", "confidence": 0.9} right above the fact')],
                {file: text}) from None
        marks[f"{file}:{i + 2}:{len(nxt) - len(nxt.lstrip()) + 1}"] = provenance
    return marks


def saved_entries(version, folder: Path) -> list:
    """The entries `save` writes, and the libraries it leaves out: those that a written
    `use` line brings back exactly as they are (see KnowledgeBase.save)."""
    kept, deps, have = set(), {}, {e.source for e in version.entries}
    if getattr(version, "causal", None) is not None:
        have |= {src for _, src in version.causal.statements}
    for name in version.libraries:
        file = f"kb/{name}.kb"
        try:
            text = version.sources.get(file)
            if text is None or text != read_source(folder / f"{name}.kb"):
                continue
            statements = [st for st in parse_program(text, file)
                          if not isinstance(st, (S.Query, S.CausalQuery, S.CauseQuery))]
        except ScientiaError:
            continue
        if all(source_of(st) in have for st in statements):
            kept.add(name)
            deps[name] = {st.name for st in statements if isinstance(st, S.Use)}

    def written(kept):
        return [e for e in version.entries if not any(e.source.startswith(f"kb/{n}.kb:") for n in kept)]
    used = {e.statement.name for e in version.entries if isinstance(e.statement, S.Use)}
    while True:
        smaller = {n for n in kept if n in used and deps[n] <= kept}
        if smaller == kept:
            return written(kept), kept
        kept = smaller


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(path, text: str) -> None:
    """Write `text` to `path` atomically: a temporary file in the same folder renamed into
    place. A link is written through; the file keeps the mode of the one it replaces (a new
    one gets 0666 less the umask); on any failure no temporary file is left (UsageError E021)."""
    def fail(reason: str, hint: str | None = None):
        raise UsageError([Diagnostic("E021", f"cannot write {path}: {reason}", None, hint)]) from None

    try:
        target = Path(os.path.realpath(path))
        if target.is_dir():
            fail("it is a directory", "give the name of a file, e.g. out.kb")
        if not target.parent.is_dir():
            fail(f"there is no folder {target.parent}")
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
    except OSError as e:
        fail(e.strerror or str(e))
    except TypeError:
        raise UsageError([Diagnostic("E020", f"expected a file path, got {type(path).__name__}")]) from None
    except ValueError as e:         # a NUL character in the path
        fail(str(e))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".scientia-", suffix=".kb")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
    except OSError as e:
        fail(e.strerror or str(e))
    except ValueError as e:          # text that UTF-8 cannot encode (a lone surrogate)
        fail(str(e))
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def source_of(st) -> str:
    sp = st.span
    return f"{sp.file}:{sp.line}:{sp.col}" if sp else "<unknown>"
