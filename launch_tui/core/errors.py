"""Errors a user can cause, each with a title and a message fit to show as is.

The tree::

    LaunchError                 base: ``title`` (a few words) and ``message`` (one line)
    ├── UsageError              wrong command-line arguments or option values
    ├── PlaybookError           a playbook file that does not parse or validate
    ├── SessionError            anything about one session file (``path``)
    │   ├── SessionParseError   not valid TOML (``line``, ``column``)
    │   ├── SessionValidationError  valid TOML, wrong content (``key``, ``line``, ``column``)
    │   ├── SessionLockedError    another process holds the session's lock
    │   ├── SessionReadOnlyError  a write on a session opened read-only
    │   └── SessionSaveError    the save failed (disk full, permissions); the old file is intact
    ├── NetworkError            transport failures outside a check (checks make them results)
    ├── CheckError              the check engine was misused (unknown check id, bad selection)
    ├── ReportError             a template failed to load or render
    └── SecretStoreError        no usable keyring backend, or a reference that resolves to nothing

The CLI maps each family to an exit code and prints ``title: message``; the TUI shows the same two
strings in its error modal. No subclass ever carries a secret's value.
"""

from __future__ import annotations

from pathlib import Path


class LaunchError(Exception):
    """Base of every error meant for a person rather than a traceback."""

    title: str = "Error"

    def __init__(self, message: str, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message

    def one_line(self) -> str:
        """``Title: message`` on one line, as the CLI prints it."""
        text = f"{self.title}: {self.message}"
        return " ".join(text.split())


class UsageError(LaunchError):
    title = "Usage error"


class PlaybookError(LaunchError):
    title = "Bad playbook"


class SessionError(LaunchError):
    title = "Session error"

    def __init__(self, message: str, path: Path | str, title: str | None = None) -> None:
        super().__init__(message, title)
        self.path = Path(path)


class SessionParseError(SessionError):
    title = "Session file is not valid TOML"

    def __init__(self, message: str, path: Path | str, line: int, column: int) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}", path)
        self.line = line
        self.column = column
        self.reason = message


class SessionValidationError(SessionError):
    title = "Session file has a wrong value"

    def __init__(
        self, reason: str, path: Path | str, key: str, line: int = 0, column: int = 0
    ) -> None:
        where = f"{path}:{line}:{column}" if line else str(path)
        super().__init__(f"{where}: {key}: {reason}", path)
        self.key = key
        self.line = line
        self.column = column
        self.reason = reason


class SessionLockedError(SessionError):
    title = "Session is open elsewhere"


class SessionReadOnlyError(SessionError):
    title = "Session is read-only"


class SessionSaveError(SessionError):
    title = "Could not save session"


class NetworkError(LaunchError):
    title = "Network error"


class CheckError(LaunchError):
    title = "Check error"


class ReportError(LaunchError):
    title = "Report error"


class SecretStoreError(LaunchError):
    title = "Secret store unavailable"
