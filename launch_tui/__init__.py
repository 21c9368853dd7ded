"""launch-tui: run a 48-hour launch-readiness sprint from the terminal."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("launch-tui")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
