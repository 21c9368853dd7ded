"""Session <-> plain data, the schema of a session file, with strict validation. No I/O.

:func:`session_to_data` turns a :class:`~launch_tui.core.model.Session` into plain values TOML can
hold (``str``, ``int``, ``float``, ``bool``, ``date``, ``datetime``, lists and dicts); ``None``
values are left out because TOML has no null. :func:`session_from_data` does the reverse and
refuses anything that does not fit, raising :class:`CodecError` with the dotted key path of the
offending value (``people[2].id``, ``stages.deliverz``) and a reason that says what was expected
and what was found. Unknown keys are ignored here; the store keeps them in the file.

:data:`ARRAYS` and :data:`STAGE_DEFAULTS` describe the arrays of tables for the store's in-place
updates: how entries are identified (people by ``id``, results by ``(check, target)``...) and
which values a new entry can leave out because they are the defaults.

The work is done in :mod:`~launch_tui.core.session_encode`, :mod:`~launch_tui.core.session_decode`
(reading with :mod:`~launch_tui.core.session_table`) and :mod:`~launch_tui.core.session_schema`;
this module is their public surface.
"""

from __future__ import annotations

from launch_tui.core.session_decode import result_from_data, session_from_data
from launch_tui.core.session_encode import result_to_data, session_to_data
from launch_tui.core.session_schema import ARRAYS, STAGE_DEFAULTS, ArraySpec, CodecError
from launch_tui.core.toml_schema import join_key

__all__ = [
    "ARRAYS",
    "STAGE_DEFAULTS",
    "ArraySpec",
    "CodecError",
    "join_key",
    "result_from_data",
    "result_to_data",
    "session_from_data",
    "session_to_data",
]
