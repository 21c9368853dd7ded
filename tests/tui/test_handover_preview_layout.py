"""The handover preview's tables give their wide columns room: at 120×40 the minimum bar's
titles wrap onto a few lines, not into a column a dozen cells wide."""

from __future__ import annotations

from pathlib import Path

from conftest import AppFactory, copy_session
from test_handover_report import _handover_preview
from textual.content import Content
from textual.widgets._markdown import MarkdownTableContent

from launch_tui.tui.widgets.handover import SHORT_COLUMN, column_widths


def test_short_columns_keep_their_width_and_long_ones_share_the_rest() -> None:
    rows = [
        [Content("#"), Content("Minimum bar"), Content("State"), Content("Why")],
        [Content("1"), Content("x" * 80), Content("NOT MET"), Content("y" * 40)],
    ]
    assert column_widths(rows, short=SHORT_COLUMN) == "auto 80fr auto 40fr"
    assert column_widths([], short=SHORT_COLUMN) == "auto"


async def test_the_minimum_bar_titles_are_not_squeezed_at_120x40(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    app = make_app(open_path=copy_session("brightlane", sessions_dir))
    async with app.run_test(size=(120, 40)) as pilot:
        preview = await _handover_preview(app, pilot)
        for _ in range(50):
            if not preview.working:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        table = next(
            t
            for t in preview.query(MarkdownTableContent)
            if [h.plain for h in t.headers][:2] == ["#", "Minimum bar"]
        )
        titles = [c for c in table.query(".cell") if str(c.name or "").endswith(".2")]
        assert len(titles) == 9
        assert max(c.size.height for c in titles) <= 3, [c.size for c in titles]
        assert min(c.size.width for c in titles) >= 30, [c.size for c in titles]
