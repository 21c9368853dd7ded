"""When a Textual app first puts a text on screen: the frame watcher of ``bench/tui.py``.

Every frame a Textual app draws goes through ``App._display(screen, renderable)`` (Textual 8.2),
as a ``CompositorUpdate`` whose ``render_segments(console)`` is what a terminal receives. In
headless mode ``_display`` returns before rendering, so :class:`FirstFrame` renders the frame
itself and records the moment of the first frame whose text holds the needle.

Imported by the benchmark's child processes before anything else of theirs: it must stay cheap
(no textual, no launch_tui at import time).
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

#: Terminal control sequences: CSI (colours, cursor moves) and OSC (titles, hyperlinks).
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")


def plain(raw: str) -> str:
    """``raw`` terminal output without its control sequences."""
    return _CONTROL.sub("", raw)


class FirstFrame:
    """Records when ``app`` first outputs a frame whose text contains ``needle(screen)``.

    ``needle`` is asked after every complete frame, with the screen the frame is of; ``None``
    or ``""`` means "not yet" (the frame does not count). The time is taken once the frame is
    rendered to text, which is the work a terminal driver does before writing it. Frames drawn
    inside a batch are skipped, as Textual skips them.
    """

    def __init__(
        self,
        app: App[Any],
        needle: Callable[[Any], str | None],
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.at: float | None = None
        """``clock()`` at the first frame with the needle; ``None`` until then."""
        self.needle = ""
        """The needle that frame contained."""
        self.seen = asyncio.Event()
        """Set at that frame."""
        original = app._display

        def display(screen: object, renderable: object) -> None:
            original(screen, renderable)  # type: ignore[arg-type]
            if self.at is not None or renderable is None or app._batch_count:
                return
            render = getattr(renderable, "render_segments", None)
            if render is None:
                return
            wanted = needle(screen)
            if not wanted:
                return
            raw: str = render(app.console)
            at = clock()
            if wanted in plain(raw):
                self.at = at
                self.needle = wanted
                self.seen.set()

        app._display = display  # type: ignore[method-assign]

    async def wait(self) -> float:
        """The time of the frame, once it is drawn."""
        await self.seen.wait()
        assert self.at is not None
        return self.at


def first_check_id(screen: Any) -> str | None:
    """The check cell of the first row of ``screen``'s check table, as shown.

    ``None`` while the screen is not a stage screen or its table has no rows. The classes are
    looked up in ``sys.modules`` rather than imported: until the app has imported them, no such
    screen can exist, and importing them here would move their cost before the first frame.
    """
    stage = sys.modules.get("launch_tui.tui.screens.stage")
    tables = sys.modules.get("launch_tui.tui.widgets.check_table")
    if stage is None or tables is None:
        return None
    if not isinstance(screen, stage.StageScreen) or not screen.is_mounted:
        return None
    for table in screen.query(tables.CheckTable):
        if table.row_count:
            # Columns: status glyph, check id, target, ... (see CheckTable); cells are rich Text.
            text: str = table.get_row_at(0)[1].plain
            return text
        return None
    return None
