"""Session files: locate, create, open, save, list and load them, without losing work.

The public surface of the store; the modules behind it are private::

    sessions_dir(explicit, env, cwd) -> Path        where session files live
    session_path(folder, slug) -> Path               <folder>/<slug>.toml
    create_session(path, session) -> SessionHandle   a new commented file, open for writing
    open_session(path) -> SessionHandle              parse, migrate, validate, lock
    SessionHandle.session / .save(session) / .close()
    load_session(path) -> Session                    read only, no lock
    list_sessions(folder) -> list[SessionSummary]    never broken by one bad file
    cleanup_temp_files(folder)                       tidy after interrupted saves

Errors are ``SessionError`` subclasses from :mod:`launch_tui.core.errors`.
"""

from launch_tui.core.factory import slugify
from launch_tui.store.atomic import REAL_FILE_OPS, FileOps
from launch_tui.store.locations import SESSIONS_ENV, session_path, sessions_dir
from launch_tui.store.lock import LockOwner
from launch_tui.store.migrate import MIGRATIONS, Migration
from launch_tui.store.session_handle import SessionHandle
from launch_tui.store.session_listing import SessionSummary, list_sessions
from launch_tui.store.session_store import (
    IfLocked,
    cleanup_temp_files,
    create_session,
    load_session,
    open_session,
)

__all__ = [
    "MIGRATIONS",
    "REAL_FILE_OPS",
    "SESSIONS_ENV",
    "FileOps",
    "IfLocked",
    "LockOwner",
    "Migration",
    "SessionHandle",
    "SessionSummary",
    "cleanup_temp_files",
    "create_session",
    "list_sessions",
    "load_session",
    "open_session",
    "session_path",
    "sessions_dir",
    "slugify",
]
