"""`scientia discover ... --tell KB --name f`: append a discovered law, as a `law` statement
with its provenance, to a KB file, once the file with it reads and checks."""
import sys
from pathlib import Path

from ..errors import ScientiaError


def append_law(law, name: str, data, target: str, kb_file) -> int:
    from ..kb import KnowledgeBase
    from ..reason.provenance import law_statement
    path = Path(kb_file)
    try:
        statement = law_statement(law, name, data, target, kb_file=path)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        text = old + ("" if not old or old.endswith("\n") else "\n") + statement + "\n"
        KnowledgeBase().tell(text, str(path))
    except ScientiaError as e:
        print(e.render(), file=sys.stderr)
        return 1
    except OSError as e:
        print(f"error: cannot read {path}: {e.strerror}", file=sys.stderr)
        return 1
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        print(f"error: cannot write {path}: {e.strerror}", file=sys.stderr)
        return 1
    print(f"told {path}: {statement}")
    return 0
