"""Hostile data in every text field of a session, and a canary secret around it.

Every string the session holds (names, URLs, notes, evidence keys and values...) is replaced by a
hostile one from ``tests/data/report/hostile_strings.json`` (the same original always maps to
the same hostile string, so links between fields such as route name and result target survive).
Then every document is rendered in both formats and checked for what a careless renderer would
let through: control characters, HTML from data, broken Markdown tables, Markdown structure or
links from data, ``javascript:`` links.
"""

from __future__ import annotations

import io
import json
import re
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from launch_tui.cli.context import CliEnv
from launch_tui.cli.main import main
from launch_tui.core.model import Secret, Session
from launch_tui.core.playbook import builtin_playbook
from launch_tui.core.session_codec import session_from_data, session_to_data
from launch_tui.report.render import render_document
from launch_tui.report.sections import SECTIONS
from launch_tui.store import create_session, load_session

DATA = Path(__file__).resolve().parent.parent / "data" / "report"
NOW = datetime(2026, 5, 6, 10, 0, tzinfo=UTC)
PLAYBOOK = builtin_playbook()
HOSTILE: list[str] = json.loads((DATA / "hostile_strings.json").read_text(encoding="utf-8"))
LONG = "L" * 6000 + "<script>alert('long')</script>" + "|" * 300
MARK = "ZQX"

# Values the session format validates (enums, references, amounts): left as they are.
_KEEP = frozenset(
    {
        "status",
        "severity",
        "previous_status",
        "action",
        "kind",
        "role",
        "org",
        "exposure",
        "stage",
        "ref",
        "monthly_cost",
        "schema_version",
    }
)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _poison(text: str, *, long: bool) -> str:
    if not text:
        return text
    pick = HOSTILE[zlib.crc32(text.encode()) % len(HOSTILE)]
    # The original stays inside so unique values stay unique and references still match.
    return f"{pick}{MARK}{text}{LONG if long else ''}\n{pick}"


def _walk(value: Any, key: str, keep_checks: bool, long: bool) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            in_evidence = key == "evidence" or key.startswith("evidence.")
            # Evidence keys are data too; with known checks they stay, so tables read the values.
            new_key = _poison(k, long=False) if in_evidence and not keep_checks else k
            out[new_key] = _walk(
                v, f"evidence.{k}" if key.startswith("evidence") else k, keep_checks, long
            )
        return out
    if isinstance(value, list):
        return [_walk(v, key, keep_checks, long) for v in value]
    if isinstance(value, str):
        if key in _KEEP or (keep_checks and key == "check"):
            return value
        return _poison(value, long=long)
    return value


def hostile_session(*, keep_checks: bool, long: bool = False) -> Session:
    """The fixed session with every free-text value replaced by a hostile one."""
    data = session_to_data(load_session(DATA / "session.toml"))
    data["ui"] = {"stage": "audit", "selection": ""}
    poisoned = _walk(data, "", keep_checks, long)
    # Manual evidence links of every flavour, on a check the report shows links for.
    poisoned["results"].append(
        {
            "check": "monitor.alerts",
            "target": "",
            "status": "pass",
            "severity": "high",
            "summary": HOSTILE[0],
            "evidence": {
                "note": "\n".join(HOSTILE),
                "links": [*HOSTILE, "https://ok.example/a b|c<d>`e`", LONG],
            },
        }
    )
    return session_from_data(poisoned)


VARIANTS = {
    "known-checks": lambda: hostile_session(keep_checks=True),
    "everything": lambda: hostile_session(keep_checks=False),
    "long": lambda: hostile_session(keep_checks=True, long=True),
}


def _documents(session: Session, fmt: str) -> list[str]:
    full = render_document(session, PLAYBOOK, fmt=fmt, now=NOW)  # type: ignore[arg-type]
    return [full] + [
        render_document(session, PLAYBOOK, fmt=fmt, only=(s.id,), now=NOW)  # type: ignore[arg-type]
        for s in SECTIONS
    ]


# --- checks on the output ---------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data


def _template_tags() -> frozenset[str]:
    """Every element name the HTML templates write themselves: anything else came from data."""
    root = Path(__file__).resolve().parents[2] / "templates"
    names: set[str] = set()
    for template in root.rglob("*.html.j2"):
        names.update(
            m.lower() for m in re.findall(r"<([A-Za-z][A-Za-z0-9]*)", template.read_text())
        )
    return frozenset(names)


_TEMPLATE_TAGS = _template_tags()


def assert_html_safe(html: str) -> None:
    assert not _CONTROL.search(html)
    assert "<script" not in html.lower()
    parser = _Tags()
    parser.feed(html)
    parser.close()
    css = (Path(__file__).resolve().parents[2] / "templates/partials/style.css.j2").read_text()
    assert parser.style.strip() == css.strip(), "data got into the stylesheet"
    for tag, attrs in parser.tags:
        assert tag in _TEMPLATE_TAGS, f"unexpected element <{tag}> (from data?)"
        for name, value in attrs:
            assert not name.startswith("on"), f"event handler attribute {name}"
            assert name in {
                "class",
                "id",
                "href",
                "rel",
                "lang",
                "charset",
                "name",
                "content",
                "http-equiv",
                "aria-label",
                "colspan",
            }, name
            if name == "href":
                assert value is not None
                assert value.startswith(("#", "https://", "http://")), value
                assert not re.search(r"[\s<>\"'`|\\]", value), value


def _scan_markdown(line: str) -> list[str]:
    """Problems on one Markdown line, skipping escapes and code spans as CommonMark does."""
    problems = []
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            run = re.match(r"`+", line[i:])
            assert run is not None
            fence = run.group()
            close = re.search(rf"(?<!`){fence}(?!`)", line[i + len(fence) :])
            if close is None:
                problems.append("unclosed code span")
                break
            i += len(fence) + close.end()
            continue
        if c == "<" and not line[:i].endswith("]("):
            problems.append(f"raw '<' at {i}: {line[i : i + 30]!r}")
        if (
            c == "]"
            and line[i + 1 : i + 2] == "("
            and not re.match(r"\]\((<https?://|#)", line[i:])
        ):
            problems.append(f"link to something else: {line[i : i + 40]!r}")
        i += 1
    return problems


def assert_markdown_safe(md: str) -> None:
    assert not _CONTROL.search(md)
    lines = md.split("\n")
    in_fence = ""
    block: list[int] = []
    for line in [*lines, ""]:
        fence = re.match(r"^(`{3,})", line)
        if in_fence:
            if line.startswith(in_fence) and line.strip("`") == "":
                in_fence = ""
            continue
        if fence:
            in_fence = fence.group(1)
            continue
        if line.startswith("|"):
            # a pipe with a backslash right before it is part of a cell (cmark-gfm's rule)
            block.append(len(re.findall(r"(?<!\\)\|", line)))
        else:
            assert len(set(block)) <= 1, f"a table row has a different number of cells: {block}"
            block = []
        assert _scan_markdown(line) == [], line[:200]
        for bad in ("# heading", "> quote", "- bullet", "1. ordered", "---", "===", "    indented"):
            body = re.sub(r"^(?:> |- |\d+\. |\| )*", "", line)
            assert not body.startswith(bad) or MARK not in line, line[:200]
    assert not in_fence, "unclosed code block"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_hostile_data_stays_data_in_html(variant: str) -> None:
    session = VARIANTS[variant]()
    for html in _documents(session, "html"):
        assert_html_safe(html)
        assert MARK in html  # the data is there, escaped, not dropped


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_hostile_data_stays_data_in_markdown(variant: str) -> None:
    session = VARIANTS[variant]()
    for md in _documents(session, "md"):
        assert_markdown_safe(md)
        assert MARK in md


def test_the_checker_catches_what_it_should() -> None:
    # The assertions above are only worth something if they fail on bad output.
    with pytest.raises(AssertionError):
        assert_markdown_safe("| a | b |\n| --- | --- |\n| x | y | z |\n")
    with pytest.raises(AssertionError):
        assert_markdown_safe("text <script>alert(1)</script>")
    with pytest.raises(AssertionError):
        assert_markdown_safe("[x](javascript:alert(1))")
    with pytest.raises(AssertionError):
        assert_markdown_safe("\x1b]0;pwned\x07")
    assert_markdown_safe("ok `<b>|` and \\<b\\> and [l](<https://x.example>)")
    with pytest.raises(AssertionError):
        assert_html_safe("<html><body><img src=x onerror=alert(1)></body></html>")
    with pytest.raises(AssertionError):
        assert_html_safe('<html><body><a href="javascript:alert(1)">x</a></body></html>')


# --- canary -----------------------------------------------------------------------------------

CANARY = "CANARY-sk_live_0123456789abcdefCANARY"


@pytest.fixture
def canary_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], Session]:
    """A session whose repo, build and CI logs hold the canary (by path) and an env holding it."""
    monkeypatch.setenv("STRIPE_SECRET_KEY", CANARY)
    monkeypatch.setenv("LAUNCH_TUI_TEST_CANARY", CANARY)
    repo = tmp_path / "repo"
    (repo / "config").mkdir(parents=True)
    (repo / ".env").write_text(f"STRIPE_SECRET_KEY={CANARY}\n")
    (repo / ".env.example").write_text("STRIPE_SECRET_KEY=\n")
    (repo / "config" / "settings.py").write_text(f'STRIPE = "{CANARY}"\n')
    (repo / "dist").mkdir()
    (repo / "dist" / "app.js.map").write_text(f'{{"key": "{CANARY}"}}')
    (repo / "ci.log").write_text(f"export STRIPE_SECRET_KEY={CANARY}\n")
    base = load_session(DATA / "session.toml")

    def build() -> Session:
        from dataclasses import replace

        targets = replace(
            base.targets,
            repo_path=str(repo),
            build_path=str(repo / "dist"),
            ci_logs=(str(repo / "ci.log"),),
        )
        secret = Secret(
            name="STRIPE_SECRET_KEY",
            stored_in=str(repo / ".env"),
            found_in=(str(repo / ".env"), str(repo / "config" / "settings.py") + ":1"),
        )
        return replace(base, targets=targets, secrets=(*base.secrets, secret))

    return build


def test_canary_secret_never_reaches_a_report(
    canary_world: Callable[[], Session], tmp_path: Path
) -> None:
    session = canary_world()
    for fmt in ("md", "html"):
        for document in _documents(session, fmt):
            assert CANARY not in document
            assert "sk_live_0123456789" not in document
    # And through the command line, with the canary in the environment it is given.
    path = tmp_path / "canary.toml"
    create_session(path, session).close()
    out, err = io.StringIO(), io.StringIO()
    environ = {"STRIPE_SECRET_KEY": CANARY, "HOME": str(tmp_path)}
    env = CliEnv(environ=environ, cwd=tmp_path, stdout=out, stderr=err, clock=lambda: NOW)
    assert main(["report", str(path), "--format", "html", "-o", "out.html"], env) == 0
    assert main(["report", str(path)], env) == 0
    written = (tmp_path / "out.html").read_text(encoding="utf-8")
    for text in (written, out.getvalue(), err.getvalue()):
        assert CANARY not in text
    assert str(tmp_path / "repo" / ".env") in written  # the location is reported, not the value
