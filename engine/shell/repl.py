"""The REPL: `scientia repl [FILE...]`, a thin loop over the public API.

A statement typed at the prompt is told to the KB; a `?- query.` is answered at once
with its verdict, bindings and the top of its proof. Input runs over several lines
until a statement-ending '.' (the parser's own statement splitter decides). Lines that
start with ':' are commands; `:help` lists them. On a terminal there is line editing,
a history file and tab completion; when standard input is not a terminal the REPL
reads it as a script and prints plain, deterministic text.

Nothing here reasons: every answer, proof, witness and error comes from the API.
"""
from __future__ import annotations

import dataclasses
import glob
import json
import os
import sys
import time
from pathlib import Path

from ..language import syntax as S
from ..answer import Answer, Verdict, incompleteness
from .render import TOO_DEEP_TO_DRAW, describe, model_text, render_proof
from ..errors import ScientiaError
from ..kb import KnowledgeBase
from ..language.parse import parse_program
from .terminal import CtrlC, LineEditing, line_buffer

PROMPT, MORE = "scientia> ", "|  "
HISTORY = ".scientia_history"     # in the home folder, unless SCIENTIA_HISTORY or `history` says otherwise
SHORT_DEPTH = 1          # proof lines shown under an answer: the conclusion and what it follows from

COMMANDS = {
    "help": (":help [CMD]", "list the commands, or explain one"),
    "load": (":load FILE", "tell the statements of FILE and answer its queries"),
    "save": (":save FILE", "write the knowledge base to FILE as source text"),
    "why": (":why [N]", "the full proof of the last answer, or of answer N of the last query"),
    "whynot": (":whynot QUERY", "explain a false or unknown answer: the witnesses, and which premises "
                               "would have to change"),
    "list": (":list [PRED]", "the statements with their sources; only those that mention PRED"),
    "retract": (":retract STATEMENT", "remove a statement (equal up to the names of bound variables)"),
    "revise": (":revise STATEMENTS", "tell them; where they contradict the knowledge base, give up the least "
                                     "entrenched statements (the oldest; perceived facts by confidence) and "
                                     "say which"),
    "undo": (":undo", "undo the last tell, retract, revise, load or reset"),
    "reset": (":reset", "start again from an empty knowledge base"),
    "json": (":json", "toggle JSON output (one object per query, as `scientia run --json`)"),
    "time": (":time", "toggle timings (of tells, queries and loads)"),
    "timeout": (":timeout [T]", "show or set the time budget of each solver call: 10s, 500ms, or a number of ms"),
    "warnings": (":warnings", "the warnings of the knowledge base and of the last input"),
    "quit": (":quit", "leave (Ctrl-D does too)"),
}


class Repl:
    """One session: a KnowledgeBase, an undo stack, the last answers and two toggles."""

    def __init__(self, kb: KnowledgeBase | None = None, out=None, interactive: bool | None = None,
                 history: str | os.PathLike | None = None, timeout_ms: int = 5000, as_json: bool = False):
        self.kb = kb or KnowledgeBase(timeout_ms=timeout_ms)
        self.out = out or sys.stdout
        self.interactive = sys.stdin.isatty() if interactive is None else interactive
        self.history = Path(history or os.environ.get("SCIENTIA_HISTORY") or Path.home() / HISTORY)
        self.as_json, self.timing = as_json, False
        self.undo_stack: list = []        # (what was done, (version, theory) before it)
        self.last: list = []              # the answers of the last query
        self.last_warnings: list = []     # the warnings of the last input (tell, query or load)
        self.source: dict = {}            # the text of the input being answered, for carets
        self.buffer: list = []            # lines of an input that still needs its '.'
        self.inputs = 0
        self.errors = 0
        self.done = False
        self.editing = None

    # ------------------------------------------------------------ the loops
    def run(self, files=()) -> int:
        for f in files:
            self.do_load(f)
        if self.interactive:
            self.interact()
        else:
            self.script(sys.stdin)
        return 1 if self.errors and not self.interactive else 0

    def script(self, lines) -> None:
        for line in lines:
            self.feed(line)
            if self.done:
                return
        if "".join(self.buffer).strip():
            self.submit("".join(self.buffer))      # reports the missing '.'

    def interact(self) -> None:
        self.editing = LineEditing(self.history, self.complete)
        self.say("Scientia REPL. Type statements, ?- queries, or :help. Ctrl-D leaves.")
        try:
            while not self.done:
                try:
                    self.read_one()
                except KeyboardInterrupt:   # Ctrl-C at the prompt (or while printing) clears the input
                    self.newline()
                    self.buffer = []
        finally:
            self.editing.close()

    def read_one(self) -> None:
        try:
            line = input(MORE if self.buffer else PROMPT)
        except EOFError:
            self.newline()
            if "".join(self.buffer).strip():
                lines = len(self.buffer)
                self.say(f"dropped the unfinished input ({lines} line{'s' if lines != 1 else ''} without "
                         "a final '.')")
            self.done = True
        else:
            self.feed(line + "\n")

    def feed(self, line: str) -> None:
        """One line of input: a command, or part of a statement told once its '.' has come."""
        if not self.buffer and line.strip().startswith(":"):
            if not self.interactive:
                self.say(line.strip())          # a script's transcript shows what each output answers
            self.command(line.strip()[1:])
            return
        if not self.buffer and not line.strip():
            return
        self.buffer.append(line)
        text = "".join(self.buffer)
        if not _needs_more(text):
            self.buffer = []
            if self.editing:
                self.editing.collapse(text)
            self.submit(text)

    # ------------------------------------------------------------ telling and asking
    def submit(self, text: str) -> None:
        """Tell the text; answer its queries. The KB is unchanged when it fails."""
        self.inputs += 1
        try:
            statements = parse_program(text, f"<repl#{self.inputs}>")
        except ScientiaError as e:
            return self.error(e)
        queries = [st for st in statements if isinstance(st, (S.Query, S.CausalQuery, S.CauseQuery))]
        changes = len(statements) - len(queries)
        self.source = {f"<repl#{self.inputs}>": text}
        start = time.perf_counter()
        results = self.guarded(lambda: self.kb.tell(text, f"<repl#{self.inputs}>"),
                               f"tell of {_first_line(text)}" if changes else None)
        if results is _INTERRUPTED:
            self.interrupted(queries, changes)
        elif results is not None:
            self.told(changes, results, time.perf_counter() - start)

    def guarded(self, action, label=None):
        """Run an API call: a ScientiaError is shown (None), Ctrl-C stops it (_INTERRUPTED).
        With a label, the call may change the KB and can be undone."""
        before, ctrl = _snapshot(self.kb), CtrlC(self.interactive)
        try:
            result = ctrl.run(action)
        except KeyboardInterrupt:
            return _INTERRUPTED
        except ScientiaError as e:
            return _INTERRUPTED if ctrl.hit else self.error(e)
        if label and any(x is not y for x, y in zip(_snapshot(self.kb), before)):
            self.undo_stack.append((label, before))
        return _relabel(result) if ctrl.hit else result

    def told(self, changes: int, results: list, seconds: float) -> None:
        if changes and not self.as_json:
            self.say(f"ok: {changes} statement{'s' if changes != 1 else ''} told")
        self.last_warnings = []
        self.warn(getattr(results, "warnings", ()))
        for query, answers in results:
            self.show_answers(query, answers)
        if self.timing:
            self.say(f"({seconds:.3f} s)")

    def interrupted(self, queries: list, changes: int) -> None:
        if changes:
            self.say("interrupted: the knowledge base is unchanged")
        for st in queries:
            text = S.show_formula(st.formula)
            self.show_answers(text, [Answer(text, Verdict.UNKNOWN, reason="interrupted")])

    def warn(self, diagnostics) -> None:
        """Show warnings (W0xx) once each per input; `:warnings` lists them again."""
        new = [d for d in diagnostics if d not in self.last_warnings]
        self.last_warnings += new
        if not new:
            return
        if self.as_json:
            return self.say(json.dumps({"warnings": [d.to_json() for d in new]}))
        self.say("\n".join(d.render({**self.kb.sources, **self.source}) for d in new))

    def show_answers(self, query: str, answers: list) -> None:
        self.last = answers
        if not self.as_json and not self.interactive:
            self.say(f"?- {query}.")
        self.warn([d for d in getattr(answers, "warnings", ()) if d not in self.kb.warnings])
        if self.as_json:
            record = {"query": query, "answers": [a.to_json() for a in answers]}
            if getattr(answers, "incomplete", None):
                record["incomplete"] = answers.incomplete
            return self.say(json.dumps(record))
        notes = incompleteness(answers)
        if not answers:
            for line in notes:
                self.say("   " + line)
        for n, a in enumerate(answers, 1):
            self.say(("   " if len(answers) == 1 else f"   [{n}] ") + describe(a))
            self.say(_indent(_short_proof(a, n if len(answers) > 1 else None), 6))
        if answers:
            for line in notes:
                self.say("   " + line)

    def ask(self, query: str):
        """A closed query for :whynot; returns the Answer, or None after an error."""
        answer = self.guarded(lambda: self.kb.ask(query))
        return Answer(query, Verdict.UNKNOWN, reason="interrupted") if answer is _INTERRUPTED else answer

    # ------------------------------------------------------------ commands
    def command(self, text: str) -> None:
        """`:NAME ARG`; NAME may be any unambiguous prefix (`:q`, `:wh` is ambiguous)."""
        name, _, arg = text.partition(" ")
        matches = [c for c in COMMANDS if c == name] or [c for c in COMMANDS if name and c.startswith(name)]
        if len(matches) == 1:
            return getattr(self, f"do_{matches[0]}")(arg.strip())
        self.errors += 1
        options = ", ".join(":" + m for m in matches)
        hint = f"did you mean {options}?" if matches else ":help lists them"
        self.say(f"error: unknown command :{name}; {hint}")

    def do_help(self, arg: str) -> None:
        name = arg.lstrip(":")
        if name in COMMANDS:
            usage, text = COMMANDS[name]
            return self.say(f"{usage}\n    {text}")
        if name:
            return self.say(f"no command :{name}; :help lists them")
        self.say("A statement is told to the knowledge base; ?- QUERY. answers a query.\n"
                 "Input runs over several lines until its final '.'.\nCommands:")
        for usage, text in COMMANDS.values():
            self.say(f"  {usage:<20} {text}")

    def do_load(self, arg: str) -> None:
        if self.needs(arg, "a file name"):
            start = time.perf_counter()
            results = self.guarded(lambda: self.kb.load(arg), f":load {arg}")
            if results not in (None, _INTERRUPTED):
                self.say(f"loaded {arg}: {len(self.kb.entries)} statements in the knowledge base")
                self.told(0, results, time.perf_counter() - start)

    def do_save(self, arg: str) -> None:
        if self.needs(arg, "a file name") and self.guarded(lambda: self.kb.save(arg) or True):
            self.say(f"saved {len(self.kb.entries)} statements to {arg}")

    def do_why(self, arg: str) -> None:
        answer = self.pick(arg)
        if answer is None:
            return
        self.say(describe(answer))
        if answer.proof is None:
            return self.say(f"no proof: the answer is {answer.verdict}; :whynot {answer.query} explains it")
        self.say(_indent(render_proof(answer.proof), 2))

    def do_whynot(self, arg: str) -> None:
        answer = self.needs(arg, "a query") and self.ask(arg)
        if not answer:
            return
        self.last = [answer]
        self.say(f"{answer.verdict}" + (f" ({answer.reason})" if answer.reason else ""))
        match answer.verdict:
            case Verdict.TRUE:
                self.say("  it is true, not false; :why shows the proof")
            case Verdict.FALSE:
                self.explain_false(answer)
            case Verdict.UNKNOWN:
                self.explain_unknown(answer)

    def explain_false(self, answer: Answer) -> None:
        rests = answer.rests_on
        self.say(f"  the negation is proved (:why shows it); to make {answer.query} true, "
                 "one of these would have to change:")
        for source in rests["premises"]:
            self.say(f"    premise {source}: {self.statement_at(source)}")
        for claim in rests["closed"]:
            self.say(f"    closed world: {claim}  (tell the atom, or drop the closed declaration)")
        for claim in rests["smt"]:
            self.say(f"    smt step: {claim}")
        for p in rests["perceived"]:
            self.say(f"    perceived: {p['claim']} ({p['model']}, confidence {p['confidence']:.3f})")

    def explain_unknown(self, answer: Answer) -> None:
        if not answer.witnesses:
            return self.say(f"  no witnesses: the solver did not decide ({answer.reason})")
        holds, fails = answer.witnesses["holds"], answer.witnesses["fails"]
        self.say(f"  holds in: {model_text(holds)}\n  fails in: {model_text(fails)}")
        differ = [atom for atom in holds if holds[atom] != fails.get(atom)]
        self.say("  the witnesses differ on: " + (", ".join(differ) or "(none)")
                 + "\n  telling one of these, or its negation, would help decide the query")

    def do_list(self, arg: str) -> None:
        entries = [e for e in self.kb.entries if not arg or _mentions(e.statement, arg)]
        for e in entries:
            self.say(f"{S.show(e.statement):<50} % {e.source}")
        if not entries:
            self.say("no statements" + (f" mention {arg}" if arg else ""))

    def do_retract(self, arg: str) -> None:
        if not self.needs(arg, "a statement"):
            return
        count = self.guarded(lambda: self.kb.retract(arg), f":retract {arg}")
        if count not in (None, _INTERRUPTED):
            self.say(f"retracted {count} statement{'s' if count != 1 else ''}")

    def do_revise(self, arg: str) -> None:
        if not self.needs(arg, "statements"):
            return
        text = arg if arg.strip().endswith(".") else arg + "."
        self.inputs += 1
        start = time.perf_counter()
        result = self.guarded(lambda: self.kb.revise(text, f"<repl#{self.inputs}>"), f":revise {arg}")
        if result in (None, _INTERRUPTED):
            return
        for statement, source in result.given_up:
            self.say(f"gave up: {statement}    % {source}")
        if not result.given_up:
            self.say("nothing given up: no contradiction")
        self.told(0, result, time.perf_counter() - start)

    def do_undo(self, arg: str) -> None:
        if not self.undo_stack:
            return self.say("nothing to undo")
        label, before = self.undo_stack.pop()
        _restore(self.kb, before)
        self.say(f"undone: {label}")

    def do_reset(self, arg: str) -> None:
        self.undo_stack.append((":reset", _snapshot(self.kb)))
        _restore(self.kb, _snapshot(KnowledgeBase(timeout_ms=self.kb.timeout_ms)))
        self.last = []
        self.say("the knowledge base is empty (:undo brings it back)")

    def do_json(self, arg: str) -> None:
        self.as_json = not self.as_json
        self.say(f"JSON output {'on' if self.as_json else 'off'}")

    def do_time(self, arg: str) -> None:
        self.timing = not self.timing
        self.say(f"timings {'on' if self.timing else 'off'}")

    def do_timeout(self, arg: str) -> None:
        if not arg:
            return self.say(f"time budget: {_show_ms(self.kb.timeout_ms)} per solver call")
        ms = _parse_ms(arg)
        if ms is None:
            self.errors += 1
            return self.say(f"error: cannot read the time budget {arg!r}; write 10s, 500ms or a number of ms")
        self.kb.set_timeout(ms)
        self.say(f"time budget: {_show_ms(ms)} per solver call")

    def do_warnings(self, arg: str) -> None:
        shown = list(self.kb.warnings) + [d for d in self.last_warnings if d not in self.kb.warnings]
        if not shown:
            return self.say("no warnings")
        self.say("\n".join(d.render(self.kb.sources) for d in shown))

    def do_quit(self, arg: str) -> None:
        self.done = True

    # ------------------------------------------------------------ helpers
    def pick(self, arg: str):
        if not self.last:
            return self.say("no answer yet: ask a ?- query first")
        n = int(arg) if arg.isdigit() else 1
        if arg and not arg.isdigit() or not 1 <= n <= len(self.last):
            return self.say(f"error: the last query has answers 1 to {len(self.last)}")
        return self.last[n - 1]

    def needs(self, arg: str, what: str) -> bool:
        if not arg:
            self.errors += 1
            self.say(f"error: this command needs {what}; :help explains it")
        return bool(arg)

    def statement_at(self, source: str) -> str:
        return next((S.show(e.statement) for e in self.kb.entries if e.source == source), "?")

    def complete(self, text: str, state: int):
        """readline's completer: commands after ':', file names after :load and :save,
        otherwise the predicates and constants of the signature."""
        line = line_buffer()
        if text.startswith(":"):
            words = [":" + c for c in COMMANDS]
        elif line.startswith((":load ", ":save ")):
            words = glob.glob(os.path.expanduser(text) + "*")
        else:
            sig = self.kb.signature
            words = sorted({S.show_name(n) for n in [*sig.preds, *sig.consts]})
        matches = [w for w in words if w.startswith(text)]
        return matches[state] if state < len(matches) else None

    def error(self, e: ScientiaError) -> None:
        self.errors += 1
        if self.as_json:
            return self.say(json.dumps({"errors": [d.to_json() for d in e.diagnostics]}))
        self.say(e.render())

    def say(self, text: str) -> None:
        if text:
            print(text, file=self.out, flush=True)

    def newline(self) -> None:
        print(file=self.out, flush=True)


# ---------------------------------------------------------------- presentation
def _short_proof(a: Answer, n: int | None) -> str:
    """The conclusion of the proof and the claims it follows from; :why shows the rest."""
    if a.proof is None:
        return f":whynot {a.query} shows what would decide it" if a.verdict is Verdict.UNKNOWN else ""
    lines = render_proof(a.proof).splitlines()
    short = [ln for ln in lines if len(ln) - len(ln.lstrip()) <= 2 * SHORT_DEPTH]
    if lines[0].startswith(TOO_DEEP_TO_DRAW):       # a flat listing: its first steps
        short = lines[:1 + 2 * SHORT_DEPTH]
    if len(short) < len(lines):
        more = len(lines) - len(short)
        short.append(f"... {more} more line{'s' if more > 1 else ''} (:why{' ' + str(n) if n else ''})")
    return "\n".join(short)


def _parse_ms(text: str) -> int | None:
    """`10s`, `1.5 s`, `500ms` or `500` (milliseconds) as a whole number of ms > 0, else None."""
    import re
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*(ms|s|)\s*", text)
    if m is None:
        return None
    ms = round(float(m.group(1)) * (1000 if m.group(2) == "s" else 1))
    return ms if ms > 0 else None


def _show_ms(ms: int) -> str:
    return f"{ms / 1000:g} s" if ms % 100 == 0 and ms >= 1000 else f"{ms} ms"


def _indent(text: str, width: int) -> str:
    return "\n".join(" " * width + ln for ln in text.splitlines())


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0]
    return line if len(line) <= 60 else line[:57] + "..."


def _mentions(node, name: str) -> bool:
    """Does a statement name the symbol `name` (predicate, constant, sort, ...)?"""
    if isinstance(node, str):
        return node == name
    if isinstance(node, tuple):
        return any(_mentions(x, name) for x in node)
    if dataclasses.is_dataclass(node):
        fields = [getattr(node, f.name) for f in dataclasses.fields(node) if f.name != "span"]
        return any(_mentions(x, name) for x in fields)
    return False


# ---------------------------------------------------------------- input
def _needs_more(text: str) -> bool:
    """True when the text lacks a statement-ending '.' (error E003) and has no other error."""
    try:
        parse_program(text, "<input>")
    except ScientiaError as e:
        return e.codes == ["E003"]
    return False


# ---------------------------------------------------------------- undo: the KB's immutable state
def _snapshot(kb: KnowledgeBase) -> tuple:
    return kb._v, kb._theory


def _restore(kb: KnowledgeBase, snapshot: tuple) -> None:
    kb._v, kb._theory = snapshot


# ---------------------------------------------------------------- Ctrl-C
_INTERRUPTED = object()


def _relabel(result):
    """After Ctrl-C, an `unknown` that the API returned is the solver stopping: say so."""
    def fix(a):
        gave_up = a.verdict is Verdict.UNKNOWN
        return Answer(a.query, Verdict.UNKNOWN, a.bindings, reason="interrupted") if gave_up else a
    if isinstance(result, Answer):
        return fix(result)
    if isinstance(result, list):
        return [(q, [fix(a) for a in answers]) for q, answers in result]
    return result
