"""email.spf, email.dkim, email.dmarc and email.mx against the sandbox's DNS on loopback."""

from __future__ import annotations

import base64
from dataclasses import replace

from check_runs import run_checks, select
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from launch_tui.cli.cmd_sandbox import sandbox_session
from launch_tui.core.model import CheckResult, Session, Status
from launch_tui.sandbox import parse_world, start_world

IDS = frozenset({"email.spf", "email.dkim", "email.dmarc", "email.mx"})


def _key(bits: int) -> str:
    public = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def _world(apex: str, records: list[tuple[str, str, str]]) -> str:
    rows = ", ".join(f'["{n}", "{t}", {v!r}]'.replace("'", '"') for n, t, v in records)
    return f"""
name = "mail"
[sprint]
id = "mail"
client = "Mail Ltd"
product = "Shop"
[targets]
apex = "{apex}"
[[hosts]]
name = "{apex}"
role = "apex"
tls = "none"
[[dns.zones]]
origin = "{apex}"
records = [["@", "NS", "ns1.{apex}."], ["ns1", "A", "127.0.0.1"], {rows}]
"""


async def _run(world_text: str, selectors: tuple[str, ...]) -> dict[str, CheckResult]:
    async with start_world(parse_world(world_text)) as world:
        session: Session = sandbox_session(world)
        session = replace(session, targets=replace(session.targets, dkim_selectors=selectors))
        done = (await run_checks(session, select(*IDS))).session
    return {r.check_id: r for r in done.results if r.check_id in IDS}


async def test_a_healthy_domain_passes() -> None:
    includes = " ".join(f"include:i{n}.good.test" for n in range(1, 5))
    records = [
        ("@", "TXT", f"v=spf1 {includes} -all"),
        *[(f"i{n}", "TXT", f"v=spf1 ip4:192.0.2.{n} -all") for n in range(1, 5)],
        ("s1._domainkey", "TXT", f"v=DKIM1; k=rsa; p={_key(2048)}"),
        ("_dmarc", "TXT", "v=DMARC1; p=reject; rua=mailto:dmarc@good.test"),
        ("@", "MX", "10 mx.good.test."),
        ("mx", "A", "127.0.0.1"),
    ]
    results = await _run(_world("good.test", records), ("s1",))
    assert {k: r.status for k, r in results.items()} == dict.fromkeys(IDS, Status.PASS)
    assert results["email.spf"].evidence["lookups"] == 4


async def test_broken_records_get_clear_verdicts() -> None:
    includes = " ".join(f"include:i{n}.bad.test" for n in range(1, 12))
    records = [
        ("@", "TXT", f"v=spf1 {includes} -all"),
        *[(f"i{n}", "TXT", f"v=spf1 ip4:192.0.2.{n} -all") for n in range(1, 12)],
        ("s1._domainkey", "TXT", f"v=DKIM1; k=rsa; p={_key(1024)}"),
        ("old._domainkey", "TXT", "v=DKIM1; p="),
        ("_dmarc", "TXT", "v=DMARC1; p=none; rua=mailto:reports@elsewhere.test"),
        ("@", "MX", "10 gone.bad.test."),
    ]
    results = await _run(_world("bad.test", records), ("s1", "old"))
    spf = results["email.spf"]
    assert spf.status is Status.FAIL
    assert spf.evidence["over_limit"] == "include:i11.bad.test"
    assert "include:i11.bad.test" in spf.summary
    dkim = results["email.dkim"]
    assert dkim.status is Status.FAIL
    assert "1024" in dkim.summary and "revoked" in dkim.summary
    dmarc = results["email.dmarc"]
    assert dmarc.status is Status.WARN
    assert "monitoring only" in dmarc.summary and "elsewhere.test" in dmarc.summary
    assert results["email.mx"].status is Status.FAIL


async def test_a_null_mx_and_a_missing_spf() -> None:
    records = [("@", "MX", "0 ."), ("@", "TXT", "google-site-verification=abc")]
    results = await _run(_world("quiet.test", records), ())
    assert results["email.mx"].status is Status.PASS
    assert "Null MX" in results["email.mx"].summary
    assert results["email.spf"].status is Status.FAIL
    assert results["email.dmarc"].status is Status.FAIL
    assert results["email.dkim"].status is Status.WARN
