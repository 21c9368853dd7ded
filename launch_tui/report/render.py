"""Render the handover and the stage deliverables to Markdown or HTML, and write them safely.

:func:`render_document` is pure apart from reading template files: it uses the session, the
playbook and ``now``, nothing else (no network, no environment, no repository files), so a secret
that lives anywhere but the session cannot reach a report, and the session never holds one.

A template that fails to parse or render is a :class:`ReportError` naming the template file and
line, whether it is one of ours or one from ``--templates``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from types import TracebackType

from jinja2 import TemplateNotFound, TemplateSyntaxError

from launch_tui.core.errors import ReportError, SessionSaveError
from launch_tui.core.model import Session
from launch_tui.core.playbook import Playbook
from launch_tui.report.cleaning import clean
from launch_tui.report.context import build_context
from launch_tui.report.environment import Format, make_environment
from launch_tui.report.sections import resolve_sections
from launch_tui.store.atomic import write_atomic

__all__ = ["FORMATS", "render_document", "write_report"]

FORMATS: tuple[Format, ...] = ("md", "html")
_BLANK_RUNS = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def render_document(
    session: Session,
    playbook: Playbook,
    *,
    fmt: Format,
    only: Iterable[str] = (),
    templates_dir: Path | None = None,
    now: datetime,
) -> str:
    """The report for ``session`` as Markdown (``fmt="md"``) or one self-contained HTML file.

    ``only`` selects sections by id, stage number or stage id (see
    :func:`~launch_tui.report.sections.resolve_sections`); empty means all. ``templates_dir``
    overrides shipped templates by name. ``now`` stamps the document and dates renewals.
    """
    if fmt not in FORMATS:
        raise ReportError(f"cannot render {fmt!r} here; formats are md and html")
    sections = resolve_sections(only, playbook)
    context = build_context(session, playbook, now, sections)
    env = make_environment(fmt, templates_dir)
    name = f"report.{fmt}.j2"
    try:
        template = env.get_template(name)
        text = template.render(r=context, sections=sections)
    except TemplateSyntaxError as exc:
        where = exc.filename or exc.name or name
        raise ReportError(
            f"{where}:{exc.lineno}: {clean(exc.message or 'syntax error', max_len=300)}",
            title="Broken report template",
        ) from None
    except TemplateNotFound as exc:
        raise ReportError(
            f"template {clean(str(exc.name), max_len=200)} not found (looked in the --templates "
            "folder, then the shipped templates)",
            title="Broken report template",
        ) from None
    except ReportError:
        raise
    except Exception as exc:  # a template (possibly the user's) failed while rendering
        where = _template_position(exc.__traceback__) or name
        reason = clean(f"{type(exc).__name__}: {exc}", max_len=300)
        raise ReportError(f"{where}: {reason}", title="Broken report template") from None
    if fmt == "md":
        text = _TRAILING_SPACE.sub("\n", text)
        text = _BLANK_RUNS.sub("\n\n", text).strip("\n") + "\n"
    return text


def _template_position(tb: TracebackType | None) -> str:
    """``file:line`` of the innermost template frame (Jinja rewrites tracebacks to show them)."""
    found = ""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found


def write_report(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file, fsync, rename): all or nothing."""
    if not path.parent.is_dir():
        raise ReportError(
            f"{path}: the folder {path.parent} does not exist", title="Could not write report"
        )
    try:
        write_atomic(path, data)
    except SessionSaveError as exc:
        raise ReportError(exc.message, title="Could not write report") from None
