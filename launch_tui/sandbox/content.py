"""Response bodies from route data: generated HTML pages, JSON, text."""

from __future__ import annotations

import html
import json

from launch_tui.sandbox.world import Page, RouteSpec


def render_page(page: Page) -> str:
    """An HTML page. The title goes in verbatim (hostile worlds inject markup through it);
    URLs are attribute-escaped so a page stays well-formed."""
    head = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{page.title}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
    ]
    head += [f'<link rel="stylesheet" href="{_attr(s)}">' for s in page.stylesheets]
    head += [f'<script src="{_attr(s)}"></script>' for s in page.head_scripts]
    head.append("</head>")
    body = ["<body>", '<div id="__next">', f"<h1>{html.escape(page.title)}</h1>"]
    if page.text:
        body.append(f"<p>{html.escape(page.text)}</p>")
    body += [f'<img src="{_attr(src)}" alt="">' for src in page.images]
    body.append("</div>")
    body += [f'<script src="{_attr(s)}" defer></script>' for s in page.scripts]
    if page.padding_kb:
        body.append("<!-- " + "x" * (page.padding_kb * 1024) + " -->")
    body += ["</body>", "</html>", ""]
    return "\n".join(head + body)


def route_body(route: RouteSpec) -> tuple[bytes, str]:
    """The body bytes and content type of a route's normal response."""
    if route.page is not None:
        data = render_page(route.page).encode()
        kind = "text/html; charset=utf-8"
    elif route.json is not None:
        data = json.dumps(route.json, indent=2).encode()
        kind = "application/json"
    elif route.body:
        data = route.body.encode()
        kind = "text/plain; charset=utf-8"
    else:
        data, kind = b"", ""
    return data, route.content_type or kind


def not_found_page(host: str, path: str) -> bytes:
    return (
        "<!doctype html><html><head><title>404 Not Found</title></head><body>"
        f"<h1>Not Found</h1><p>{html.escape(path)} is not on {html.escape(host)}.</p>"
        "</body></html>\n"
    ).encode()


def _attr(value: str) -> str:
    return html.escape(value, quote=True)
