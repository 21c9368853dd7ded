"""The production build output (a Next.js ``.next/`` folder) and an exported CI log.

What a build scanner looks for, on demand: source maps shipped to the browser, a server-side
value inlined into a client bundle (``DATABASE_URL``), a ``debug: true`` flag, and a CI log
that printed a token.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from launch_tui.sandbox import fakes
from launch_tui.sandbox.world import BuildSpec

_BUILD_ID = "k3b9Qx2LmT7vYp1cW8nRz"
_APP_CHUNK = "_app-8d2e61b0c4a7f315.js"


@dataclass(frozen=True)
class BuiltOutput:
    build_path: Path
    """The ``.next`` folder."""
    ci_logs: tuple[Path, ...]


def build_output(spec: BuildSpec, directory: Path, domain: str) -> BuiltOutput:
    """Write the build folder and CI log under ``directory``."""
    next_dir = directory / "build" / ".next"
    chunks = next_dir / "static" / "chunks"
    (chunks / "pages").mkdir(parents=True)
    (next_dir / "server" / "pages" / "api").mkdir(parents=True)
    (next_dir / "BUILD_ID").write_text(_BUILD_ID)
    (next_dir / "build-manifest.json").write_text(
        json.dumps(
            {
                "pages": {
                    "/_app": [
                        "static/chunks/main-4f1c2a9e.js",
                        f"static/chunks/pages/{_APP_CHUNK}",
                    ],
                    "/": ["static/chunks/pages/index-2b7f0c11.js"],
                }
            },
            indent=2,
        )
    )
    (chunks / "main-4f1c2a9e.js").write_text(_MAIN_CHUNK)
    (chunks / "pages" / "index-2b7f0c11.js").write_text(_INDEX_CHUNK)
    app_chunk = _app_chunk(spec, domain)
    if spec.source_maps:
        app_chunk += f"\n//# sourceMappingURL={_APP_CHUNK}.map\n"
        (chunks / "pages" / f"{_APP_CHUNK}.map").write_text(_source_map(spec, domain))
    (chunks / "pages" / _APP_CHUNK).write_text(app_chunk)
    (next_dir / "server" / "pages" / "api" / "health.js").write_text(_SERVER_HEALTH)
    ci = directory / "ci"
    ci.mkdir()
    log = ci / "build-1042.log"
    log.write_text(_ci_log(spec, domain))
    return BuiltOutput(build_path=next_dir, ci_logs=(log,))


def _client_config(spec: BuildSpec, domain: str) -> str:
    fields = [f'apiBase:"https://api.{domain}"', f"debug:{'true' if spec.debug_flag else 'false'}"]
    if spec.leaked_env:
        fields.append(f'DATABASE_URL:"{fakes.DATABASE_URL}"')
    return "{" + ",".join(fields) + "}"


def _app_chunk(spec: BuildSpec, domain: str) -> str:
    config = _client_config(spec, domain)
    return (
        "(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[888],{6840:function(e,t,n){"
        f"var r=n(5893),o={config};"
        f"/* build {_BUILD_ID} */"
        "function a(e){var t=e.Component,n=e.pageProps;"
        'return o.debug&&console.log("[app] config",o),(0,r.jsx)(t,Object.assign({},n))}'
        "t.default=a}}]);"
    )


def _source_map(spec: BuildSpec, domain: str) -> str:
    original = (
        "import '../styles/globals.css';\n\n"
        "const config = {\n"
        f"  apiBase: 'https://api.{domain}',\n"
        f"  debug: {'true' if spec.debug_flag else 'false'},\n"
        + ("  DATABASE_URL: process.env.DATABASE_URL,\n" if spec.leaked_env else "")
        + "};\n\n"
        "export default function App({ Component, pageProps }) {\n"
        "  if (config.debug) console.log('[app] config', config);\n"
        "  return <Component {...pageProps} />;\n"
        "}\n"
    )
    return json.dumps(
        {
            "version": 3,
            "file": f"static/chunks/pages/{_APP_CHUNK}",
            "sources": ["webpack://_N_E/./pages/_app.js"],
            "sourcesContent": [original],
            "names": ["App", "Component", "pageProps", "config"],
            "mappings": "AAAA,aAAa;AAEb,MAAMA,MAAM",
        }
    )


def _ci_log(spec: BuildSpec, domain: str) -> str:
    clone = (
        f"https://x-access-token:{fakes.GITHUB_TOKEN}@github.example/{domain.split('.')[0]}/web.git"
        if spec.ci_log_leak
        else f"https://github.example/{domain.split('.')[0]}/web.git"
    )
    return "\n".join(
        [
            "2025-01-20T10:02:11Z ##[group]Run actions/checkout@v4",
            f"2025-01-20T10:02:11Z git clone {clone} .",
            "2025-01-20T10:02:13Z ##[endgroup]",
            "2025-01-20T10:02:13Z ##[group]Run npm ci",
            "2025-01-20T10:02:41Z added 412 packages, and audited 413 packages in 27s",
            "2025-01-20T10:02:41Z ##[endgroup]",
            "2025-01-20T10:02:41Z ##[group]Run npm run build",
            "2025-01-20T10:02:43Z > next build",
            "2025-01-20T10:03:30Z  ✓ Compiled successfully",
            "2025-01-20T10:03:31Z  ✓ Generating static pages (7/7)",
            "2025-01-20T10:03:31Z ##[endgroup]",
            "",
        ]
    )


_MAIN_CHUNK = (
    "(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[179],{4878:function(e,t){"
    '"use strict";Object.defineProperty(t,"__esModule",{value:!0})}}]);\n'
)

_INDEX_CHUNK = (
    "(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[405],{5557:function(e,t,n){"
    'var r=n(5893);t.default=function(){return(0,r.jsx)("main",{children:"Find vetted facility '
    'service providers"})}}}]);\n'
)

_SERVER_HEALTH = (
    '"use strict";(()=>{var e={};e.id=201;module.exports=async function(e,t){'
    't.status(200).json({status:"ok",version:process.env.APP_VERSION||"dev"})}})();\n'
)
