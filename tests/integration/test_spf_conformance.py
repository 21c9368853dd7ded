"""The RFC 7208 test suite (openspf.org, release 2014.04) against our SPF evaluator.

Every case runs ``check_host`` through the real sandbox DNS server on loopback, serving the
case's zone data, and the real resolver. The zone data follows the suite's driver conventions
(those of pyspf's test driver, which the suite was written with):

* an ``SPF`` (type 99) record is also published as TXT unless the name lists TXT records
  itself; ``TXT: NONE`` means "no TXT records, and none generated";
* a list of strings is one record of several strings (a resolver joins them);
* ``TIMEOUT`` means queries for every type not listed before it are never answered.

The sandbox server knows only whole-name timeouts, so :class:`_SuiteZones` (below) adds the
per-type ones by subclassing its :class:`Zones`; everything else is the sandbox as it ships.

The pass count is printed by ``test_conformance_pass_count`` (run with ``-s`` to see it) and
each case is its own test. Cases we cannot pass are listed in ``EXCLUDED`` with the RFC's
reason; there are none at present.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dns.message
import dns.name
import dns.rdatatype
import pytest
import yaml

from launch_tui.checks.email.spf_eval import SpfResult, check_host
from launch_tui.net import Nameserver, NetLimits, Resolver
from launch_tui.sandbox.dns_server import DnsServer, Zones
from launch_tui.sandbox.world import DnsSpec, Record, Zone

#: The suite, copied with its licence and changelog (tests/data/conformance/README.md).
SUITE = Path(__file__).resolve().parents[1] / "data" / "conformance" / "rfc7208-tests.yml"
#: Short DNS timeouts: the suite's TIMEOUT names must not hold the run up.
LIMITS = NetLimits(dns_timeout=0.2, dns_lifetime=0.4)
#: Cases not passed, with the RFC's reason. Empty: every case passes.
EXCLUDED: dict[str, str] = {}
_SOA = "ns.suite.test. hostmaster.suite.test. 1 7200 3600 1209600 300"


@dataclass(frozen=True)
class Case:
    scenario: str
    name: str
    spec: dict[str, Any]
    zonedata: dict[str, list[Any]]

    @property
    def results(self) -> tuple[str, ...]:
        result = self.spec["result"]
        return tuple(result) if isinstance(result, list) else (result,)


def _load() -> list[Case]:
    if not SUITE.is_file():
        # Loudly: a missing suite must not turn into a run of zero cases that passes.
        raise FileNotFoundError(f"the RFC 7208 suite is missing at {SUITE}")
    cases: list[Case] = []
    with SUITE.open(encoding="utf-8") as handle:
        for scenario in yaml.safe_load_all(handle):
            for name, spec in scenario["tests"].items():
                cases.append(Case(scenario["description"], name, spec, scenario["zonedata"]))
    return cases


CASES = _load()


class _SuiteZones(Zones):
    """The sandbox's zones, plus names that answer some types and time out on the rest."""

    def __init__(self, spec: DnsSpec, answered_then_timeout: dict[dns.name.Name, set[int]]):
        super().__init__(spec, {})
        self._partial = answered_then_timeout

    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        if len(query.question) == 1:
            question = query.question[0]
            answered = self._partial.get(question.name)
            if answered is not None and question.rdtype not in answered:
                return None
        return super().answer(query)


def _quote(strings: list[str]) -> str:
    """TXT/SPF presentation format: each string quoted, non-ASCII as \\DDD octets."""
    out = []
    for text in strings:
        chars = []
        for char in text.encode("latin-1"):
            if char in (0x22, 0x5C):
                chars.append("\\" + chr(char))
            elif 0x20 <= char < 0x7F:
                chars.append(chr(char))
            else:
                chars.append(f"\\{char:03d}")
        out.append('"' + "".join(chars) + '"')
    return " ".join(out)


def _absolute(name: str) -> str:
    return name if name.endswith(".") else name + "."


def _zones(zonedata: dict[str, list[Any]]) -> _SuiteZones:
    records: list[Record] = []
    partial: dict[dns.name.Name, set[int]] = {}
    for owner, entries in zonedata.items():
        has_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
        types: set[int] = set()
        timeout = False
        for entry in entries:
            if entry == "TIMEOUT":
                timeout = True
                continue
            ((rtype, value),) = entry.items()
            if value == "NONE":
                continue
            types.add(dns.rdatatype.from_text(rtype))
            if rtype in ("TXT", "SPF"):
                strings = value if isinstance(value, list) else [value]
                if rtype == "SPF" and not has_txt:
                    records.append(Record(owner, "TXT", "".join(strings)))
                    types.add(dns.rdatatype.TXT)
                if rtype == "SPF" and strings:
                    records.append(Record(owner, "SPF", _quote(strings)))
                elif rtype == "TXT":
                    records.append(Record(owner, "TXT", "".join(strings)))
            elif rtype == "MX":
                preference, exchange = value
                records.append(Record(owner, "MX", f"{preference} {_absolute(exchange)}"))
            elif rtype in ("PTR", "CNAME"):
                records.append(Record(owner, rtype, _absolute(value)))
            else:
                records.append(Record(owner, rtype, str(value)))
        if timeout:
            partial[dns.name.from_text(owner)] = types
    spec = DnsSpec(zones=(Zone(origin="", records=tuple(records), soa=_SOA),))
    return _SuiteZones(spec, partial)


@asynccontextmanager
async def _served(case: Case) -> AsyncIterator[tuple[DnsServer, Resolver]]:
    server = DnsServer(_zones(case.zonedata))
    await server.start()
    try:
        yield server, Resolver([Nameserver("127.0.0.1", server.port)], limits=LIMITS)
    finally:
        await server.close()


async def _run(case: Case) -> str | None:
    """``None`` when the case passes, else what went wrong."""
    spec = case.spec
    helo = spec.get("helo", "")
    sender = spec.get("mailfrom", "")
    domain = sender.rpartition("@")[2] if sender else helo
    async with _served(case) as (server, resolver):
        outcome = await check_host(spec["host"], domain, sender or helo, resolver, helo=helo)
        spf_queries = [entry for entry in server.log if entry.rdtype == "SPF"]
    problems = []
    if outcome.result.value not in case.results:
        problems.append(f"result {outcome.result.value}, expected {'/'.join(case.results)}")
    expected = spec.get("explanation")
    if expected is not None and outcome.result is SpfResult.FAIL:
        got = outcome.explanation
        if expected == "DEFAULT" and got is not None:
            problems.append(f"explanation {got!r}, expected the default")
        elif expected != "DEFAULT" and got != expected:
            problems.append(f"explanation {got!r}, expected {expected!r}")
    if spf_queries:
        problems.append("queried type SPF (RFC 7208 3.1: only TXT)")
    if problems:
        return f"{case.name}: {'; '.join(problems)} ({outcome.reason})"
    return None


@pytest.mark.parametrize("case", CASES, ids=[f"{c.name}" for c in CASES])
async def test_rfc7208_case(case: Case) -> None:
    if case.name in EXCLUDED:
        pytest.xfail(EXCLUDED[case.name])
    problem = await _run(case)
    assert problem is None, problem


def test_suite_is_present_and_complete() -> None:
    assert SUITE.exists(), f"the RFC 7208 suite is missing at {SUITE}"
    assert len(CASES) == 203


async def test_conformance_pass_count(capsys: pytest.CaptureFixture[str]) -> None:
    """One line with the pass count (the per-case tests say which case failed and why)."""
    # A few at a time: all 203 servers at once on a busy machine miss the 0.4 s DNS lifetime.
    gate = asyncio.Semaphore(8)

    async def one(case: Case) -> str | None:
        async with gate:
            return await _run(case)

    problems = await asyncio.gather(*(one(case) for case in CASES))
    failed = [p for p in problems if p is not None]
    passed = len(CASES) - len(failed)
    with capsys.disabled():
        print(
            f"\nRFC 7208 conformance: {passed} of {len(CASES)} cases pass "
            f"({len(EXCLUDED)} excluded: {', '.join(EXCLUDED) or 'none'})"
        )
    unexpected = [p for p in failed if p.split(":", 1)[0] not in EXCLUDED]
    assert not unexpected, "\n".join(unexpected)
