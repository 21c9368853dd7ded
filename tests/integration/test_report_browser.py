"""The HTML report in a real headless Chromium: loads cleanly, fetches nothing, prints well.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: JSON
messages separated by NUL bytes on file descriptors 3 and 4), so the test sees every network
request, console message and log entry the page causes, and can take screenshots at desktop and
print sizes. Screenshots are written to ``$REPORT_SCREENSHOTS`` when set (to look at them), else
to the test's temporary folder. The PDF comes from the production path (``report/pdf.py``).

Skipped, with the reason, when ``/usr/bin/chromium`` is absent; the PDF text check also needs
``pdftotext`` (poppler-utils).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import select
import shutil
import subprocess
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from launch_tui.cli.context import CliEnv
from launch_tui.cli.main import main
from launch_tui.core.model import CheckResult, Severity, StageState, Status
from launch_tui.core.playbook import builtin_playbook
from launch_tui.report.pdf import print_pdf
from launch_tui.report.render import render_document
from launch_tui.store import load_session

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
BASH = shutil.which("bash") or "/bin/bash"
DATA = Path(__file__).resolve().parent.parent / "data" / "report"
NOW = datetime(2026, 5, 6, 10, 0, tzinfo=UTC)
DEADLINE = 60.0

if not CHROMIUM.exists():
    pytest.skip(
        "needs Chromium at /usr/bin/chromium (Debian package chromium) for browser checks",
        allow_module_level=True,
    )


class CdpError(RuntimeError):
    pass


class Chromium:
    """A headless Chromium with a DevTools connection over a pipe, and one page attached."""

    def __init__(self, profile: Path) -> None:
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        # The protocol's pipes must be fds 3 and 4 in the browser: bash moves them there, then
        # execs it (no preexec_fn, which is unsafe once a process has threads).
        wire = (
            f'exec 3<&{to_child_r} 4>&{from_child_w} {to_child_r}<&- {from_child_w}>&-; exec "$@"'
        )
        self.proc = subprocess.Popen(
            [
                BASH,
                "-c",
                wire,
                "chromium",
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(to_child_r, from_child_w),
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session = ""

    # -- protocol --------------------------------------------------------------------------

    def send(self, method: str, params: dict[str, Any] | None = None, *, page: bool = True) -> Any:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if page and self.session:
            message["sessionId"] = self.session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read(time.monotonic() + DEADLINE)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CdpError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        for index, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(index)
        deadline = time.monotonic() + DEADLINE
        while True:
            event = self._read(deadline)
            if event.get("method") == method:
                return event
            self.events.append(event)

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 16)
                if not chunk:
                    raise CdpError("Chromium closed the DevTools pipe")
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    # -- page helpers ----------------------------------------------------------------------

    def open_page(self) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, page=False)
        attached = self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, page=False
        )
        self.session = attached["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    def load(self, url: str, width: int, height: int) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def emulate(self, media: str = "", dark: bool = False) -> None:
        scheme = "dark" if dark else "light"
        self.send(
            "Emulation.setEmulatedMedia",
            {"media": media, "features": [{"name": "prefers-color-scheme", "value": scheme}]},
        )

    def screenshot(self, path: Path, *, full: bool = False) -> None:
        params: dict[str, Any] = {"format": "png"}
        if full:
            metrics = self.send("Page.getLayoutMetrics")
            size = metrics["cssContentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {
                "x": 0,
                "y": 0,
                "width": size["width"],
                "height": min(size["height"], 16000),
                "scale": 1,
            }
        data = self.send("Page.captureScreenshot", params)["data"]
        path.write_bytes(base64.b64decode(data))

    def evaluate(self, expression: str) -> Any:
        reply = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return reply["result"].get("value")

    def close(self) -> None:
        with contextlib.suppress(CdpError, OSError):
            self.send("Browser.close", page=False)
        try:
            self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_child)
        os.close(self._from_child)

    # -- what the page did -----------------------------------------------------------------

    def drain(self) -> None:
        """Read whatever events are already waiting, without blocking."""
        while True:
            ready, _, _ = select.select([self._from_child], [], [], 0)
            if not ready and b"\0" not in self._buffer:
                return
            self.events.append(self._read(time.monotonic() + DEADLINE))

    def requests(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def problems(self) -> list[str]:
        found = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(f"exception: {params}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in (
                "error",
                "warning",
            ):
                found.append(f"console {params.get('type')}: {params.get('args')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log: {params['entry'].get('text')}")
        return found


@pytest.fixture
def browser(tmp_path: Path) -> Any:
    chromium = Chromium(tmp_path / "profile")
    try:
        chromium.open_page()
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    wanted = os.environ.get("REPORT_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path / "shots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _render(tmp_path: Path, session: Any, name: str) -> Path:
    html = render_document(session, builtin_playbook(), fmt="html", now=NOW)
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path


def _hostile(session: Any) -> Any:
    bad = "<script>alert(1)</script>\x1b]0;pwned\x07[@click=app.quit] | pipe | `tick` \u202e"
    result = CheckResult(
        check_id="monitor.live",
        target="",
        status=Status.PASS,
        severity=Severity.HIGH,
        summary=bad,
        evidence={
            "note": bad + "\n<img src=x onerror=alert(1)>",
            "links": ["javascript:alert(1)", "data:text/html,<b>x</b>", "https://ok.example/a b"],
        },
    )
    return replace(
        session,
        sprint=replace(session.sprint, client=bad, product='"><iframe src=https://evil.example>'),
        results=(*session.results, result),
        stages={**session.stages, "audit": StageState(notes=bad + "\n</style><style>*{}")},
    )


def test_golden_session_loads_without_errors_or_requests(
    browser: Chromium, tmp_path: Path, shots: Path
) -> None:
    page = _render(tmp_path, load_session(DATA / "session.toml"), "report.html")
    url = page.as_uri()
    browser.emulate()
    browser.load(url, 1280, 900)
    browser.screenshot(shots / "desktop-1280x900.png")
    browser.screenshot(shots / "desktop-full.png", full=True)
    browser.emulate(dark=True)
    browser.screenshot(shots / "desktop-dark-1280x900.png")
    browser.emulate(media="print")
    browser.load(url, 794, 1123)  # A4 at 96 dpi
    browser.screenshot(shots / "print-a4.png")
    browser.drain()

    assert set(browser.requests()) == {url}, "the report fetched something besides itself"
    assert browser.problems() == []
    headings = browser.evaluate("[...document.querySelectorAll('h2')].map(h => h.textContent)")
    assert "Handover checklist" in headings
    assert "Domain map" in headings
    for name in ("desktop-1280x900.png", "desktop-dark-1280x900.png", "print-a4.png"):
        assert (shots / name).read_bytes().startswith(b"\x89PNG")


def test_hostile_session_loads_without_errors_or_requests(
    browser: Chromium, tmp_path: Path
) -> None:
    page = _render(tmp_path, _hostile(load_session(DATA / "session.toml")), "hostile.html")
    url = page.as_uri()
    browser.load(url, 1280, 900)
    browser.drain()

    assert browser.requests() == [url]
    assert browser.problems() == []
    # Nothing from the data became an element: the only scripts, iframes and images are none.
    counts = browser.evaluate(
        "['script','iframe','img','object','embed','form','base']"
        ".map(t => document.getElementsByTagName(t).length)"
    )
    assert counts == [0, 0, 0, 0, 0, 0, 0]
    hrefs = browser.evaluate("[...document.links].map(a => a.getAttribute('href'))")
    assert all(h.startswith(("#", "https://", "http://")) for h in hrefs), hrefs
    assert "https://ok.example/a%20b" in hrefs
    assert browser.evaluate("document.title").startswith("Launch readiness report: <script>")


def test_pdf_has_every_section_heading(tmp_path: Path) -> None:
    html = render_document(
        load_session(DATA / "session.toml"), builtin_playbook(), fmt="html", now=NOW
    )
    out = tmp_path / "report.pdf"
    work = tmp_path / "work"
    work.mkdir()
    print_pdf(html, out, browser=CHROMIUM, timeout=DEADLINE, workdir=work)
    assert list(work.iterdir()) == [], "the browser profile and page copy were not removed"
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (Debian package poppler-utils) is needed to read the PDF's text")
    text = subprocess.run(
        [pdftotext, "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    for heading in (
        "Handover checklist",
        "Risk list",
        "Prioritized fix list",
        "Domain map",
        "Secrets inventory",
        "Email deliverability checklist",
        "Deploy runbook",
        "Monitoring summary",
        "Check results and evidence",
    ):
        assert heading in text, heading
    assert "CANARY" not in text


def test_cli_writes_a_pdf(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    env = CliEnv(
        environ={"PATH": os.environ.get("PATH", "")},
        cwd=tmp_path,
        stdout=out,
        stderr=err,
        clock=lambda: NOW,
    )
    code = main(
        ["report", str(DATA / "session.toml"), "--format", "pdf", "--only", "3", "-o", "map.pdf"],
        env,
    )
    assert code == 0, err.getvalue()
    assert (tmp_path / "map.pdf").read_bytes().startswith(b"%PDF-")
    assert out.getvalue() == ""
    assert [p.name for p in tmp_path.iterdir()] == ["map.pdf"]
