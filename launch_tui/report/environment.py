"""The two Jinja environments: HTML (autoescaped) and Markdown (escaped by filters).

* HTML: ``autoescape=True`` for every template whatever its file name, so a data value can never
  become markup. ``url`` gives an http(s) link target or ``""``.
* Markdown: autoescape off (HTML entities would show literally), and the filters of
  :mod:`launch_tui.report.escaping`: ``text``, ``code``, ``link(url)``, ``para``, ``block``, plus
  ``weblink`` for a link view (a link when its ``href`` is set, else code). The
  ``finalize`` hook escapes anything printed without one, and ``e``/``escape`` are the Markdown
  escape, so forgetting a filter never lets data turn into Markdown structure. A macro's output
  is already escaped: print it with ``|safe`` so it is not escaped twice.

Both use ``StrictUndefined``: a misspelt name in a template is an error naming the template and
line, not a silently empty cell. Templates are looked up first in the ``--templates`` folder,
then in the shipped ``templates/`` folder, so any one of them can be overridden by name.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

import launch_tui
from launch_tui.core.errors import ReportError
from launch_tui.report import escaping

__all__ = ["Format", "builtin_templates_dir", "make_environment"]

Format = Literal["md", "html"]


def builtin_templates_dir() -> Path:
    """The shipped templates: ``launch_tui/templates`` in a wheel, ``templates/`` in a checkout."""
    package = Path(launch_tui.__file__).resolve().parent
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / "report.md.j2").is_file():
            return candidate
    raise ReportError(
        f"the report templates are missing: looked in {package / 'templates'} and "
        f"{package.parent / 'templates'}",
        title="Report templates not found",
    )


def _md_finalize(value: object) -> object:
    # Macro output comes back through finalize too; macros are printed with |safe (Markup).
    if isinstance(value, Markup):
        return str(value)
    return escaping.md_finalize(value)


def _md_weblink(view: object) -> escaping.Md:
    # A link view (``text``, ``href``): a Markdown link when href is set, else the text as code.
    text = getattr(view, "text", "")
    href = getattr(view, "href", "")
    return escaping.md_link(text, href) if href else escaping.md_code(text)


def _search_path(templates_dir: Path | None) -> list[str]:
    paths = []
    if templates_dir is not None:
        if not templates_dir.is_dir():
            raise ReportError(
                f"--templates {templates_dir}: not a folder", title="Report templates not found"
            )
        paths.append(str(templates_dir))
    paths.append(str(builtin_templates_dir()))
    return paths


def make_environment(fmt: Format, templates_dir: Path | None = None) -> Environment:
    """The environment for ``fmt``, looking in ``templates_dir`` before the shipped templates.

    Environments are cached per (format, folder): templates compile once, and Jinja's own
    up-to-date check still picks up edits to template files.
    """
    resolved = templates_dir.resolve() if templates_dir is not None else None
    return _environment(fmt, resolved, tuple(_search_path(resolved)))


@lru_cache(maxsize=16)
def _environment(fmt: Format, templates_dir: Path | None, paths: tuple[str, ...]) -> Environment:
    del templates_dir  # part of the cache key only
    loader = ChoiceLoader([FileSystemLoader(p, encoding="utf-8") for p in paths])
    common = {
        "loader": loader,
        "undefined": StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
    }
    if fmt == "html":
        env = Environment(autoescape=True, **common)  # type: ignore[arg-type]
        env.filters["url"] = escaping.safe_url
        return env
    env = Environment(autoescape=False, finalize=_md_finalize, **common)  # type: ignore[arg-type]  # noqa: S701 - Markdown is escaped by finalize and filters
    env.filters.update(
        {
            "text": escaping.md_text,
            "code": escaping.md_code,
            "link": escaping.md_link,
            "weblink": _md_weblink,
            "para": escaping.md_para,
            "block": escaping.md_block,
            "url": escaping.safe_url,
            "e": escaping.md_text,
            "escape": escaping.md_text,
            "forceescape": escaping.md_text,
            # tojson gives Markup, which finalize would pass through: show JSON as code instead.
            "tojson": lambda value: escaping.md_code(json.dumps(value, default=str)),
        }
    )
    return env
