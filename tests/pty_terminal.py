"""A small terminal for tests and benchmarks: run a command in a real pty and read its screen.

:class:`Screen` interprets what a full-screen app such as Textual writes (cursor moves, erases,
SGR colours and attributes) into a grid of cells, each with its character, foreground,
background and attributes, so a test can ask what a person would see: the text of a line, or
whether a visible character is drawn in the colour of its own background. :class:`PtyApp` runs a
command in a pseudo-terminal, keeps it drained, sends keys and waits for text on the screen.

It knows the sequences Textual 8 emits, not every VT100 corner; anything else is skipped.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

#: One escape sequence: CSI (with private markers), OSC, or a two-character ESC sequence.
_ESCAPE = re.compile(
    r"\x1b\[(?P<params>[0-?]*)(?P<inter>[ -/]*)(?P<final>[@-~])"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[()][0-9A-Za-z]"
    r"|\x1b[=>78cDEHM]"
)

DEFAULT = "default"
"""The colour of a cell drawn without an explicit colour (the terminal's own)."""

_BASIC = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]


@dataclass
class Pen:
    """The SGR state: what the next printed character is drawn with."""

    fg: str = DEFAULT
    bg: str = DEFAULT
    bold: bool = False
    dim: bool = False
    italic: bool = False
    underline: bool = False
    reverse: bool = False

    def copy(self) -> Pen:
        return Pen(**self.__dict__)


@dataclass
class Cell:
    """One character cell of the screen."""

    char: str = " "
    pen: Pen = field(default_factory=Pen)

    @property
    def _fg(self) -> str:
        return "default foreground" if self.pen.fg == DEFAULT else self.pen.fg

    @property
    def _bg(self) -> str:
        return "default background" if self.pen.bg == DEFAULT else self.pen.bg

    @property
    def shown_fg(self) -> str:
        """The colour the glyph is drawn in, after reverse video (the terminal's default
        foreground and background are told apart)."""
        return self._bg if self.pen.reverse else self._fg

    @property
    def shown_bg(self) -> str:
        """The colour behind the glyph, after reverse video."""
        return self._fg if self.pen.reverse else self._bg


def _colour(params: list[int], index: int, base: int) -> tuple[str, int]:
    """The colour of an extended SGR (38/48) at ``index``; returns it and the next index."""
    mode = params[index + 1] if index + 1 < len(params) else None
    if mode == 5 and index + 2 < len(params):
        return f"ansi{params[index + 2]}", index + 3
    if mode == 2 and index + 4 < len(params):
        r, g, b = params[index + 2 : index + 5]
        return f"#{r:02x}{g:02x}{b:02x}", index + 5
    return DEFAULT, len(params)


def apply_sgr(pen: Pen, raw: str) -> None:
    """Change ``pen`` by the SGR parameters ``raw`` (``"1;38;2;0;0;0"``)."""
    params = [int(p) if p.isdigit() else 0 for p in raw.split(";")] if raw else [0]
    i = 0
    while i < len(params):
        code = params[i]
        if code == 0:
            pen.__init__()  # type: ignore[misc]
        elif code == 1:
            pen.bold = True
        elif code == 2:
            pen.dim = True
        elif code == 3:
            pen.italic = True
        elif code in (4, 21):
            pen.underline = True
        elif code == 7:
            pen.reverse = True
        elif code == 22:
            pen.bold = pen.dim = False
        elif code == 23:
            pen.italic = False
        elif code == 24:
            pen.underline = False
        elif code == 27:
            pen.reverse = False
        elif 30 <= code <= 37:
            pen.fg = _BASIC[code - 30]
        elif 90 <= code <= 97:
            pen.fg = "bright_" + _BASIC[code - 90]
        elif 40 <= code <= 47:
            pen.bg = _BASIC[code - 40]
        elif 100 <= code <= 107:
            pen.bg = "bright_" + _BASIC[code - 100]
        elif code == 39:
            pen.fg = DEFAULT
        elif code == 49:
            pen.bg = DEFAULT
        elif code in (38, 48):
            colour, i = _colour(params, i, code)
            if code == 38:
                pen.fg = colour
            else:
                pen.bg = colour
            continue
        i += 1


def _width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


class Screen:
    """A grid of :class:`Cell` fed with terminal output."""

    def __init__(self, columns: int, rows: int) -> None:
        self.columns = columns
        self.rows = rows
        self.cells = [[Cell() for _ in range(columns)] for _ in range(rows)]
        self.x = 0
        self.y = 0
        self.pen = Pen()
        self._pending = ""

    def feed(self, data: str) -> None:
        """Interpret ``data``; an escape sequence cut at the end waits for the next feed."""
        data = self._pending + data
        self._pending = ""
        pos = 0
        while pos < len(data):
            char = data[pos]
            if char == "\x1b":
                match = _ESCAPE.match(data, pos)
                if match is None:
                    if len(data) - pos < 64:
                        self._pending = data[pos:]
                        return
                    pos += 1
                    continue
                if match.group("final") is not None:
                    self._csi(match.group("params"), match.group("final"))
                pos = match.end()
                continue
            pos += 1
            if char == "\r":
                self.x = 0
            elif char == "\n":
                self.y = min(self.y + 1, self.rows - 1)
            elif char == "\b":
                self.x = max(self.x - 1, 0)
            elif char >= " " and char != "\x7f":
                self._put(char)

    def _put(self, char: str) -> None:
        width = _width(char)
        if width == 0:
            return
        if self.x >= self.columns:
            return
        self.cells[self.y][self.x] = Cell(char, self.pen.copy())
        if width == 2 and self.x + 1 < self.columns:
            self.cells[self.y][self.x + 1] = Cell("", self.pen.copy())
        self.x += width

    def _csi(self, params: str, final: str) -> None:
        if params.startswith("?") or params.startswith(">") or params.startswith("<"):
            return  # private modes (alternate screen, mouse, synchronized output)
        numbers = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []

        def arg(index: int, default: int) -> int:
            return numbers[index] if len(numbers) > index and numbers[index] else default

        if final == "m":
            apply_sgr(self.pen, params)
        elif final in "Hf":
            self.y = min(max(arg(0, 1) - 1, 0), self.rows - 1)
            self.x = min(max(arg(1, 1) - 1, 0), self.columns - 1)
        elif final == "A":
            self.y = max(self.y - arg(0, 1), 0)
        elif final == "B":
            self.y = min(self.y + arg(0, 1), self.rows - 1)
        elif final == "C":
            self.x = min(self.x + arg(0, 1), self.columns - 1)
        elif final == "D":
            self.x = max(self.x - arg(0, 1), 0)
        elif final == "G":
            self.x = min(max(arg(0, 1) - 1, 0), self.columns - 1)
        elif final == "K":
            mode = arg(0, 0) if numbers else 0
            row = self.cells[self.y]
            span = {0: range(self.x, self.columns), 1: range(0, self.x + 1)}.get(
                mode, range(self.columns)
            )
            for x in span:
                row[x] = Cell(" ", self.pen.copy())
        elif final == "J":
            mode = arg(0, 0) if numbers else 0
            if mode == 2 or mode == 3:
                self.cells = [
                    [Cell(" ", self.pen.copy()) for _ in range(self.columns)]
                    for _ in range(self.rows)
                ]

    def line(self, y: int) -> str:
        """The text of row ``y``."""
        return "".join(cell.char for cell in self.cells[y])

    def text(self) -> str:
        """The whole screen as text, one line per row."""
        return "\n".join(self.line(y) for y in range(self.rows))

    def invisible_cells(self) -> list[tuple[int, int, str, Cell]]:
        """Visible characters drawn in the colour of their own background: ``(x, y, char, cell)``.

        A character is visible when it is not blank; the terminal's default foreground and
        default background are different colours by definition.
        """
        found = []
        for y, row in enumerate(self.cells):
            for x, cell in enumerate(row):
                if cell.char.strip() and cell.shown_fg == cell.shown_bg:
                    found.append((x, y, cell.char, cell))
        return found


class PtyApp:
    """A command running in a pseudo-terminal of a fixed size, with its screen."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        columns: int = 100,
        rows: int = 30,
        cwd: str | None = None,
    ) -> None:
        self.screen = Screen(columns, rows)
        self.raw = bytearray()
        pid, fd = pty.fork()
        if pid == 0:  # pragma: no cover - the child
            if cwd is not None:
                os.chdir(cwd)
            os.execve(argv[0], list(argv), dict(env))
        self.pid = pid
        self.fd = fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self._decoder_tail = b""
        self.status: int | None = None

    def pump(self, timeout: float = 0.05) -> bool:
        """Read what the app wrote within ``timeout``; ``False`` once it has closed the pty."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        self.raw += chunk
        data = self._decoder_tail + chunk
        try:
            text = data.decode("utf-8")
            self._decoder_tail = b""
        except UnicodeDecodeError as error:
            text = data[: error.start].decode("utf-8")
            self._decoder_tail = data[error.start :]
        self.screen.feed(text)
        return True

    def wait_for(self, predicate: Callable[[Screen], bool], timeout: float = 60.0) -> bool:
        """Keep reading until ``predicate(screen)`` holds (``True``) or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.screen):
                return True
            if not self.pump(0.05):
                return predicate(self.screen)
        return predicate(self.screen)

    def wait_text(self, needle: str, timeout: float = 60.0) -> bool:
        """Wait until ``needle`` is on the screen."""
        return self.wait_for(lambda screen: needle in screen.text(), timeout)

    def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Read until the app has written nothing for ``quiet`` seconds (or ``timeout``)."""
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while time.monotonic() < deadline:
            before = len(self.raw)
            if not self.pump(0.05):
                return
            if len(self.raw) != before:
                last = time.monotonic()
            elif time.monotonic() - last >= quiet:
                return

    def send(self, keys: str) -> None:
        """Type ``keys`` (raw bytes as text: ``"\\x1b[B"`` is the down arrow)."""
        os.write(self.fd, keys.encode())

    def wait_exit(self, timeout: float = 30.0) -> int | None:
        """Drain until the process exits; its exit status, or ``None`` if it did not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.05)
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
        return None

    def close(self) -> None:
        """Stop the process if it still runs, and close the pty."""
        if self.status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            if self.wait_exit(20) is None:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        os.close(self.fd)
