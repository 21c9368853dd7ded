"""What well-known sending providers publish: their SPF include and default DKIM selectors.

Used to check that the session's email provider is really authorized (its include passes
``check_host``) and to know which DKIM selectors to look at when the session names none.
Sources are the providers' own setup guides; a selector list is a starting point, not proof.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from launch_tui.checks.parse.spf import SpfSyntaxError, is_spf_record, parse_record
from launch_tui.net import DnsAnswer, Resolver

if TYPE_CHECKING:
    from launch_tui.checks.engine.context import CheckContext


@dataclass(frozen=True)
class Sender:
    """One sending provider."""

    name: str
    aliases: tuple[str, ...]
    """Lower-case words that name it in a session's stack (``"google workspace"``, ``"gmail"``)."""
    spf_include: str
    """The domain its setup guide tells customers to ``include:``."""
    dkim_selectors: tuple[str, ...]
    """Selectors it signs with by default."""


SENDERS: tuple[Sender, ...] = (
    Sender("Google Workspace", ("google", "gmail", "workspace"), "_spf.google.com", ("google",)),
    Sender(
        "Microsoft 365",
        ("microsoft", "office 365", "outlook", "exchange online"),
        "spf.protection.outlook.com",
        ("selector1", "selector2"),
    ),
    Sender("SendGrid", ("sendgrid", "twilio sendgrid"), "sendgrid.net", ("s1", "s2")),
    Sender("Mailgun", ("mailgun",), "mailgun.org", ("mx", "k1", "smtp")),
    Sender("Postmark", ("postmark",), "spf.mtasv.net", ("pm",)),
    Sender("Amazon SES", ("ses", "amazon ses", "aws ses"), "amazonses.com", ()),
    Sender("Resend", ("resend",), "amazonses.com", ("resend",)),
    Sender(
        "Mailchimp Transactional",
        ("mandrill", "mailchimp"),
        "spf.mandrillapp.com",
        ("mte1", "mte2"),
    ),
    Sender("Brevo", ("brevo", "sendinblue"), "spf.brevo.com", ("mail",)),
)


def find_sender(name: str) -> Sender | None:
    """The provider a session's stack entry names, or ``None``."""
    wanted = name.strip().casefold()
    if not wanted:
        return None
    for sender in SENDERS:
        if wanted == sender.name.casefold() or any(alias in wanted for alias in sender.aliases):
            return sender
    return None


def senders_in_record(includes: list[str]) -> list[Sender]:
    """Providers whose include appears among ``includes`` (stack detection from SPF)."""
    found = {i.lower().rstrip(".") for i in includes}
    return [s for s in SENDERS if s.spf_include in found]


@dataclass(frozen=True)
class SendingSign:
    """Evidence that a provider sends a domain's mail."""

    sender: Sender
    source: str
    """What shows it: ``SPF include:spf.mtasv.net`` or ``DKIM key at pm._domainkey``."""


def sending_signs(
    includes: list[str], keyed_selectors: list[str], declared: str
) -> list[SendingSign]:
    """Providers that send the domain's mail, from its SPF includes and from DKIM keys published
    at selectors: a selector counts for the declared provider when it is one of its defaults
    (``pm`` for Postmark), and for another provider only when that default is its alone."""
    signs = [
        SendingSign(sender, f"SPF include:{sender.spf_include}")
        for sender in senders_in_record(includes)
    ]
    wanted = find_sender(declared)
    for selector in keyed_selectors:
        owners = [s for s in SENDERS if selector in s.dkim_selectors]
        if wanted is not None and wanted in owners:
            owner: Sender | None = wanted
        else:
            owner = owners[0] if len(owners) == 1 else None
        if owner is not None and all(sign.sender != owner for sign in signs):
            signs.append(SendingSign(owner, f"DKIM key at {selector}._domainkey"))
    return signs


async def find_senders(ctx: CheckContext, resolver: Resolver, apex: str) -> list[SendingSign]:
    """Who sends ``apex``'s mail: the SPF record's includes (and redirect), and DKIM keys at the
    session's selectors and the declared provider's default ones."""
    declared = ctx.session.stack.email_provider.declared
    wanted = find_sender(declared)
    selectors = list(
        dict.fromkeys(
            [*ctx.session.targets.dkim_selectors, *(wanted.dkim_selectors if wanted else ())]
        )
    )
    txt, *keys = await asyncio.gather(
        resolver.resolve(apex, "TXT"),
        *(resolver.resolve(f"{s}._domainkey.{apex}", "TXT") for s in selectors),
    )
    includes: list[str] = []
    if isinstance(txt, DnsAnswer):
        for text in txt.txt:
            if not is_spf_record(text):
                continue
            try:
                record = parse_record(text)
            except SpfSyntaxError:
                continue
            includes += [
                m.domain_spec for m in record.mechanisms if m.name == "include" and m.domain_spec
            ]
            if record.redirect:
                includes.append(record.redirect)
    keyed = [
        s
        for s, answer in zip(selectors, keys, strict=True)
        if isinstance(answer, DnsAnswer) and any("p=" in t for t in answer.txt)
    ]
    return sending_signs(includes, keyed, declared)
