"""The command palette's view of the one list of commands (:mod:`launch_tui.tui.commands`).

It offers the commands of the active screen's scope plus the app's and runs them exactly as their
keys would; a stage key is named after its stage ("Stage 7: Hand over").
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from launch_tui.tui.commands import APP, GOTO_ACTION, Command, commands_for, key_label, screen_scope


class CommandsProvider(Provider):
    """The command palette's view of :data:`COMMANDS` for the active screen."""

    def _candidates(self) -> Iterable[Command]:
        scope = screen_scope(self.screen)
        return (c for c in commands_for(scope, APP) if c.in_palette)

    def _keymap(self) -> dict[str, str]:
        keymap = getattr(self.app, "user_keymap", {})
        return dict(keymap) if isinstance(keymap, dict) else {}

    async def _run(self, cmd: Command) -> None:
        await self.screen.run_action(cmd.action)

    def _description(self, cmd: Command) -> str:
        """The palette's name for ``cmd``: a stage key names its stage ("Stage 7: Handover")."""
        match = GOTO_ACTION.fullmatch(cmd.action)
        playbook = getattr(self.app, "playbook", None)
        if match is None or playbook is None:
            return cmd.description
        number = int(match.group(1))
        stages = playbook.stages
        if not 1 <= number <= len(stages):
            return cmd.description
        return f"Stage {number}: {stages[number - 1].title}"

    async def discover(self) -> Hits:
        keymap = self._keymap()
        for cmd in self._candidates():
            description = self._description(cmd)
            yield DiscoveryHit(
                Content(f"{description}  ({key_label(cmd, keymap)})"),
                partial(self._run, cmd),
                text=description,
                help=cmd.tooltip,
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        keymap = self._keymap()
        for cmd in self._candidates():
            description = self._description(cmd)
            text = f"{description} — {cmd.tooltip}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(f"{description}  ({key_label(cmd, keymap)})"),
                    partial(self._run, cmd),
                    text=description,
                    help=cmd.tooltip,
                )
