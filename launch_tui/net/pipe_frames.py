"""Length-prefixed pickles between this process and a child it spawned, over the child's pipes.

Used by the sampling process (:mod:`launch_tui.net.sampler_process`) and the check process
(:mod:`launch_tui.checks.engine.run_process`). Only ever between a parent and the child it
started with ``python -m``: nothing that came from the network is unpickled here, only the
messages one side wrote for the other (tuples of our own types).

A frame is a 4-byte big-endian length, then that many bytes of pickle. :func:`read_frame`
returns ``None`` at the end of the stream (the other side closed or died), also mid-frame, and
raises :class:`pickle.UnpicklingError` on a frame that is not one of ours.
"""

from __future__ import annotations

import pickle  # only between this process and the child it spawned (see above)
import struct
from typing import IO, Any

_HEADER = struct.Struct("!I")


def write_frame(stream: IO[bytes], message: tuple[Any, ...]) -> None:
    """Write ``message`` as one frame and flush it."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> tuple[Any, ...] | None:
    """The next frame's message; ``None`` when the stream ended before a whole frame."""
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    message = pickle.loads(data)  # noqa: S301 - written by our own parent or child (see above)
    if not isinstance(message, tuple):
        raise pickle.UnpicklingError(f"a frame holds a tuple, not {type(message).__name__}")
    return message
