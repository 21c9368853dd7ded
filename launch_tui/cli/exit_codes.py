"""Exit codes of every ``launch-tui`` command, documented in the README.

They let CI tell "the product has findings" apart from "you called it wrong" and "the tool broke".
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    FINDINGS = 1
    """``check``: a failing check at or above ``--fail-on`` that no accepted risk covers."""
    USAGE = 2
    """Wrong arguments or option values (argparse uses 2 as well)."""
    FILE = 3
    """A session or playbook file that cannot be read, parsed, validated, locked or saved."""
    TOOL = 4
    """The tool itself failed: network layer, check engine, report rendering, keyring."""
    INTERRUPTED = 130
