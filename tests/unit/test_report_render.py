"""Rendering documents: golden files, sections, missing-data notices, templates and the CLI.

Golden files live in ``tests/data/report/golden``; regenerate them after an intended change with
``UPDATE_GOLDENS=1 uv run pytest tests/unit/test_report_render.py`` and review the diff.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from launch_tui.cli.context import CliEnv
from launch_tui.cli.main import main
from launch_tui.core.errors import ReportError, UsageError
from launch_tui.core.model import Session, Sprint
from launch_tui.core.playbook import builtin_playbook
from launch_tui.report.environment import builtin_templates_dir
from launch_tui.report.pdf import find_browser, print_pdf
from launch_tui.report.render import render_document
from launch_tui.report.sections import SECTIONS, resolve_sections
from launch_tui.store import load_session

DATA = Path(__file__).resolve().parent.parent / "data" / "report"
GOLDEN = DATA / "golden"
SESSION = DATA / "session.toml"
NOW = datetime(2026, 5, 6, 10, 0, tzinfo=UTC)
PLAYBOOK = builtin_playbook()
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"


def _render(session: Session, fmt: str, only: tuple[str, ...] = (), **kw: object) -> str:
    return render_document(session, PLAYBOOK, fmt=fmt, only=only, now=NOW, **kw)  # type: ignore[arg-type]


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDENS=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its golden file (UPDATE_GOLDENS=1 to accept)"


@pytest.fixture(scope="module")
def fixed() -> Session:
    return load_session(SESSION)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_full_report_matches_golden(fixed: Session, fmt: str) -> None:
    _check_golden(f"report.{fmt}.golden", _render(fixed, fmt))


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("section", [s.id for s in SECTIONS])
def test_each_document_matches_golden(fixed: Session, section: str, fmt: str) -> None:
    _check_golden(f"{section}.{fmt}.golden", _render(fixed, fmt, (section,)))


def test_rendering_is_deterministic(fixed: Session) -> None:
    assert _render(fixed, "md") == _render(fixed, "md")
    assert _render(fixed, "html") == _render(fixed, "html")


def test_the_handover_carries_what_the_seed_asks_for(fixed: Session) -> None:
    md = _render(fixed, "md", ("handover",))
    for heading in (
        "### Readiness verdict",
        "### What was deployed and where",
        "### Access map",
        "### Credentials: ownership rules and where each secret lives",
        "### External services, renewals and costs",
        "### Changing environment variables safely",
        "### Rollback notes",
        "### Monitoring links",
        "### Support paths",
        "### Known limitations",
        "### Next steps",
        "### Accepted risks",
    ):
        assert heading in md
    # nine bar items, numbered
    assert len(re.findall(r"^\| [1-9] \| ", md, flags=re.M)) == 9
    assert "owner uses a personal email (gmail.com)" in md
    assert "| **Total (USD)** | 5 priced services | | | | **120.25 USD** |" in md
    assert "2026-05-28 | TLS certificate app.northwind.example | **in 22 d**" in md
    assert "2027-02-11 | Domain northwind.example | in 281 d | measured (domain.expiry)" in md
    assert "no owner: does not count toward readiness" in md


def test_risk_list_puts_broken_auth_first_and_keeps_accepted_risks(fixed: Session) -> None:
    md = _render(fixed, "md", ("risk-list",))
    open_part, accepted_part = md.split("### Accepted risks (not blocking, still open)")
    rows = [line for line in open_part.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert rows[0].startswith(
        "| 1 | Broken auth | critical | **Admin routes require authentication**"
    )
    categories = [row.split(" | ")[1] for row in rows]
    order = [
        "Broken auth",
        "Leaked secrets",
        "Failed email delivery",
        "Slow core routes",
        "Bad redirects",
        "Other",
    ]
    assert categories == sorted(categories, key=order.index)
    assert "accept risk by Dan Whitfield (2026-05-20)" in accepted_part


def test_email_records_use_evidence_when_present(fixed: Session) -> None:
    md = _render(fixed, "md", ("email-checklist",))
    assert "v=spf1 include:spf.mtasv.net include:_spf.google.com ~all" in md
    assert "**DMARC** (recommended by the check)" in md
    assert "`pm._domainkey.northwind.example`" in md


def test_manual_notes_and_only_http_links_appear(fixed: Session) -> None:
    md = _render(fixed, "md", ("monitoring-summary",))
    assert "Four monitors imported into Better Stack, 1-minute interval." in md
    assert (
        "[https://uptime.betterstack.com/team/northwind/monitors]"
        "(<https://uptime.betterstack.com/team/northwind/monitors>)" in md
    )
    assert "`javascript:alert(1)`" in md
    assert "](<javascript" not in md
    html = _render(fixed, "html", ("monitoring-summary",))
    assert 'href="javascript' not in html
    assert "<code>javascript:alert(1)</code>" in html


# --- sections and notices -------------------------------------------------------------------


def test_only_accepts_section_ids_stage_numbers_and_stage_ids() -> None:
    ids = lambda only: [s.id for s in resolve_sections(only, PLAYBOOK)]  # noqa: E731
    assert ids([]) == [s.id for s in SECTIONS]
    assert ids(["4"]) == ["secrets-inventory", "email-checklist"]
    assert ids(["delivery", "handover"]) == ["handover", "domain-map"]
    assert ids(["EVIDENCE", "all"]) == [s.id for s in SECTIONS]
    with pytest.raises(UsageError, match="unknown report section 'nope'"):
        ids(["nope"])


def test_an_empty_session_says_what_is_missing_and_which_stage_fills_it() -> None:
    empty = Session(sprint=Sprint("new", "New Co", "", "", NOW))
    md = _render(empty, "md")
    for notice in (
        "No stack, hosts or URLs recorded yet. Stage 1 (Quick audit) fills this in",
        "No accounts recorded yet. Stage 7 (Hand over) fills this in",
        "No secrets inventoried yet. Stage 4 (Secure email and secrets) fills this in",
        "No checks have run yet. Stage 1 (Quick audit) fills this in",
        "No request-path measurements yet. Stage 2 (Stabilize the request path) fills this in",
        "No hostnames configured yet. Stage 3 (Harden delivery) fills this in",
        "No apex domain recorded, so the records below use example.com",
        "The deploy has not been rehearsed yet",
        "No routes configured yet. Stage 6 (Observe real usage) fills this in",
        "No known limitations written yet. Stage 7 (Hand over) fills this in: write it in the "
        "handover form (H in the app)",
    ):
        assert notice in md, notice
    # no empty tables: every header row is followed by at least one data row
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("| ---") or line.startswith("| ---:"):
            assert i + 1 < len(lines) and lines[i + 1].startswith("|"), lines[i - 1]
    assert "<h2>Domain map</h2>" in _render(empty, "html")


def test_unknown_checks_are_rendered_generically() -> None:
    session = load_session(Path(__file__).resolve().parents[1] / "data/sessions/handwritten.toml")
    assert "### Checks this playbook does not list" not in _render(session, "md", ("evidence",))
    leak = next(r for r in session.results if r.check_id == "secrets.repo")
    unknown = dataclasses.replace(leak, check_id="vendor.scanner")
    md = _render(dataclasses.replace(session, results=(*session.results, unknown)), "md")
    unlisted = md.split("### Checks this playbook does not list", 1)[1]
    assert "vendor.scanner" in unlisted
    assert "`commit` 3f2a9c1; `path` config/settings.py; `line` 12" in unlisted


def test_the_handwritten_leak_shows_in_the_secret_scans() -> None:
    # It once named secrets.history, which no check and no playbook entry defines.
    session = load_session(Path(__file__).resolve().parents[1] / "data/sessions/handwritten.toml")
    md = _render(session, "md", ("secrets-inventory",))
    scans = md.split("### Secret scans", 1)[1]
    assert (
        "(`secrets.repo`) | whole site | fail | Stripe key in git history (commit 3f2a9c1)" in scans
    )


# --- templates ------------------------------------------------------------------------------


def test_shipped_templates_are_found() -> None:
    folder = builtin_templates_dir()
    assert (folder / "report.md.j2").is_file()
    assert (folder / "report.html.j2").is_file()
    for section in SECTIONS:
        for fmt in ("md", "html"):
            assert (folder / "sections" / f"{section.id}.{fmt}.j2").is_file()


def test_templates_dir_overrides_a_template_by_name(fixed: Session, tmp_path: Path) -> None:
    (tmp_path / "sections").mkdir()
    (tmp_path / "sections" / "domain-map.md.j2").write_text(
        "## Our own map\n\n{% for row in r.domains.rows %}- {{ row.host }}\n{% endfor %}\n"
    )
    md = _render(fixed, "md", ("domain-map",), templates_dir=tmp_path)
    assert "## Our own map" in md
    assert "- www.northwind.example" in md
    assert "## Domain map" not in md
    # other sections still come from the shipped templates
    assert "## Risk list" in _render(fixed, "md", ("risk-list",), templates_dir=tmp_path)


def test_a_template_syntax_error_names_the_template_and_line(
    fixed: Session, tmp_path: Path
) -> None:
    (tmp_path / "sections").mkdir()
    (tmp_path / "sections" / "risk-list.md.j2").write_text("line one\n\n{% if %}\n")
    with pytest.raises(ReportError) as caught:
        _render(fixed, "md", ("risk-list",), templates_dir=tmp_path)
    assert re.search(r"sections/risk-list\.md\.j2:3: ", caught.value.message)
    assert caught.value.title == "Broken report template"


def test_a_template_render_error_names_the_template_and_line(
    fixed: Session, tmp_path: Path
) -> None:
    (tmp_path / "sections").mkdir()
    (tmp_path / "sections" / "fix-list.html.j2").write_text("<p>ok</p>\n<p>{{ r.no_such }}</p>\n")
    with pytest.raises(ReportError) as caught:
        _render(fixed, "html", ("fix-list",), templates_dir=tmp_path)
    assert re.search(r"sections/fix-list\.html\.j2:2: UndefinedError", caught.value.message)


def test_a_missing_templates_folder_is_a_report_error(fixed: Session, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="not a folder"):
        _render(fixed, "md", templates_dir=tmp_path / "nope")


def test_html_autoescapes_whatever_the_template_file_is_called(
    fixed: Session, tmp_path: Path
) -> None:
    (tmp_path / "sections").mkdir()
    (tmp_path / "sections" / "risk-list.html.j2").write_text("{% include 'x.txt' %}")
    (tmp_path / "x.txt").write_text("{{ r.client }}|{{ '<b>' }}")
    html = _render(fixed, "html", ("risk-list",), templates_dir=tmp_path)
    assert "|&lt;b&gt;" in html


def test_html_is_self_contained(fixed: Session) -> None:
    html = _render(fixed, "html")
    assert "default-src 'none'" in html
    for attribute in re.findall(r'\b(?:src|href|action|poster|data)\s*=\s*"([^"]*)"', html):
        assert attribute.startswith(("#", "https://", "http://")), attribute
    assert not re.findall(r"\bsrc\s*=", html)
    assert "url(" not in html and "@import" not in html and "<script" not in html
    assert "<link" not in html


# --- the command line -----------------------------------------------------------------------


def _cli(args: list[str], cwd: Path, environ: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = CliEnv(environ=environ or {}, cwd=cwd, stdout=out, stderr=err, clock=lambda: NOW)
    code = main(args, env)
    return code, out.getvalue(), err.getvalue()


def test_cli_prints_markdown_to_stdout(tmp_path: Path) -> None:
    code, out, err = _cli(["report", str(SESSION), "--only", "domain-map"], tmp_path)
    assert (code, err) == (0, "")
    assert out == _render(load_session(SESSION), "md", ("domain-map",))


def test_cli_writes_html_to_a_file(tmp_path: Path) -> None:
    code, out, err = _cli(["report", str(SESSION), "--format", "html", "-o", "r.html"], tmp_path)
    assert code == 0 and out == ""
    written = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert written == _render(load_session(SESSION), "html")
    assert f"Wrote {tmp_path / 'r.html'}" in err
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary file left


def test_cli_pdf_needs_an_output_file(tmp_path: Path) -> None:
    code, _, err = _cli(["report", str(SESSION), "--format", "pdf"], tmp_path)
    assert code == 2
    assert "--format pdf writes a file: give -o PATH" in err


def test_cli_bad_section_and_missing_folder_are_clear_errors(tmp_path: Path) -> None:
    code, _, err = _cli(["report", str(SESSION), "--only", "bogus"], tmp_path)
    assert code == 2 and "unknown report section 'bogus'" in err
    code, _, err = _cli(["report", str(SESSION), "-o", "no/such/dir/r.md"], tmp_path)
    assert code == 4 and "does not exist" in err


def test_no_browser_is_a_clear_error_naming_what_is_missing(tmp_path: Path) -> None:
    assert (
        find_browser({"PATH": str(tmp_path)}, candidates=("chromium", "/nonexistent/chrome"))
        is None
    )
    with pytest.raises(ReportError) as caught:
        print_pdf("<p>x</p>", tmp_path / "x.pdf", browser=None)
    assert "needs a Chromium-based browser and none was found" in caught.value.message
    assert "apt install chromium" in caught.value.message
    assert not (tmp_path / "x.pdf").exists()
    with pytest.raises(ReportError, match="not an executable file"):
        find_browser({"LAUNCH_TUI_CHROMIUM": str(tmp_path / "missing")})
