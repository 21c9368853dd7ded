"""The handover stage's deliverable: the handover document as the client will read it.

:class:`HandoverPreview` shows the Markdown that ``launch-tui report`` writes, through Textual's
``Markdown`` widget. The report already escapes untrusted data for Markdown, and that widget never
reads console markup, so the text is shown as rendered. Links are not followed: the addresses come
from a session file anyone may have edited, so a click only shows the address.

:func:`render_handover_preview` and :func:`write_handover` are blocking (templates, disk): call
them from thread workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownTableContent

from launch_tui.core.model import Session
from launch_tui.core.playbook import Playbook
from launch_tui.core.sanitize import clean
from launch_tui.tui.messages import PartReady
from launch_tui.tui.widgets.plain import Plain

#: The spinner shown while the preview is rendered, and how fast it turns.
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
SPINNER_SECONDS = 0.1

#: The report sections the preview shows (the files hold the whole report).
PREVIEW_SECTIONS = ("handover",)


@dataclass(frozen=True)
class HandoverFiles:
    """Where the handover documents of a session are written."""

    markdown: Path
    """``<session-stem>-handover.md`` beside the session file."""
    html: Path
    """``<session-stem>-handover.html`` beside the session file."""


def handover_files(session_path: Path, folder: Path | None = None) -> HandoverFiles:
    """The report files that belong to the session file at ``session_path``: beside it, or in
    ``folder`` when given (the demo's session lives in a folder deleted on quit)."""
    base = (folder or session_path.parent) / f"{session_path.stem}-handover"
    return HandoverFiles(markdown=base.with_suffix(".md"), html=base.with_suffix(".html"))


def render_handover_preview(session: Session, playbook: Playbook, now: datetime) -> str:
    """The handover section of the report, as Markdown (blocking: reads templates)."""
    # Jinja and the templates load with the first render, not with the screen.
    from launch_tui.report.render import render_document

    return render_document(session, playbook, fmt="md", only=PREVIEW_SECTIONS, now=now)


def write_handover(
    session: Session,
    playbook: Playbook,
    session_path: Path,
    now: datetime,
    folder: Path | None = None,
) -> HandoverFiles:
    """Render the whole report as Markdown and HTML and write both beside the session file
    (or in ``folder``).

    Both are rendered before either is written, so a broken template leaves the old files as
    they were; each write is atomic. Raises ``ReportError`` (and, in theory, ``OSError``).
    """
    from launch_tui.report.render import render_document, write_report

    files = handover_files(session_path, folder)
    markdown = render_document(session, playbook, fmt="md", now=now)
    html = render_document(session, playbook, fmt="html", now=now)
    write_report(files.markdown, markdown.encode("utf-8"))
    write_report(files.html, html.encode("utf-8"))
    return files


#: A table column whose longest value is at most this many cells is sized to its content.
SHORT_COLUMN = 12


def column_widths(rows: Sequence[Sequence[Content]], *, short: int) -> str:
    """``grid-columns`` for a table of ``rows`` (the header first): ``auto`` for a column of
    values no longer than ``short`` cells, else a share (``fr``) as large as its longest value."""
    count = max((len(row) for row in rows), default=0)
    longest = [
        max((row[i].cell_length for row in rows if i < len(row)), default=0) for i in range(count)
    ]
    return " ".join("auto" if n <= short else f"{n}fr" for n in longest) or "auto"


class HandoverPreview(VerticalScroll):
    """The handover document rendered from Markdown; updated by :meth:`show_markdown`."""

    DEFAULT_CSS = """
    HandoverPreview > #handover-status, HandoverPreview > #handover-hint {
        height: auto;
    }
    HandoverPreview > Markdown {
        height: auto;
    }
    """

    def __init__(self, *, hint: str = "", id: str | None = None) -> None:
        """``hint`` is a line above the document (which key writes the files)."""
        super().__init__(id=id)
        self._hint = hint
        self.markdown_text = ""
        """The Markdown shown now (empty until the first render)."""
        self._frame = 0
        self._working = "Rendering the handover…"
        self._failed = False

    def compose(self) -> ComposeResult:
        yield Plain(Text(self._hint, style="dim"), id="handover-hint")
        yield Plain(self._working_line(), id="handover-status")
        yield Markdown(open_links=False, id="handover-markdown")

    def on_mount(self) -> None:
        self._spinner = self.set_interval(SPINNER_SECONDS, self._spin)
        self.post_message(PartReady())

    def _working_line(self) -> Text:
        frame = SPINNER[self._frame % len(SPINNER)]
        return Text(f"{frame} {self._working}", style="italic")

    def _spin(self) -> None:
        """Turn the spinner while the document is rendered and laid out (seconds, the first
        time), so the pane never sits blank."""
        status = self.query_one("#handover-status", Plain)
        if not status.display or self._failed:
            return
        self._frame += 1
        status.show(self._working_line())

    @property
    def working(self) -> bool:
        """Whether the spinner shows (the document is not on screen yet)."""
        return bool(self.query_one("#handover-status", Plain).display) and not self._failed

    async def show_markdown(self, text: str) -> None:
        """Show ``text`` (report Markdown); nothing is redrawn when it has not changed."""
        status = self.query_one("#handover-status", Plain)
        self._failed = False
        if text == self.markdown_text:
            status.display = False
            return
        self.markdown_text = text
        # Laying out a long Markdown document is the slow part: the spinner turns until it is.
        self._working = "Laying out the handover…"
        await self.query_one("#handover-markdown", Markdown).update(text)
        self._balance_tables()
        status.display = False

    def _balance_tables(self) -> None:
        """Give each table's wide columns the room their text needs.

        Textual sizes a Markdown table's columns to their content and then shrinks them, which
        at 120 columns left the minimum bar's titles in a column a dozen cells wide (seven lines
        a row) beside a half-empty "Why". Here a column of short values (a number, a state)
        keeps its width and the others share the rest in proportion to their longest value.
        """
        for table in self.query(MarkdownTableContent):
            table.styles.grid_columns = column_widths(
                [table.headers, *table.rows], short=SHORT_COLUMN
            )

    def show_error(self, title: str, message: str) -> None:
        """Say why the preview could not be rendered (the last good one stays below)."""
        line = Text(f"{clean(title, max_len=80)}: ", style="bold")
        line.append(clean(message, max_len=500))
        status = self.query_one("#handover-status", Plain)
        self._failed = True
        status.show(line)
        status.display = True

    @on(Markdown.LinkClicked)
    def _link_clicked(self, event: Markdown.LinkClicked) -> None:
        # Never opened, never run as an action: the address is data from the session file.
        event.stop()
        self.notify(clean(event.href, max_len=300), title="Link (not opened)", markup=False)
