"""What well-known sending providers publish: their SPF include and default DKIM selectors.

Used to check that the session's email provider is really authorized (its include passes
``check_host``) and to know which DKIM selectors to look at when the session names none.
Sources are the providers' own setup guides; a selector list is a starting point, not proof.
"""

from __future__ import annotations

from dataclasses import dataclass


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
