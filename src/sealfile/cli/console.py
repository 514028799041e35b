"""What a command over several files shows: its lines, a progress line on a terminal, and a worker thread's
lines held until the main thread shows them in the files' order (:mod:`sealfile.cli.batch`)."""

from __future__ import annotations

import sys

from sealfile.cli.exit_codes import ExitCode
from sealfile.errors import SealfileError, one_line

_CLEAR_LINE = "\r\033[K"


class Console:
    """Output for per-file work: lines and questions first erase the progress line, if one is shown."""

    def __init__(self, *, progress: bool) -> None:
        self._progress = progress
        self._shown = False
        self.deferred: list[str] = []

    def progress(self, text: str) -> None:
        if self._progress:
            self.clear()
            sys.stderr.write(one_line(text))
            sys.stderr.flush()
            self._shown = True

    def clear(self) -> None:
        if self._shown:
            sys.stderr.write(_CLEAR_LINE)
            sys.stderr.flush()
            self._shown = False

    def echo(self, text: str = "", *, err: bool = False) -> None:
        """Each line shown as text, no control reaching the terminal; line breaks and tabs are kept (lines,
        tab-separated fields), so a caller escapes each file name or field in ``text`` with ``one_line``."""
        self.clear()
        stream = sys.stderr if err else sys.stdout
        stream.write("\n".join("\t".join(map(one_line, line.split("\t"))) for line in text.split("\n")) + "\n")
        stream.flush()

    def error(self, text: str) -> None:
        self.echo(f"sealfile: error: {text}", err=True)

    def warn(self, text: str) -> None:
        self.echo(f"sealfile: warning: {text}", err=True)

    def warn_at_end(self, text: str) -> None:
        """A warning that concerns the whole run: printed once, just before the summary."""
        if text not in self.deferred:
            self.deferred.append(text)

    def confirm(self, question: str) -> bool:
        """Whether the user says yes; no answer at all (no terminal, input ended) is an error, not a silent no: a
        script that forgot ``--yes`` must not pass as if the change were made."""
        self.clear()
        try:
            return yes_or_no(question, default=False)
        except EOFError:
            raise SealfileError("no answer to the question (input ended, or no terminal); nothing was changed "
                                "(--yes makes the change without asking)") from None


_ANSWERS = {"y": True, "yes": True, "n": False, "no": False}


def yes_or_no(question: str, *, default: bool) -> bool:
    """The user's yes or no, as click asks it ("[y/N]", an empty line is ``default``, anything else asks again),
    read so that a Ctrl-C ends the wait whenever it comes (:func:`sealfile.files.terminal.read_line`).
    ``EOFError`` at the end of input (Ctrl-D, or no one to answer)."""
    from sealfile.files.terminal import read_line

    prompt = f"{question} {'[Y/n]' if default else '[y/N]'}: "
    if not sys.stdin.isatty():  # answers given on standard input (`yes | sealfile ...`) are read from there
        return _click_yes_or_no(question, default=default)
    try:
        while (answer := read_line(prompt, echo=True)) is not None:
            if not answer.strip():
                return default
            if answer.strip().lower() in _ANSWERS:
                return _ANSWERS[answer.strip().lower()]
            sys.stderr.write("Error: invalid input\n")
    except SealfileError:  # an answer that is not text: not a yes
        return False
    return _click_yes_or_no(question, default=default)


def _click_yes_or_no(question: str, *, default: bool) -> bool:
    """Where there is no controlling terminal to read from (or no ``termios``)."""
    import click  # only commands that ask load it, and they run under click

    try:
        return click.confirm(question, default=default, err=True)
    except click.Abort as abort:
        if isinstance(abort.__context__, EOFError):
            sys.stderr.write("\n")  # what is said next starts a line of its own
            raise EOFError from None
        raise interruption(abort) from None


def hidden_answer(question: str, *, about: str) -> str:
    """A typed answer not echoed (a secret value); end of input, or text that cannot be read, is an error naming
    ``about`` (the file and key path), not an empty value."""
    from sealfile.files.terminal import read_line

    unanswered = f"{about}: no value typed; no file was changed"
    try:
        while True:  # an empty line asks again, as click does
            answer = read_line(f"{question}: ", echo=False)
            if answer is None:
                return _click_hidden_answer(question, unanswered=unanswered)
            if answer:
                return answer
    except EOFError:
        raise SealfileError(unanswered) from None
    except SealfileError as err:
        raise SealfileError(f"{about}: {err.message}; no file was changed") from None


def _click_hidden_answer(question: str, *, unanswered: str) -> str:
    """Where there is no controlling terminal to read from (or no ``termios``)."""
    import click

    try:
        answer: str = click.prompt(question, hide_input=True, err=True)
    except click.Abort as abort:
        if isinstance(abort.__context__, EOFError):
            raise SealfileError(unanswered) from None
        raise interruption(abort) from None
    return answer


def interruption(abort: BaseException) -> BaseException:
    """Ctrl-C at a question, as the command's boundary reports it (which files were written): click's bare
    'Aborted!' and exit 1 would not say."""
    return KeyboardInterrupt() if isinstance(abort.__context__, KeyboardInterrupt) else abort


class HeldConsole(Console):
    """A worker thread's console: its lines wait for the main thread to show them in the files' order."""

    def __init__(self) -> None:
        super().__init__(progress=False)
        self.lines: list[tuple[str, bool]] = []
        self.code: ExitCode | None = None
        self.failure: Exception | None = None

    def echo(self, text: str = "", *, err: bool = False) -> None:
        self.lines.append((text, err))

    def confirm(self, question: str) -> bool:
        raise RuntimeError("work that asks questions cannot run several files at once")

    def replay(self, console: Console) -> ExitCode | None:
        """Show the held lines, then report the file's result (re-raising its failure)."""
        for text, err in self.lines:
            console.echo(text, err=err)
        for text in self.deferred:
            console.warn_at_end(text)
        if self.failure is not None:
            raise self.failure
        return self.code
