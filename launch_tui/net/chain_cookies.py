"""Cookies set during one redirect chain, sent on its later hops as a browser would.

Built only when a redirect answer sets a cookie (most chains never need one), and dropped with
the fetch: nothing is kept between two fetches, so checks cannot influence each other. The
domain, path, Secure and expiry rules are the standard library's (``http.cookiejar``).
"""

from __future__ import annotations

import email.message
import urllib.request
from http.cookiejar import CookieJar

from launch_tui.net.results import Headers


class _Answer:
    """The one method ``CookieJar.extract_cookies`` asks of a response."""

    def __init__(self, headers: Headers) -> None:
        self._message = email.message.Message()
        for name, value in headers:
            self._message[name] = value

    def info(self) -> email.message.Message:
        return self._message


class ChainCookies:
    """The cookie jar of one fetch's redirect chain."""

    def __init__(self) -> None:
        self._jar = CookieJar()

    def extract(self, url: str, headers: Headers) -> None:
        """Keep the cookies ``headers`` (an answer from ``url``) set; a mangled one is skipped."""
        # Only a Request object for the jar's rules: nothing is opened (and url is http(s)).
        request = urllib.request.Request(url)  # noqa: S310
        self._jar.extract_cookies(_Answer(headers), request)  # type: ignore[arg-type]

    def header_for(self, url: str) -> str | None:
        """The ``Cookie`` header to send to ``url``, if any cookie applies."""
        request = urllib.request.Request(url)  # noqa: S310
        self._jar.add_cookie_header(request)
        return request.get_header("Cookie")
