"""`nesy repl [FILE]`: an interactive session that grows a program one statement at a time.

A line is either a statement of the language (`rel`, `type`, a Horn clause, ...), added to the
session's program when the whole program still compiles, or a query, answered at once:

    nesy> rel edge = {0.9::(0, 1), 0.5::(1, 2)}
    nesy> rel path(a, b) = edge(a, b) or (path(a, c) and edge(c, b))
    nesy> :provenance exact
    nesy> query path(0, x)
    path (2 tuples)
      0.9::(0, 1)
      0.45::(0, 2)

A statement that does not compile is reported exactly as `nesy check` reports it, and leaves
the program as it was. Lines starting with `:` are session commands (`:help` lists them). A
statement may span lines: input continues while brackets are open.

`Session` is the command layer (a line in, the text to show out), independent of the terminal,
so it is tested directly; `run` wraps it in a read-eval-print loop with readline editing and a
history file (~/.nesy_history, or $NESY_HISTORY).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .errors import CompileError, NesyError

PROMPT, MORE = "nesy> ", "  ... "
SOURCE_NAME = "<repl>"
HELP = """statements (rel, type, Horn clauses, ...) are added to the program
query REL / query REL(0, x)   run the program and show a relation (or the matching tuples)
:run                          run the program and show every output relation
:provenance NAME [K]          switch provenance (now: {provenance}); K for top-k provenances
:list                         show the program
:undo                         remove the last statement added
:load FILE                    add the statements of a file
:reset                        start over with an empty program
:help                         this text
:quit                         leave (or Ctrl-D)"""


class Session:
    """The state of one REPL session and its commands; `execute(line)` returns what to show."""

    def __init__(self, provenance: str = "unit", k: int | None = None):
        self.statements: list[str] = []
        self.provenance, self.k = provenance, k
        self.done = False

    @property
    def text(self) -> str:
        return "".join(statement + "\n" for statement in self.statements)

    def execute(self, line: str) -> str:
        """Run one complete input (a statement, a query or a `:command`); errors are returned
        as text, never raised, so a session survives every mistake."""
        line = line.strip()
        if not line or line.startswith("//"):
            return ""
        try:
            if line.startswith(":"):
                return self._command(line[1:].split())
            if line.split(None, 1)[0] == "query":
                return self._query(line)
            return self._add([line])
        except NesyError as err:
            return err.render() if not isinstance(err, CompileError) else str(err)

    # -- statements and queries ------------------------------------------------------------------
    def _add(self, statements: list[str]) -> str:
        self._compile(self.statements + statements)
        self.statements += statements
        return ""

    def _query(self, query: str) -> str:
        from .render import table

        program = self._compile(self.statements + [query])
        relation = query.split(None, 1)[1].split("(")[0].strip() if len(query.split()) > 1 else ""
        result = program.run(provenance=self.provenance, k=self.k, query=relation or None)
        return _body(table(result, self.k))

    def _run(self) -> str:
        from .render import table

        program = self._compile(self.statements)
        return table(program.run(provenance=self.provenance, k=self.k), self.k).rstrip("\n")

    def _compile(self, statements: list[str]):
        from .program import compile

        return compile("".join(s + "\n" for s in statements), SOURCE_NAME)

    # -- session commands ------------------------------------------------------------------------
    def _command(self, words: list[str]) -> str:
        name, args = (words[0], words[1:]) if words else ("help", [])
        commands = {"help": self._help, "run": self._run_command, "provenance": self._provenance,
                    "list": self._list, "undo": self._undo, "load": self._load,
                    "reset": self._reset, "quit": self._quit, "q": self._quit, "exit": self._quit}
        if name not in commands:
            from .errors import closest

            guess = closest(name, [c for c in commands if len(c) > 1])
            hint = f"; did you mean :{guess}?" if guess else "; :help lists the commands"
            return f"error: no command :{name}{hint}"
        return commands[name](args)

    def _help(self, args) -> str:
        return HELP.format(provenance=self._provenance_text())

    def _run_command(self, args) -> str:
        return self._run()

    def _provenance(self, args) -> str:
        if not args:
            return f"provenance {self._provenance_text()}"
        from .provenance import make

        name = args[0]
        k = _k(args[1]) if len(args) > 1 else None
        kind = make(name, k)  # an unknown name or a bad k raises UsageError, listing the names
        if k is not None and not kind.uses_k:
            return f"error: {name} has no k (only top-k provenances do)"
        self.provenance, self.k = name, k
        return f"provenance {self._provenance_text()}"

    def _provenance_text(self) -> str:
        return self.provenance + (f" (k={self.k})" if self.k is not None else "")

    def _list(self, args) -> str:
        return self.text.rstrip("\n") or "(the program is empty)"

    def _undo(self, args) -> str:
        if not self.statements:
            return "nothing to undo"
        return f"removed: {self.statements.pop()}"

    def _load(self, args) -> str:
        from .files import read_text

        if len(args) != 1:
            return "error: :load takes one file"
        self._add([read_text(args[0], "a .nesy file").rstrip("\n")])
        return f"loaded {args[0]}"

    def _reset(self, args) -> str:
        self.statements = []
        return "the program is empty"

    def _quit(self, args) -> str:
        self.done = True
        return ""


def _k(text: str) -> int:
    from .errors import UsageError

    try:
        return int(text)
    except ValueError:
        raise UsageError(f"k must be an integer, got {text!r}") from None


def _body(table_text: str) -> str:
    """The relations of a table, without its `# provenance ...` header line."""
    return "\n".join(table_text.splitlines()[1:])


#: A line ending in one of these continues on the next (the statement cannot end there).
CONTINUED = ("and", "or", "not", "=", ":-", ",", ";", "::", "+", "-", "*", "/", "then", "else")


def incomplete(text: str) -> bool:
    """True while a statement's brackets are open, or its last line ends in a connective
    (`and`, `=`, `:-`, ...): input continues on the next line."""
    words = text.split()
    if words and (words[-1] in CONTINUED or text.rstrip().endswith(CONTINUED[3:])):
        return True
    depth, quote = 0, None
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
    return depth > 0


def run(file: str | None = None, provenance: str = "unit", k: int | None = None,
        stdin=None, stdout=None) -> int:
    """The read-eval-print loop: prompts and line editing on a terminal, plain lines from a
    pipe (`nesy repl < session.txt`)."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    session = Session(provenance, k)
    interactive = stdin.isatty() and stdout.isatty()
    if file is not None:
        session._load([file])  # a missing or broken file ends the command (exit 1)
    if interactive:
        _start_history()
        print(f"nesy repl: statements are added, `query REL` answers, :help for commands "
              f"(provenance {session._provenance_text()})", file=stdout)
    while not session.done:
        try:
            line = _read_statement(stdin, interactive)
        except KeyboardInterrupt:
            print("", file=stdout)
            continue
        if line is None:
            break
        shown = session.execute(line)
        if shown:
            print(shown, file=stdout)
    return 0


def _read_statement(stdin, interactive: bool) -> str | None:
    lines = []
    while True:
        prompt = MORE if lines else PROMPT
        if interactive:
            try:
                line = input(prompt)
            except EOFError:
                print()
                return "\n".join(lines) if lines else None
        else:
            line = stdin.readline()
            if not line:
                return "\n".join(lines) if lines else None
            line = line.rstrip("\n")
        lines.append(line)
        if not incomplete("\n".join(lines)):
            return "\n".join(lines)


def _start_history() -> None:
    """Line editing and a history kept across sessions, where readline exists."""
    try:
        import atexit
        import readline
    except ImportError:
        return
    path = Path(os.environ.get("NESY_HISTORY", Path.home() / ".nesy_history"))
    try:
        readline.read_history_file(path)
    except OSError:
        pass
    readline.set_history_length(1000)
    atexit.register(_save_history, readline, path)


def _save_history(readline, path: Path) -> None:
    try:
        readline.write_history_file(path)
    except OSError:
        pass
