"""Email authentication checks: SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489), MX and the
policies published beside them (null MX, MTA-STS, TLS-RPT), and verification of a real message.

Every DNS query goes through the session's resolver (``launch_tui.net.Resolver``), so the same
code runs against the internet and against the sandbox's DNS on loopback. Record text comes
from the network: it is parsed as data and sanitized before it reaches evidence.
"""
