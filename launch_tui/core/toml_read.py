"""Reading TOML text: tomli's compiled build, or the standard library's tomllib without it.

Both are one parser (Python 3.11's tomllib is tomli, vendored) with the same results, errors and
messages. tomli's wheel is compiled with mypyc and parses three to four times faster, and parsing
was most of the time it takes to open a session or load the playbook.
"""

from __future__ import annotations

try:
    from tomli import TOMLDecodeError, loads
except ImportError:  # pragma: no cover - tomli is a dependency; without it, the same in Python
    from tomllib import TOMLDecodeError, loads  # type: ignore[assignment]

__all__ = ["TOMLDecodeError", "loads"]
