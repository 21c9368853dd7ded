"""The save's check of lists of tables: a list whose elements repeat one layout is proven as its
first two elements, and what that proof still refuses (a count that differs, another layout);
the lists saved and reopened through every path of the store."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from launch_tui.core.model import CheckResult, Severity, Status
from launch_tui.store import load_session, open_session
from launch_tui.store.entry_text import EntryWriter
from launch_tui.store.text_check import TextCheck
from tests.text_entries import result_entry as _entry
from tests.text_entries import written_entries as _written


def _finding(n: int, **more: Any) -> dict[str, Any]:
    return {"rule": "aws-access-token", "file": f"src/f{n}.py", "line": n} | more


def _parsed_docs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the check gives tomli to parse, from now on (and no whole entry parsed)."""
    import tomli

    import launch_tui.store.text_check as text_check

    docs: list[str] = []
    real = tomli.loads

    def loads(text: str) -> Any:
        docs.append(text)
        return real(text)

    def whole(_: Any) -> bool:
        raise AssertionError("an entry was parsed whole")

    monkeypatch.setattr(tomli, "loads", loads)
    monkeypatch.setattr(text_check, "texts_read_back", whole)
    return docs


def test_a_long_list_of_tables_laid_out_alike_is_proven_as_two_elements(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    writer = EntryWriter()
    short = _entry(1, findings=[_finding(n) for n in range(3)])
    long = _entry(2, findings=[_finding(n) for n in range(40)])
    texts = _written([short, long], writer)
    (_, three, _), (_, forty, _) = texts
    assert three.skeleton != forty.skeleton
    assert three.proof_skeleton == forty.proof_skeleton  # one layout to prove, not two
    assert three.proof_skeleton.count("[[results.evidence.findings]]") == 2
    docs = _parsed_docs(monkeypatch)
    assert TextCheck().verify(texts, writer.literals)
    skeletons = "".join(d for d in docs if "[[results]]" in d)
    assert skeletons.count("[[results.evidence.findings]]") == 2
    # What was left out of the proof was written all the same, and reads back.
    import tomli

    assert tomli.loads(f"[[results]]\n{forty.text}")["results"][0] == texts[1][2]


def test_an_element_laid_out_otherwise_stays_in_the_proof(monkeypatch: pytest.MonkeyPatch) -> None:
    writer = EntryWriter()
    findings = [_finding(n) for n in range(8)]
    findings[5] = _finding(5, secret_hash="ab12")  # one key more: another layout
    findings[6] = {"file": "x", "rule": "r", "line": 6}  # the same keys in another order
    texts = _written([_entry(1, findings=findings)], writer)
    (block,) = texts[0][1].blocks[1:]
    assert block.trims == ((("evidence", "findings"), (0, 1, 5, 6), 8),)
    _parsed_docs(monkeypatch)
    assert TextCheck().verify(texts, writer.literals)


def test_lists_inside_elements_of_a_list_are_proven_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    writer = EntryWriter()
    hops = [{"url": f"https://x.test/{n}", "status": 301} for n in range(4)]
    fetches = [{"url": f"https://x.test/{n}", "hops": hops} for n in range(4)]
    texts = _written([_entry(1, fetches=fetches)], writer)
    (block,) = texts[0][1].blocks[1:]
    # The fetches repeat a layout (each with its four hops): the third and fourth are left
    # out; each hop is a list inside an element, which is kept whole.
    assert block.trims == ((("evidence", "fetches"), (0, 1), 4),)
    assert block.proof_skeleton.count("[[results.evidence.fetches.hops]]") == 8
    _parsed_docs(monkeypatch)
    assert TextCheck().verify(texts, writer.literals)


def test_a_list_cut_short_still_needs_its_witness(monkeypatch: pytest.MonkeyPatch) -> None:
    writer = EntryWriter()
    texts = _written([_entry(1, findings=[_finding(n) for n in range(5)])], writer)
    path, text, data = texts[0]
    wrong = data | {"evidence": data["evidence"] | {"findings": data["evidence"]["findings"][:2]}}
    # The data says two findings, the text holds five. The two kept in the proof match the
    # data's two, but the count does not: not proven by layout, so parsed whole, and refused.
    assert not TextCheck().verify([(path, text, wrong)], writer.literals)
    more = data["evidence"]["findings"] + [_finding(9)]
    wrong = data | {"evidence": data["evidence"] | {"findings": more}}
    assert not TextCheck().verify([(path, text, wrong)], writer.literals)


def test_findings_lists_proven_by_two_elements_save_and_reopen_through_every_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New entries, a re-run with the same evidence, and edits of entries opened from the file
    (their lines edited, a finding added, one taken away): each saved without parsing an entry
    whole, and read back as saved."""
    from launch_tui.store import create_session

    def result(target: str, count: int, **more: Any) -> CheckResult:
        findings = [_finding(n) for n in range(count)]
        return CheckResult(
            "secrets.repo",
            target,
            Status.FAIL,
            Severity.CRITICAL,
            "found",
            {"findings": findings, "scanner": {"name": "betterleaks", "rules": 200}} | more,
        )

    base = load_session(Path(__file__).parent.parent / "data" / "tui" / "brightlane.toml")
    path = tmp_path / "s.toml"
    _parsed_docs(monkeypatch)
    with create_session(path, dataclasses.replace(base, results=())) as handle:
        saved = handle.save(
            dataclasses.replace(handle.session, results=(result("a", 40), result("b", 3)))
        )
        rerun = tuple(dataclasses.replace(r, duration_ms=9) for r in saved.results)
        saved = handle.save(dataclasses.replace(saved, results=rerun))
    assert load_session(path).results == saved.results
    with open_session(path) as handle:  # the file's own entries, kept as their lines
        grown = (result("a", 41), result("b", 2, note="rotated"))
        saved = handle.save(dataclasses.replace(handle.session, results=grown))
    assert load_session(path).results == saved.results
    findings = saved.results[0].evidence["findings"]
    assert isinstance(findings, list) and len(findings) == 41
