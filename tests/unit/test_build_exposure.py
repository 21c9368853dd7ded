"""What a production build ships that it should not: source maps, inlined server values,
debug flags; server bundles are not client code."""

from __future__ import annotations

import secrets
from pathlib import Path

from launch_tui.checks.secrets.build_exposure import BuildIssueKind, inspect_build


def _build(tmp_path: Path) -> tuple[Path, str]:
    build = tmp_path / ".next"
    chunks = build / "static" / "chunks"
    chunks.mkdir(parents=True)
    (build / "server").mkdir()
    password = secrets.token_urlsafe(12)
    url = f"postgres://app:{password}@db.internal:5432/prod"
    (chunks / "app.js").write_text(
        f'var o={{apiBase:"https://api.x.test",debug:!0,DATABASE_URL:"{url}"}};\n'
        "//# sourceMappingURL=app.js.map\n"
    )
    (chunks / "app.js.map").write_text('{"version":3}')
    (chunks / "vendor.js").write_text(
        'var e={NODE_ENV:"development"};//# sourceMappingURL=vendor.js.map\n'
    )
    (chunks / "ok.js").write_text('var c={NEXT_PUBLIC_API_URL:"https://api.x.test",debug:false}')
    # The server bundle may hold server values: it never reaches a browser.
    (build / "server" / "db.js").write_text(f'const DATABASE_URL="{url}";debug:true\n')
    return build, url


def test_source_maps_inlined_values_and_debug_flags(tmp_path: Path) -> None:
    build, url = _build(tmp_path)
    found = inspect_build(build)
    got = sorted((i.kind, i.path, i.line) for i in found.issues)
    assert got == [
        (BuildIssueKind.DEBUG_FLAG, ".next/static/chunks/app.js", 1),
        (BuildIssueKind.DEBUG_FLAG, ".next/static/chunks/vendor.js", 1),
        (BuildIssueKind.INLINED_SECRET, ".next/static/chunks/app.js", 1),
        (BuildIssueKind.SOURCE_MAP, ".next/static/chunks/app.js.map", 0),
        (BuildIssueKind.SOURCE_MAP, ".next/static/chunks/vendor.js", 1),
    ]
    inlined = next(i for i in found.issues if i.kind is BuildIssueKind.INLINED_SECRET)
    assert inlined.name == "DATABASE_URL"
    assert inlined.value is not None and inlined.value.preview == "post…"
    assert url not in repr(found)
    assert all("server" not in i.path for i in found.issues)


def test_an_empty_build_has_nothing(tmp_path: Path) -> None:
    found = inspect_build(tmp_path)
    assert found.issues == () and found.files == 0
