"""PDF through a headless Chromium's print-to-PDF (optional: only ``--format pdf`` needs it).

The HTML report is self-contained and carries a print stylesheet, so printing it is all a PDF
needs. The page is copied into a private temporary folder with a throwaway browser profile, the
browser runs with background networking, sync, component updates and QUIC off (the page itself
requests nothing: its content security policy forbids it), and the PDF is then written to its
destination atomically. The temporary folder is removed whatever happens.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from launch_tui.core.errors import ReportError
from launch_tui.report.cleaning import clean
from launch_tui.report.render import write_report

__all__ = ["BROWSER_ENV", "CANDIDATES", "find_browser", "print_pdf"]

#: Set to a Chromium or Chrome executable to use it instead of searching.
BROWSER_ENV = "LAUNCH_TUI_CHROMIUM"
#: Where and under which names a Chromium-based browser is looked for, in order.
CANDIDATES: tuple[str, ...] = (
    "/usr/bin/chromium",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
)
_NO_BROWSER_TITLE = "No browser for PDF"


def find_browser(
    environ: Mapping[str, str] | None = None, candidates: tuple[str, ...] = CANDIDATES
) -> Path | None:
    """The browser to print with: ``$LAUNCH_TUI_CHROMIUM``, else the first of ``candidates``.

    Names are looked up on ``environ["PATH"]``; absolute paths are taken as they are.
    Raises :class:`ReportError` when ``$LAUNCH_TUI_CHROMIUM`` names something that is not an
    executable file; returns ``None`` when nothing is found.
    """
    env = os.environ if environ is None else environ
    explicit = env.get(BROWSER_ENV, "").strip()
    if explicit:
        path = Path(explicit)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise ReportError(
            f"${BROWSER_ENV} is {clean(explicit, max_len=200)!r}, which is not an executable file",
            title=_NO_BROWSER_TITLE,
        )
    search = env.get("PATH", os.defpath)
    for name in candidates:
        if "/" in name:
            if Path(name).is_file() and os.access(name, os.X_OK):
                return Path(name)
            continue
        found = shutil.which(name, path=search)
        if found:
            return Path(found)
    return None


def print_pdf(
    html: str,
    out: Path,
    *,
    browser: Path | None,
    timeout: float = 60.0,
    workdir: Path | None = None,
) -> None:
    """Print ``html`` to a PDF at ``out`` with ``browser`` (from :func:`find_browser`).

    ``workdir`` is where the private temporary folder is made (default: the system's).
    Raises :class:`ReportError` naming what is missing when there is no browser, and saying
    what went wrong when printing fails or takes longer than ``timeout`` seconds.
    """
    if browser is None:
        names = ", ".join(CANDIDATES)
        raise ReportError(
            f"--format pdf needs a Chromium-based browser and none was found (looked for {names}); "
            f"install one (Debian: apt install chromium) or point ${BROWSER_ENV} at it, or render "
            "--format html and print that from any browser",
            title=_NO_BROWSER_TITLE,
        )
    with tempfile.TemporaryDirectory(prefix="launch-tui-pdf-", dir=workdir) as folder:
        tmp = Path(folder)
        page = tmp / "report.html"
        page.write_text(html, encoding="utf-8")
        pdf = tmp / "report.pdf"
        command = [
            str(browser),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            f"--user-data-dir={tmp / 'profile'}",
            f"--print-to-pdf={pdf}",
            "--no-pdf-header-footer",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
                command,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ReportError(
                f"{browser} did not finish printing the PDF within {timeout:g} s",
                title="PDF printing failed",
            ) from None
        except OSError as exc:
            raise ReportError(
                f"could not run {browser}: {exc.strerror or exc}", title="PDF printing failed"
            ) from None
        data = pdf.read_bytes() if pdf.is_file() else b""
        if done.returncode != 0 or not data.startswith(b"%PDF-"):
            raise ReportError(
                f"{browser} exited with code {done.returncode} without printing a PDF"
                + _last_line(done.stderr),
                title="PDF printing failed",
            )
    write_report(out, data)


def _last_line(stderr: bytes) -> str:
    lines = [
        line
        for line in stderr.decode("utf-8", "replace").splitlines()
        if line.strip() and "dbus" not in line.lower()
    ]
    return f": {clean(lines[-1], max_len=200)}" if lines else ""
