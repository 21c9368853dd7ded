"""What every screen of the app shares: typed access to the app and its open session."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.screen import Screen

from launch_tui.core.model import Session
from launch_tui.tui.commands import APP

if TYPE_CHECKING:
    from launch_tui.tui.app import LaunchApp


class LaunchScreen(Screen[None]):
    """A screen of :class:`~launch_tui.tui.app.LaunchApp`."""

    SCOPE: ClassVar[str] = APP
    """Which commands (see :mod:`launch_tui.tui.commands`) apply on this screen."""
    STACK_BASE: ClassVar[bool] = False
    """True for the screens overlays are pushed onto (home, stage): switching stages pops
    everything above them."""

    def on_screen_resume(self) -> None:
        # Called besides a subclass's own handler (Textual walks the class hierarchy). Once
        # the first screen is on the terminal, the app starts its background loading.
        self.call_after_refresh(self.launch.first_screen_painted)

    @property
    def launch(self) -> LaunchApp:
        """The app, typed."""
        return cast("LaunchApp", self.app)

    @property
    def session(self) -> Session:
        """The open session (screens that need one are only shown while one is open)."""
        controller = self.launch.controller
        if controller is None:
            raise RuntimeError("no session is open")
        return controller.session
