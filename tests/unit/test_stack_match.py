"""audit.stack's pure core: the provider data, matching NS/MX/headers, and each component's verdict.

The inputs are shaped like what real providers publish and send (names, header spellings,
values), so a change to ``data/providers.toml`` that breaks a real fingerprint fails here.
"""

from __future__ import annotations

import pytest

from launch_tui.checks.audit.fingerprints import (
    VALUE_CAP,
    Provider,
    builtin_providers,
    declared_as,
    header_sightings,
    identify_host,
    mx_hosts,
    named_after,
    parse_providers,
)
from launch_tui.checks.audit.stack import detected_stack
from launch_tui.checks.audit.stack_judge import (
    Verdict,
    judge_cdn,
    judge_dns,
    judge_email,
    judge_hosting,
)
from launch_tui.checks.audit.stack_sites import Site, read_site
from launch_tui.core.errors import CheckError
from launch_tui.core.model import CheckResult, Severity, Stack, StackItem, Status
from launch_tui.net import DnsAnswer, DnsFailure, DnsFailureKind

DATA = builtin_providers()


def provider(name: str) -> Provider:
    everyone = (*DATA.dns_hosts, *DATA.email, *DATA.web)
    return next(p for p in everyone if p.name == name)


# --- the data ----------------------------------------------------------------------------------


def test_the_shipped_data_loads_and_every_entry_says_where_it_comes_from() -> None:
    assert len(DATA.dns_hosts) >= 20 and len(DATA.email) >= 20 and len(DATA.web) >= 25
    for entry in (*DATA.dns_hosts, *DATA.email, *DATA.web):
        assert entry.source, entry.name
        assert entry.hosts or entry.headers, entry.name
    assert {p.kind for p in DATA.web} == {"hosting", "cdn", "server"}
    assert {p.kind for p in DATA.email} == {"mailbox", "transactional", "relay"}
    assert builtin_providers() is DATA  # loaded once


# --- NS and MX hosts ---------------------------------------------------------------------------

NAMESERVERS = [
    ("ada.ns.cloudflare.com.", "Cloudflare"),
    ("Rob.NS.Cloudflare.com", "Cloudflare"),
    ("ns-1536.awsdns-00.co.uk.", "Amazon Route 53"),
    ("ns-512.awsdns-00.net", "Amazon Route 53"),
    ("ns-cloud-c2.googledomains.com.", "Google Cloud DNS"),
    ("ns3-08.azure-dns.org.", "Azure DNS"),
    ("ns1.digitalocean.com.", "DigitalOcean"),
    ("ns2.vercel-dns.com.", "Vercel DNS"),
    ("dns3.p05.nsone.net.", "Netlify DNS (NS1)"),
    ("ns51.domaincontrol.com.", "GoDaddy"),
    ("dns1.registrar-servers.com.", "Namecheap"),
    ("pdns1.registrar-servers.com.", "Namecheap"),
    ("ns-178-a.gandi.net.", "Gandi"),
    ("hydrogen.ns.hetzner.com.", "Hetzner"),
    ("helium.ns.hetzner.de.", "Hetzner"),
    ("dns10.ovh.net.", "OVHcloud"),
    ("curitiba.ns.porkbun.com.", "Porkbun"),
    ("ns1.dnsimple.com.", "DNSimple"),
    ("a1-64.akam.net.", "Akamai Edge DNS"),
    ("ns1045.ui-dns.de.", "IONOS"),
    # Lookalikes and strangers.
    ("ns.cloudflare.com.", None),
    ("ada.ns.cloudflare.com.attacker.test.", None),
    ("cloudflare.com.evil.test", None),
    ("ns-1.awsdns-1.com.evil", None),
    ("ns1.brightlane.test.", None),
    ("", None),
]


@pytest.mark.parametrize(("host", "expected"), NAMESERVERS)
def test_nameservers_name_their_dns_host(host: str, expected: str | None) -> None:
    found = identify_host(host, DATA.dns_hosts)
    assert (found.name if found else None) == expected


MAIL_EXCHANGERS = [
    ("aspmx.l.google.com.", "Google Workspace"),
    ("alt2.aspmx.l.google.com.", "Google Workspace"),
    ("aspmx3.googlemail.com.", "Google Workspace"),
    ("smtp.google.com.", "Google Workspace"),
    ("contoso-com.mail.protection.outlook.com.", "Microsoft 365"),
    ("contoso-com.o-v1.mx.microsoft.", "Microsoft 365"),
    ("mx.zoho.eu.", "Zoho Mail"),
    ("mx2.zoho.com.", "Zoho Mail"),
    ("in1-smtp.messagingengine.com.", "Fastmail"),
    ("mailsec.protonmail.ch.", "Proton Mail"),
    ("mx01.mail.icloud.com.", "iCloud Mail"),
    ("mxa.mailgun.org.", "Mailgun"),
    ("mxb.eu.mailgun.org.", "Mailgun"),
    ("mx.sendgrid.net.", "SendGrid"),
    ("inbound.postmarkapp.com.", "Postmark"),
    ("inbound-smtp.us-east-1.amazonaws.com.", "Amazon SES / WorkMail"),
    ("route2.mx.cloudflare.net.", "Cloudflare Email Routing"),
    ("eu-smtp-inbound-1.mimecast.com.", "Mimecast"),
    ("mx0a-00123456.pphosted.com.", "Proofpoint"),
    ("mailstore1.secureserver.net.", "GoDaddy Email"),
    ("mx1.postbird.example.", None),
    ("aspmx.l.google.com.attacker.test.", None),
    ("mail.brightlane.test.", None),
]


@pytest.mark.parametrize(("host", "expected"), MAIL_EXCHANGERS)
def test_mail_exchangers_name_their_provider(host: str, expected: str | None) -> None:
    found = identify_host(host, DATA.email)
    assert (found.name if found else None) == expected


def test_mx_records_are_read_best_preference_first() -> None:
    records = ["20 alt1.aspmx.l.google.com.", "10 ASPMX.L.Google.com.", "not an mx", "x y"]
    assert mx_hosts(records) == [(10, "aspmx.l.google.com"), (20, "alt1.aspmx.l.google.com")]
    assert mx_hosts(["0 ."]) == [(0, "")]  # RFC 7505 null MX


# --- response headers --------------------------------------------------------------------------

Headers = list[tuple[str, str]]
CF = [("Server", "cloudflare"), ("CF-RAY", "8a1b2c3d4e5f6a7b-LHR")]
RESPONSES: list[tuple[str, Headers, list[str], list[str], list[str]]] = [
    (
        "vercel",
        [
            ("server", "Vercel"),
            ("x-vercel-id", "fra1::iad1::abc12-1718000000000-4f1c"),
            ("x-vercel-cache", "MISS"),
        ],
        ["Vercel"],
        [],
        [],
    ),
    (
        "vercel behind cloudflare",
        [*CF, ("x-vercel-id", "fra1::iad1::abc12"), ("cf-cache-status", "DYNAMIC")],
        ["Vercel"],
        ["Cloudflare"],
        [],
    ),
    ("netlify", [("Server", "Netlify"), ("X-NF-Request-ID", "01J0ABCDEF")], ["Netlify"], [], []),
    (
        "fly",
        [
            ("server", "Fly/7f6e0a1 (2024-06-01)"),
            ("via", "1.1 fly.io"),
            ("fly-request-id", "01J0-ams"),
        ],
        ["Fly.io"],
        [],
        [],
    ),
    (
        "render, which serves through cloudflare",
        [*CF, ("rndr-id", "5c1e3f8a-7d2b-4e09"), ("x-render-origin-server", "uvicorn")],
        ["Render"],
        ["Cloudflare"],
        [],
    ),
    ("heroku legacy router", [("Server", "Cowboy"), ("Via", "1.1 vegur")], ["Heroku"], [], []),
    (
        "heroku router 2.0",
        [("Server", "Heroku"), ("Via", "1.1 heroku-router")],
        ["Heroku"],
        [],
        [],
    ),
    (
        "s3 behind cloudfront",
        [
            ("Server", "AmazonS3"),
            ("X-Amz-Cf-Id", "x1Y2z3=="),
            ("X-Amz-Cf-Pop", "LHR61-P1"),
            ("Via", "1.1 0a1b2c3d.cloudfront.net (CloudFront)"),
            ("X-Cache", "Hit from cloudfront"),
        ],
        ["Amazon S3"],
        ["Amazon CloudFront"],
        [],
    ),
    (
        "github pages through fastly",
        [
            ("Server", "GitHub.com"),
            ("X-GitHub-Request-Id", "A1B2:3C4D"),
            ("X-Served-By", "cache-lhr7321-LHR"),
            ("X-Fastly-Request-ID", "0f1e2d"),
        ],
        ["GitHub Pages"],
        ["Fastly"],
        [],
    ),
    (
        "cloud run",
        [("server", "Google Frontend"), ("x-cloud-trace-context", "105445aa7843bc8bf206b12/1")],
        ["Google Cloud"],
        [],
        [],
    ),
    (
        "app service behind front door",
        [
            ("x-azure-ref", "20240601T120000Z-abc"),
            ("Set-Cookie", "ARRAffinity=0a1b; Path=/; HttpOnly; Domain=example.azurewebsites.net"),
        ],
        ["Azure App Service"],
        ["Azure Front Door"],
        [],
    ),
    ("akamai", [("Server", "AkamaiGHost")], [], ["Akamai"], []),
    (
        "own server",
        [("Server", "nginx/1.18.0 (Ubuntu)"), ("X-Powered-By", "Express")],
        [],
        [],
        ["nginx"],
    ),
    ("apache", [("Server", "Apache/2.4.57 (Debian)")], [], [], ["Apache"]),
    ("caddy", [("Server", "Caddy")], [], [], ["Caddy"]),
    # Lookalikes: names and values that only resemble a fingerprint.
    ("server lookalike", [("Server", "Vercel-but-not")], [], [], []),
    ("header lookalike", [("X-Vercel-Idx", "1"), ("cf-ray-id", "2")], [], [], []),
    ("nothing", [], [], [], []),
]


@pytest.mark.parametrize(
    ("headers", "hosting", "cdn", "server"),
    [case[1:] for case in RESPONSES],
    ids=[case[0] for case in RESPONSES],
)
def test_response_headers_name_hosting_cdn_and_server(
    headers: Headers, hosting: list[str], cdn: list[str], server: list[str]
) -> None:
    site = read_site("www.example.com", "https://www.example.com/", 200, headers, DATA)
    assert [s.provider.name for s in site.hosting] == hosting
    assert [s.provider.name for s in site.cdn] == cdn
    assert [s.provider.name for s in site.server] == server


def test_hostile_header_values_are_data_cut_to_the_cap() -> None:
    escape = "\x1b]0;pwned\x07"
    headers = [("Server", f"{escape}Vercel"), ("X-Vercel-Id", escape + "A" * 100_000)]
    (sighting,) = header_sightings(headers, DATA.web)
    assert sighting.provider.name == "Vercel"  # by x-vercel-id; the spoofed Server is no match
    assert sighting.value.startswith(escape)  # kept as sent: showing it is clean()'s job
    assert len(sighting.value) == VALUE_CAP
    site = read_site("h", "https://h/", 200, headers, DATA)
    signs = site.evidence()["signs"]
    assert isinstance(signs, list) and len(signs) == 1
    assert isinstance(signs[0], str) and "\x1b" not in signs[0] and len(signs[0]) < 120


def test_a_header_flood_is_read_only_so_far() -> None:
    flood = [(f"x-filler-{i}", "x") for i in range(5000)]
    assert header_sightings([*flood, ("x-vercel-id", "1")], DATA.web) == ()
    assert header_sightings([("x-vercel-id", "1"), *flood], DATA.web)


# --- declared names ----------------------------------------------------------------------------

DECLARED = [
    ("Google Workspace", "Google Workspace", True),
    ("G Suite", "Google Workspace", True),
    ("GSuite", "Google Workspace", True),
    ("gmail", "Google Workspace", True),
    ("Google Workspace (Business Starter)", "Google Workspace", True),
    ("Microsoft 365", "Microsoft 365", True),
    ("Office 365", "Microsoft 365", True),
    ("office365", "Microsoft 365", True),
    ("Exchange Online", "Microsoft 365", True),
    ("Zoho", "Google Workspace", False),
    ("Vercel (Pro plan)", "Vercel", True),
    ("vercel", "Vercel DNS", True),
    ("Route53", "Amazon Route 53", True),
    ("AWS", "Amazon Route 53", True),
    ("Postbird", "Postmark", False),
    ("We do it ourselves", "DigitalOcean", False),
    ("", "Cloudflare", False),
]


@pytest.mark.parametrize(("declared", "name", "expected"), DECLARED)
def test_declared_values_match_names_and_aliases(declared: str, name: str, expected: bool) -> None:
    assert declared_as(declared, provider(name)) is expected


@pytest.mark.parametrize(
    ("declared", "host", "expected"),
    [
        ("Postbird", "mx1.postbird.example", True),
        ("Post Bird", "mx1.postbird.example.", True),
        ("Namewise", "ns1.namewise-dns.example", True),
        ("Acme Mail", "mx.acme.com", True),
        ("Mail", "mail.example.com", False),  # generic words never count
        ("Postbird", "mx1.example", False),
        ("ab", "ab.example", False),
        ("Postbird", "postbird", False),  # only a TLD
    ],
)
def test_named_after(declared: str, host: str, expected: bool) -> None:
    assert named_after(declared, host) is expected


# --- bad data ----------------------------------------------------------------------------------

GOOD_WEB = '[[web]]\nname = "V"\nrole = "hosting"\nsource = "s"\nheaders = [{ name = "x-v" }]\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = ", "p.toml: not valid TOML"),
        ("version = 2", "p.toml: version: expected 1, got 2"),
        ("version = 1\ncolour = 1", "p.toml: colour: unknown key"),
        ("version = 1\ndns_host = 3", "p.toml: dns_host: expected an array of tables"),
        (
            'version = 1\n[[dns_host]]\nsource = "s"\nns = ["a.b.com"]',
            "p.toml: dns_host[0].name: expected a non-empty string, got nothing",
        ),
        (
            'version = 1\n[[dns_host]]\nname = "X"\nns = ["a.b.com"]',
            "p.toml: dns_host[0].source: expected a non-empty string",
        ),
        (
            'version = 1\n[[dns_host]]\nname = "X"\nsource = "s"\nns = []',
            "p.toml: dns_host[0].ns: missing or empty",
        ),
        (
            'version = 1\n[[dns_host]]\nname = "X"\nsource = "s"\nns = ["*.NS.Example.com"]',
            "p.toml: dns_host[0].ns[0]: expected a lower-case host pattern",
        ),
        (
            'version = 1\n[[dns_host]]\nname = "X"\nsource = "s"\nns = ["a.b.com", "ns.*"]',
            "p.toml: dns_host[0].ns[1]: the last label must be fixed",
        ),
        (
            'version = 1\n[[dns_host]]\nname = "X"\nsource = "s"\nns = ["**.b.com"]',
            "p.toml: dns_host[0].ns[0]: expected a lower-case host pattern",
        ),
        (
            'version = 1\n[[dns_host]]\nname = "X"\nsource = "s"\nns = ["a.com"]\nkind = "x"',
            "p.toml: dns_host[0].kind: unknown key",
        ),
        (
            'version = 1\n[[email_provider]]\nname = "X"\nsource = "s"\nmx = ["a.com"]\n'
            'kind = "inbox"',
            "p.toml: email_provider[0].kind: expected one of mailbox, transactional, relay, "
            "got 'inbox'",
        ),
        (
            'version = 1\n[[email_provider]]\nname = "X"\nsource = "s"\nmx = ["a.com"]\n'
            "aliases = [1]",
            "p.toml: email_provider[0].aliases: expected an array of non-empty strings",
        ),
        (
            'version = 1\n[[web]]\nname = "X"\nsource = "s"\nheaders = [{ name = "x" }]',
            "p.toml: web[0].role: expected one of hosting, cdn, server, got None",
        ),
        (
            'version = 1\n[[web]]\nname = "X"\nrole = "cdn"\nsource = "s"\n'
            'headers = [{ name = "server", equals = "a", contains = "b" }]',
            "p.toml: web[0].headers[0]: give at most one of equals, starts_with, contains",
        ),
        (
            'version = 1\n[[web]]\nname = "X"\nrole = "cdn"\nsource = "s"\n'
            'headers = [{ name = "bad header" }]',
            "p.toml: web[0].headers[0].name: not a header name: 'bad header'",
        ),
        (
            'version = 1\n[[web]]\nname = "X"\nrole = "cdn"\nsource = "s"\n'
            'headers = [{ name = "x", matches = "y" }]',
            "p.toml: web[0].headers[0].matches: unknown key",
        ),
        (
            'version = 1\n[[web]]\nname = "X"\nrole = "cdn"\nsource = "s"\nheaders = ["x"]',
            "p.toml: web[0].headers[0]: expected a table",
        ),
        (f"version = 1\n{GOOD_WEB}{GOOD_WEB}", "p.toml: web: provider listed twice: V"),
    ],
)
def test_bad_data_is_a_clear_error_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(CheckError) as caught:
        parse_providers(text, "p.toml")
    assert caught.value.title == "Bad provider data"
    assert str(caught.value).startswith(message), str(caught.value)


def test_good_data_parses() -> None:
    parsed = parse_providers(f"version = 1\n{GOOD_WEB}", "p.toml")
    assert parsed.dns_hosts == () and parsed.email == ()
    assert [(p.name, p.kind) for p in parsed.web] == [("V", "hosting")]


# --- verdicts ----------------------------------------------------------------------------------


def answer(rdtype: str, *records: str) -> DnsAnswer:
    return DnsAnswer("example.com", rdtype, records, 300, "example.com")


def failure(rdtype: str, kind: DnsFailureKind) -> DnsFailure:
    return DnsFailure("example.com", rdtype, kind, f"example.com {rdtype}: {kind.value}")


CLOUDFLARE_NS = answer("NS", "ada.ns.cloudflare.com.", "rob.ns.cloudflare.com.")


def brief(verdict: Verdict) -> tuple[Status, str, str]:
    return verdict.status, verdict.detected, verdict.summary


def test_dns_host_verdicts() -> None:
    assert brief(judge_dns("cloudflare", CLOUDFLARE_NS, DATA)) == (
        Status.PASS,
        "Cloudflare",
        "DNS host: Cloudflare (NS ada.ns.cloudflare.com)",
    )
    assert judge_dns("Cloudflare", CLOUDFLARE_NS, DATA).evidence() == {
        "declared": "Cloudflare",
        "detected": "Cloudflare",
        "source": "NS ada.ns.cloudflare.com",
        "status": "pass",
        "summary": "DNS host: Cloudflare (NS ada.ns.cloudflare.com)",
        "matched_by": "fingerprint",
    }
    assert brief(judge_dns("", CLOUDFLARE_NS, DATA))[2] == (
        "DNS host: Cloudflare (not declared; NS ada.ns.cloudflare.com)"
    )
    route53 = answer("NS", "ns-512.awsdns-00.net.", "ns-1536.awsdns-00.co.uk.")
    assert brief(judge_dns("Cloudflare", route53, DATA)) == (
        Status.WARN,
        "Amazon Route 53",
        "DNS host: declared Cloudflare, detected Amazon Route 53 (NS ns-1536.awsdns-00.co.uk)",
    )
    mixed = answer("NS", "ada.ns.cloudflare.com.", "ns-512.awsdns-00.net.")
    status, detected, summary = brief(judge_dns("Cloudflare", mixed, DATA))
    assert (status, detected) == (Status.WARN, "Cloudflare, Amazon Route 53")
    assert summary.startswith("DNS host: declared Cloudflare, detected Cloudflare + Amazon Route")
    # A known provider declared, nameservers that are not its: a mismatch.
    other = answer("NS", "ns1.namewise-dns.example.", "ns2.namewise-dns.example.")
    assert brief(judge_dns("Cloudflare", other, DATA)) == (
        Status.WARN,
        "namewise-dns.example",
        "DNS host: declared Cloudflare, detected namewise-dns.example (NS "
        "ns1.namewise-dns.example, ns2.namewise-dns.example, not Cloudflare's)",
    )
    # An unknown provider named like the declared one passes, weakly.
    named = judge_dns("Namewise", other, DATA)
    assert (named.status, named.matched_by) == (Status.PASS, "name")
    # An unknown provider declared, unknown nameservers: nothing to conclude.
    assert judge_dns("BIND on our VPS", other, DATA).status is Status.SKIPPED
    own = answer("NS", "ns1.example.com.", "ns2.example.com.")
    assert brief(judge_dns("", own, DATA, apex="example.com"))[2] == (
        "DNS host: self-hosted (NS ns1.example.com, ns2.example.com), not a provider the "
        "fingerprints know"
    )
    assert judge_dns("Cloudflare", own, DATA, apex="example.com").detected == "self-hosted"
    assert judge_dns("x", failure("NS", DnsFailureKind.NXDOMAIN), DATA).status is Status.SKIPPED
    broken = judge_dns("x", failure("NS", DnsFailureKind.SERVFAIL), DATA)
    assert broken.status is Status.ERROR and broken.summary.startswith("DNS host: NS lookup failed")
    assert judge_dns("x", None, DATA).status is Status.SKIPPED


GOOGLE_MX = answer("MX", "1 aspmx.l.google.com.", "5 alt1.aspmx.l.google.com.")


def test_email_verdicts() -> None:
    assert brief(judge_email("G Suite", GOOGLE_MX, DATA)) == (
        Status.PASS,
        "Google Workspace",
        "Email: Google Workspace (MX aspmx.l.google.com)",
    )
    status, detected, summary = brief(judge_email("SendGrid", GOOGLE_MX, DATA))
    assert (status, detected) == (Status.WARN, "Google Workspace")
    assert summary == (
        "Email: declared SendGrid, detected Google Workspace (MX aspmx.l.google.com); "
        "SendGrid mainly sends mail, so both may be in use: record both"
    )
    split = answer("MX", "10 smtp.google.com.", "20 mxa.mailgun.org.")
    assert judge_email("Mailgun", split, DATA).summary.endswith(
        "; Mailgun only at a lower preference; Mailgun mainly sends mail, so both may be in use: "
        "record both"
    )
    gateway = answer(
        "MX", "10 eu-smtp-inbound-1.mimecast.com.", "10 eu-smtp-inbound-2.mimecast.com."
    )
    hidden = judge_email("Microsoft 365", gateway, DATA)
    assert hidden.status is Status.SKIPPED
    assert hidden.summary.startswith("Email: mail passes through Mimecast first")
    behind = answer(
        "MX", "10 eu-smtp-inbound-1.mimecast.com.", "20 contoso-com.mail.protection.outlook.com."
    )
    assert judge_email("Office 365", behind, DATA).status is Status.PASS
    assert judge_email("", gateway, DATA).detected == "Mimecast"
    postbird = answer("MX", "10 mx1.postbird.example.", "20 mx2.postbird.example.")
    by_name = judge_email("Postbird", postbird, DATA)
    assert (by_name.status, by_name.detected, by_name.matched_by) == (
        Status.PASS,
        "Postbird",
        "name",
    )
    assert judge_email("Google Workspace", postbird, DATA).status is Status.WARN
    null = judge_email("Google Workspace", answer("MX", "0 ."), DATA)
    assert null.status is Status.SKIPPED and "null MX" in null.summary
    assert judge_email("", failure("MX", DnsFailureKind.NODATA), DATA).status is Status.SKIPPED
    assert judge_email("", failure("MX", DnsFailureKind.TIMEOUT), DATA).status is Status.ERROR


def site(host: str, *headers: tuple[str, str], canonical: bool = False, status: int = 200) -> Site:
    return read_site(host, f"https://{host}/", status, list(headers), DATA, canonical=canonical)


VERCEL_BEHIND_CF = site("www.example.com", *CF, ("x-vercel-id", "fra1::abc"), canonical=True)


def test_hosting_verdicts() -> None:
    assert brief(judge_hosting("Vercel", [VERCEL_BEHIND_CF])) == (
        Status.PASS,
        "Vercel",
        "Hosting: Vercel (www.example.com: x-vercel-id: fra1::abc)",
    )
    assert brief(judge_hosting("", [VERCEL_BEHIND_CF]))[2] == (
        "Hosting: Vercel (not declared; www.example.com: x-vercel-id: fra1::abc)"
    )
    netlify = site("www.example.com", ("server", "Netlify"), canonical=True)
    assert brief(judge_hosting("Vercel", [netlify])) == (
        Status.WARN,
        "Netlify",
        "Hosting: declared Vercel, detected Netlify on www.example.com (server: Netlify)",
    )
    render = site("admin.example.com", *CF, ("rndr-id", "5c1e"))
    assert brief(judge_hosting("Vercel", [VERCEL_BEHIND_CF, render])) == (
        Status.WARN,
        "Vercel, Render",
        "Hosting: declared Vercel, detected Render on admin.example.com (rndr-id: 5c1e); "
        "Vercel confirmed on www.example.com",
    )
    # A CDN hides the platform: not a mismatch.
    hidden = site("www.example.com", *CF, canonical=True)
    assert brief(judge_hosting("Vercel", [hidden])) == (
        Status.SKIPPED,
        "",
        "Hosting: hidden behind Cloudflare on www.example.com (cf-ray: 8a1b2c3d4e5f6a7b-LHR): "
        "cannot confirm Vercel",
    )
    # ...unless another host lets the platform show.
    app = site("app.example.com", ("x-vercel-id", "1"))
    assert judge_hosting("Vercel", [hidden, app]).status is Status.PASS
    own = site("www.example.com", ("Server", "nginx/1.24.0"), canonical=True)
    assert judge_hosting("DigitalOcean", [own]).status is Status.SKIPPED
    gone = Site("www.example.com", "https://www.example.com/", None, failure="refused")
    assert judge_hosting("Vercel", [gone]).summary == "Hosting: no host answered over HTTP"


def test_cdn_verdicts() -> None:
    assert brief(judge_cdn([VERCEL_BEHIND_CF])) == (
        Status.PASS,
        "Cloudflare",
        "CDN: Cloudflare in front (www.example.com: cf-ray: 8a1b2c3d4e5f6a7b-LHR)",
    )
    plain = site("www.example.com", ("server", "Vercel"), canonical=True)
    assert brief(judge_cdn([plain])) == (Status.SKIPPED, "", "CDN: no CDN in front of any host")


def test_detected_values_fold_into_the_stack() -> None:
    evidence = {
        "dns_host": judge_dns("Cloudflare", CLOUDFLARE_NS, DATA).evidence(),
        "email_provider": judge_email("", failure("MX", DnsFailureKind.NODATA), DATA).evidence(),
        "hosting": judge_hosting("Vercel", [VERCEL_BEHIND_CF]).evidence(),
        "cdn": judge_cdn([VERCEL_BEHIND_CF]).evidence(),
    }
    result = CheckResult("audit.stack", "", Status.PASS, Severity.MEDIUM, "", evidence)
    before = Stack(
        dns_host=StackItem("Cloudflare"),
        email_provider=StackItem("Postbird", "Postbird"),
        hosting=StackItem("Vercel"),
    )
    after = detected_stack(before, result)
    assert after.dns_host == StackItem("Cloudflare", "Cloudflare")
    assert after.email_provider == StackItem("Postbird", "Postbird")  # nothing new: kept
    assert after.hosting == StackItem("Vercel", "Vercel")
    assert after.database == StackItem()
