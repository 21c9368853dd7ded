"""check_host's evidence: the lookup tree, the term over a limit, loops, with an in-memory DNS.

The RFC verdicts themselves are judged by the RFC 7208 suite in
``tests/integration/test_spf_conformance.py``; these tests pin down what the evidence says.
"""

from __future__ import annotations

from launch_tui.checks.email.spf_eval import PROBE_IP, SpfResult, check_host
from launch_tui.net import DnsAnswer, DnsFailure, DnsFailureKind, DnsResult


class FakeDns:
    """TXT and A records from dicts; anything else is NXDOMAIN; ``broken`` names SERVFAIL."""

    def __init__(
        self,
        txt: dict[str, list[str]],
        a: dict[str, list[str]] | None = None,
        broken: frozenset[str] = frozenset(),
    ) -> None:
        self.txt = txt
        self.a = a or {}
        self.broken = broken
        self.asked: list[tuple[str, str]] = []

    async def resolve(self, name: str, rdtype: str = "A") -> DnsResult:
        self.asked.append((name, rdtype))
        if name in self.broken:
            return DnsFailure(name, rdtype, DnsFailureKind.SERVFAIL, f"{name} SERVFAIL")
        if rdtype == "TXT" and name in self.txt:
            texts = tuple(self.txt[name])
            return DnsAnswer(name, rdtype, tuple(f'"{t}"' for t in texts), 300, name, txt=texts)
        if rdtype == "A" and name in self.a:
            return DnsAnswer(name, rdtype, tuple(self.a[name]), 300, name)
        return DnsFailure(name, rdtype, DnsFailureKind.NXDOMAIN, f"{name} does not exist")


def _chain(count: int) -> dict[str, list[str]]:
    """example.com includes i1 .. i<count>, each with one a: lookup of its own."""
    includes = " ".join(f"include:i{n}.example.net" for n in range(1, count + 1))
    records = {"example.com": [f"v=spf1 {includes} -all"]}
    for n in range(1, count + 1):
        records[f"i{n}.example.net"] = [f"v=spf1 ip4:203.0.113.{n} -all"]
    return records


async def test_exactly_ten_lookups_pass_and_the_eleventh_is_named() -> None:
    ten = await check_host(PROBE_IP, "example.com", "a@example.com", FakeDns(_chain(10)))
    assert ten.result is SpfResult.FAIL
    assert ten.lookups == 10
    assert ten.over_limit == ""

    eleven = await check_host(PROBE_IP, "example.com", "a@example.com", FakeDns(_chain(11)))
    assert eleven.result is SpfResult.PERMERROR
    assert eleven.over_limit == "include:i11.example.net"
    assert "include:i11.example.net" in eleven.reason
    last = eleven.tree.children[-1]
    assert last.term == "include:i11.example.net"
    assert last.count == 11
    assert "over the limit of 10" in last.note


async def test_nested_includes_are_counted_and_shown_as_a_tree() -> None:
    dns = FakeDns(
        {
            "example.com": ["v=spf1 include:_spf.provider.test a:mail.example.com -all"],
            "_spf.provider.test": ["v=spf1 include:_a.provider.test include:_b.provider.test"],
            "_a.provider.test": ["v=spf1 ip4:203.0.113.0/24"],
            "_b.provider.test": ["v=spf1 ip4:198.18.0.0/15"],
        },
        a={"mail.example.com": ["192.0.2.1"]},
    )
    outcome = await check_host("192.0.2.1", "example.com", "a@example.com", dns)
    assert outcome.result is SpfResult.PASS
    assert outcome.matched == "a:mail.example.com in example.com"
    assert outcome.lookups == 4
    include = outcome.tree.children[0]
    assert [c.term for c in include.children] == [
        "include:_a.provider.test",
        "include:_b.provider.test",
    ]
    text = "\n".join(outcome.tree.lines())
    assert "  include:_spf.provider.test [1]" in text
    assert "    include:_b.provider.test [3]" in text


async def test_an_include_loop_is_reported_as_a_loop() -> None:
    dns = FakeDns(
        {
            "example.com": ["v=spf1 include:loop.example.net -all"],
            "loop.example.net": ["v=spf1 include:example.com"],
        }
    )
    outcome = await check_host(PROBE_IP, "example.com", "a@example.com", dns)
    assert outcome.result is SpfResult.PERMERROR
    assert "loop" in outcome.reason
    assert "example.com → loop.example.net → example.com" in outcome.reason


async def test_the_third_void_lookup_is_a_permerror() -> None:
    two = FakeDns({"example.com": ["v=spf1 a:n1.example.com a:n2.example.com ?all"]})
    assert (await check_host(PROBE_IP, "example.com", "", two)).result is SpfResult.NEUTRAL
    three = FakeDns(
        {"example.com": ["v=spf1 a:n1.example.com a:n2.example.com a:n3.example.com ?all"]}
    )
    outcome = await check_host(PROBE_IP, "example.com", "", three)
    assert outcome.result is SpfResult.PERMERROR
    assert outcome.void_lookups == 3
    assert outcome.over_limit == "a:n3.example.com"


async def test_two_records_and_dns_failures() -> None:
    two = FakeDns({"example.com": ["v=spf1 -all", "v=spf1 +all"]})
    assert (await check_host(PROBE_IP, "example.com", "", two)).result is SpfResult.PERMERROR
    broken = FakeDns(
        {"example.com": ["v=spf1 include:x.example.net -all"]}, broken=frozenset({"x.example.net"})
    )
    outcome = await check_host(PROBE_IP, "example.com", "", broken)
    assert outcome.result is SpfResult.TEMPERROR
    assert "SERVFAIL" in outcome.reason
    none = await check_host(PROBE_IP, "nothing.example", "", FakeDns({}))
    assert none.result is SpfResult.NONE


async def test_record_text_in_evidence_is_sanitized() -> None:
    dns = FakeDns({"example.com": ["v=spf1 a:\x1b[31mred.example.com -all"]})
    outcome = await check_host(PROBE_IP, "example.com", "", dns)
    assert outcome.result is SpfResult.PERMERROR
    assert "\x1b" not in outcome.tree.record
    assert "\x1b" not in outcome.reason
