"""The demo's report as a founder gets it on paper: page one is the summary, the whole report
prints to at most 15 A4 pages, and nothing runs past the page's right edge.

The demo world runs, ``launch-tui check`` fills its session, the HTML report is printed to PDF
with the production path (``report/pdf.py``) and the PDF's pages are counted and read with
poppler's ``pdfinfo``/``pdftotext``. A real Chromium, laid out for print at the A4 content width,
says whether any element reaches past the right margin or any table cell's text is wider than
its cell. Skipped, with the reason, without ``/usr/bin/chromium`` or poppler-utils.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from check_reports import write
from test_report_browser import CHROMIUM, DEADLINE, Chromium

from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.cli.context import CliEnv
from launch_tui.cli.main import main
from launch_tui.core.playbook import builtin_playbook
from launch_tui.report.pdf import print_pdf
from launch_tui.report.render import render_document
from launch_tui.sandbox import RunningWorld, SandboxThread
from launch_tui.store import load_session

pytestmark = pytest.mark.slow

PAGE_LIMIT = 15
#: A4 less the print stylesheet's left and right margins (12 mm each), in CSS pixels.
CONTENT_WIDTH_PX = round((210 - 24) / 25.4 * 96)
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

for tool in ("pdfinfo", "pdftotext"):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} (Debian package poppler-utils) is needed", allow_module_level=True)


@pytest.fixture(scope="module")
def demo() -> Iterator[RunningWorld]:
    with SandboxThread("demo") as running:
        yield running


@pytest.fixture(scope="module")
def demo_html(demo: RunningWorld, tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("demo-report")
    path = write(folder / "demo.toml", sandbox_session(demo))
    env = CliEnv(environ={}, cwd=folder, stdout=io.StringIO(), stderr=io.StringIO())
    assert main(["check", str(path)], env) in (0, 1), env.stderr.getvalue()  # type: ignore[attr-defined]
    return render_document(load_session(path), builtin_playbook(), fmt="html", now=NOW)


def _pdf(html: str, folder: Path) -> Path:
    out = folder / "demo.pdf"
    work = folder / "work"
    work.mkdir()
    print_pdf(html, out, browser=CHROMIUM, timeout=DEADLINE, workdir=work)
    return out


def _text(pdf: Path, first: int, last: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(first), "-l", str(last), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_the_demo_report_prints_to_at_most_15_pages_with_the_summary_first(
    demo_html: str, tmp_path: Path
) -> None:
    pdf = _pdf(demo_html, tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert pages <= PAGE_LIMIT, f"{pages} pages"
    first = _text(pdf, 1, 1)
    for heading in ("Not launch ready", "Must fix before launch", "Live today"):
        assert heading in first, heading
    assert "Still needs engineering" in _text(pdf, 1, 2)
    everything = _text(pdf, 1, pages)
    for heading in ("Glossary", "Sign-off", "Appendix: check results and evidence"):
        assert heading in everything, heading
    # The appendix on paper: one line per check, the raw evidence only of findings.
    assert "Evidence of the findings" in everything


_OVERFLOW = """(() => {
  const limit = document.documentElement.clientWidth + 0.5;
  const out = [];
  for (const el of document.querySelectorAll("main *")) {
    const box = el.getBoundingClientRect();
    if (!box.width || getComputedStyle(el).display === "none") continue;
    if (box.right > limit) out.push(`${el.tagName}.${el.className}: right ${box.right} > ${limit}`);
  }
  for (const cell of document.querySelectorAll("td, th")) {
    if (cell.offsetParent && cell.scrollWidth > cell.clientWidth + 1)
      out.push(`${cell.tagName} text wider than its cell: ${cell.textContent.slice(0, 60)}`);
  }
  return out.slice(0, 20);
})()"""


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    chrome = Chromium(tmp_path / "profile")
    try:
        chrome.open_page()
        yield chrome
    finally:
        chrome.close()


def test_no_table_runs_past_the_printed_page(demo_html: str, tmp_path: Path, browser: Any) -> None:
    page = tmp_path / "report.html"
    page.write_text(demo_html, encoding="utf-8")
    browser.emulate("print")
    browser.load(page.as_uri(), CONTENT_WIDTH_PX, 1100)
    assert browser.evaluate(_OVERFLOW) == []
