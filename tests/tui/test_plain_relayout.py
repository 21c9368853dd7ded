"""A ``Plain`` label relayouts the screen only when its text changes its size.

A relayout of the whole screen costs tens of milliseconds on a big screen, and during a check
run the sidebar's lines change in every repaint. Text shown before the label had a width
(composed, not yet laid out) is measured once the label is sized, so the first change after it
does not relayout either.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from launch_tui.tui.widgets.plain import Plain


class Labels(App[None]):
    CSS = "#fixed { width: 20; height: auto; }"

    def compose(self) -> ComposeResult:
        label = Plain(id="fixed")
        label.show("stage 1  12m")  # before the label has a width
        yield label


async def test_text_of_the_same_size_does_not_relayout() -> None:
    app = Labels()
    async with app.run_test() as pilot:
        await pilot.pause()
        label = app.query_one("#fixed", Plain)
        assert label.size.width == 20
        asked: list[bool] = []
        real = label.refresh

        def refresh(*args: object, layout: bool = False, **kwargs: object) -> Plain:
            asked.append(layout)
            return real(*args, layout=layout, **kwargs)  # type: ignore[arg-type]

        label.refresh = refresh  # type: ignore[method-assign]
        label.show("stage 1  13m")  # one line, as before: the first change after layout
        label.show(Text("stage 1  14m", style="bold"))
        assert asked and not any(asked)
        label.show("stage 1\nsecond line")  # two lines now: the screen must make room
        assert asked[-1] is True
        await pilot.pause()
        assert label.size.height == 2
        asked.clear()
        label.show("a wide line that wraps past twenty cells")  # wraps: size unknown
        assert asked[-1] is True
