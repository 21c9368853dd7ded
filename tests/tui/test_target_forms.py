"""Hosts, DKIM selectors and network settings are edited in the app: e opens the form the row
(or the setting its skipped result names) calls for; a bad value is refused naming the field."""

from __future__ import annotations

from pathlib import Path

from conftest import AppFactory, copy_session
from test_stage_flows import opened, stage_screen, toml_of

from launch_tui.core.model import Status
from launch_tui.tui.screens.target_forms import HostsForm, NetworkForm, SelectorsForm
from launch_tui.tui.target_edits import TargetForm, form_named_by
from launch_tui.tui.views import closing_hint
from launch_tui.tui.widgets.check_table import CheckTable


def _select(app: object, predicate: object) -> None:
    table = stage_screen(app).query_one(CheckTable)  # type: ignore[arg-type]
    key = next(str(r.key.value) for r in table.ordered_rows if predicate(str(r.key.value)))  # type: ignore[operator]
    assert table.select_key(key)


async def test_network_form_refuses_a_bad_timeout_naming_it_then_saves(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    path = copy_session("brightlane", sessions_dir)
    app = make_app(open_path=path)
    async with opened(app, size=(100, 34)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        _select(app, lambda key: key.endswith(":") and not key.startswith("email."))
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NetworkForm)
        form.query_one("#net-timeout-input").value = "soon"  # type: ignore[attr-defined]
        form.query_one("#net-resolve-input").value = "app.example.com=nowhere"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        reason = str(form.query_one("#network-reason").render())
        assert "Resolve:" in reason and "not an IP address" in reason
        form.query_one("#net-resolve-input").value = "app.example.com=127.0.0.9:8443"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Timeout: a number of seconds" in str(form.query_one("#network-reason").render())
        form.query_one("#net-timeout-input").value = "4.5"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is not form
        await app.wait_saved()
    network = toml_of(path)["network"]
    assert network["timeout"] == 4.5  # type: ignore[index]
    assert "app.example.com=127.0.0.9:8443" in network["resolve"]  # type: ignore[index,operator]


async def test_hosts_form_renames_a_host_and_sets_its_role(
    make_app: AppFactory, sessions_dir: Path
) -> None:
    path = copy_session("brightlane", sessions_dir)
    hosts = toml_of(path)["targets"]["hosts"]  # type: ignore[index]
    last = hosts[-1]["name"]  # type: ignore[index]
    app = make_app(open_path=path)
    async with opened(app, size=(100, 34)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        _select(app, lambda key: key.endswith(":" + last))
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, HostsForm)
        index = len(hosts) - 1
        form.query_one(f"#host-{index}-input").value = "bad name!"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert f"Host {index + 1}:" in str(form.query_one("#hosts-reason").render())
        form.query_one(f"#host-{index}-input").value = "preview"  # type: ignore[attr-defined]
        form.query_one(f"#host-{index}-role").value = "staging"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is not form
        await app.wait_saved()
    document = toml_of(path)
    apex = document["targets"]["apex"]  # type: ignore[index]
    saved = document["targets"]["hosts"][-1]  # type: ignore[index]
    assert saved["name"] == f"preview.{apex}" and saved.get("role") == "staging"
    assert all(r.get("target") != last for r in document.get("results", []))  # type: ignore[union-attr]


async def test_selectors_form_opens_on_email_rows(make_app: AppFactory, sessions_dir: Path) -> None:
    path = copy_session("brightlane", sessions_dir)
    app = make_app(open_path=path)
    async with opened(app, size=(100, 34)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        for number in "123456":
            await pilot.press(number)
            await pilot.pause()
            table = stage_screen(app).query_one(CheckTable)
            if any(str(r.key.value).startswith("email.") for r in table.ordered_rows):
                break
        _select(app, lambda key: key.startswith("email."))
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, SelectorsForm)
        form.query_one("#dkim-selectors-input").value = "s1, bad selector!"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        form.query_one("#dkim-selectors-input").value = "s1, Google"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is not form
        await app.wait_saved()
    assert toml_of(path)["targets"]["dkim_selectors"] == ["s1", "google"]  # type: ignore[index]


def test_a_skipped_rows_detail_offers_the_form_its_setting_names() -> None:
    summary = "Not checked: app.example has no address (nxdomain); set [network] resolve"
    assert form_named_by(summary) is TargetForm.NETWORK
    assert "Press e to edit the network settings" in closing_hint(
        Status.SKIPPED, summary, by_hand=False
    )
    assert form_named_by("No staging host (role staging or the staging URL)") is TargetForm.HOSTS
    assert form_named_by("Not sent: POST is not safe to repeat") is TargetForm.ROUTE
    assert form_named_by("Answered 404: no page to weigh") is None
