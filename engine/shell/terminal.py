"""The REPL's terminal: Ctrl-C read as a key while the engine works, and line editing."""
from __future__ import annotations

import os
import select
import signal
import sys
import termios
import threading
from pathlib import Path


class CtrlC:
    """While an API call runs on a terminal, read Ctrl-C as a key rather than a signal.

    z3 takes SIGINT for itself during a check: it stops the check and the engine answers
    `unknown`, but Python never hears of it. So the terminal's ISIG is turned off, and a
    thread watches for the key, records it (`hit`), then sends SIGINT until the call ends:
    z3 stops its check, and Python code gets one KeyboardInterrupt.
    """

    def __init__(self, active: bool):
        self.active, self.hit, self.raised = active and sys.stdin.isatty(), False, False
        self.stop = threading.Event()

    def run(self, action):
        if not self.active:
            return action()
        self.start()
        try:
            return action()
        finally:
            while self.thread.is_alive() or self.saved:
                try:
                    self.finish()
                except KeyboardInterrupt:
                    self.hit = True

    def start(self) -> None:
        self.fd = sys.stdin.fileno()
        self.saved = termios.tcgetattr(self.fd)
        quiet = termios.tcgetattr(self.fd)
        quiet[3] &= ~(termios.ISIG | termios.ICANON | termios.ECHO)
        termios.tcsetattr(self.fd, termios.TCSANOW, quiet)
        self.handler = signal.signal(signal.SIGINT, self.on_sigint)
        self.thread = threading.Thread(target=self.watch, daemon=True)
        self.thread.start()

    def on_sigint(self, signum, frame) -> None:
        if not self.raised and not self.stop.is_set():
            self.raised = True
            raise KeyboardInterrupt

    def watch(self) -> None:
        while not self.stop.is_set() and not self.hit:
            if select.select([self.fd], [], [], 0.05)[0] and b"\x03" in os.read(self.fd, 1024):
                self.hit = True
        while self.hit and not self.stop.is_set():
            os.kill(os.getpid(), signal.SIGINT)
            self.stop.wait(0.1)

    def finish(self) -> None:
        self.stop.set()
        self.thread.join()
        if self.saved:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)
            signal.signal(signal.SIGINT, self.handler)
            self.saved = None


# ---------------------------------------------------------------- line editing and history
class LineEditing:
    """GNU readline: editing, a history file kept across sessions, tab completion."""

    def __init__(self, history: Path, completer):
        import readline
        self.readline, self.history = readline, history
        try:
            readline.read_history_file(history)
        except OSError:
            pass
        readline.set_history_length(1000)
        readline.set_completer(completer)
        readline.set_completer_delims(" \t\n(),.;&|~<>=!+-*/")
        readline.parse_and_bind("tab: complete")

    def collapse(self, text: str) -> None:
        """Keep an input that ran over several lines as one history entry."""
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        n = self.readline.get_current_history_length()
        if len(lines) < 2 or n < len(lines):
            return
        for i in range(len(lines)):
            self.readline.remove_history_item(n - 1 - i)
        self.readline.add_history(" ".join(lines))

    def close(self) -> None:
        try:
            self.readline.write_history_file(self.history)
        except OSError as e:
            print(f"warning: cannot write the history {self.history}: {e.strerror}", file=sys.stderr)


def line_buffer() -> str:
    readline = sys.modules.get("readline")
    return readline.get_line_buffer() if readline else ""
