"""A sandbox world grown K times: its hosts and their routes copied, renamed per copy.

Copy 1 is the world as written. Copy ``n`` (2..K) of host ``www.brightlane.test`` is
``www-xn.brightlane.test`` (the apex ``brightlane.test`` becomes ``apex-xn.brightlane.test``),
its routes' target names get ``-xn`` too, its fixed address is dropped (the loader assigns the
next free 127.0.0.x) and a ``redirect_to`` naming a copied host names that host's copy. Hosts
get their A records from the loader (``dns = true`` by default), so every copy resolves in the
same zone. Everything else (zones, deploys, repository, build, expected findings) is copied
once: a bigger client, not several clients.
"""

from __future__ import annotations

import copy
import re
from importlib import resources
from pathlib import Path

import tomlkit
from tomlkit.items import AoT, Table

from launch_tui.sandbox.latency import LogNormalDelay, NormalDelay

#: Target names of copies end with this and the copy number (``home-x3``), hosts' first labels too.
COPY_MARK = re.compile(r"-x\d+\b")


def _copy_name(name: str, apex: str, n: int) -> str:
    if name == apex:
        return f"apex-x{n}.{apex}"
    first, dot, rest = name.partition(".")
    return f"{first}-x{n}{dot}{rest}"


def world_text(world: str) -> str:
    """The TOML of a built-in world name or a world file path."""
    if world.endswith(".toml") or "/" in world:
        return Path(world).read_text(encoding="utf-8")
    path = resources.files("launch_tui.sandbox") / "worlds" / f"{world}.toml"
    return path.read_text(encoding="utf-8")


def _without_tails(document: tomlkit.TOMLDocument) -> int:
    """Turn every long-tail route into its fast mode alone (normal, ``fast_ms`` ± ``jitter_ms``);
    how many routes."""
    calmed = 0
    hosts = document.get("hosts")
    for host in hosts if isinstance(hosts, AoT) else []:
        for route in host.get("routes", []):
            latency = route.get("latency")
            if isinstance(latency, dict) and latency.get("kind") == "long-tail":
                fast = float(latency.get("fast_ms", 0))
                jitter = float(latency.get("jitter_ms", 0))
                latency.clear()
                latency.update({"kind": "normal", "mean_ms": fast, "sd_ms": jitter / 2})
                calmed += 1
    return calmed


def _steady(document: tomlkit.TOMLDocument) -> int:
    """Give every route with a random delay its mean every time (after :func:`_without_tails`,
    so a long-tail route takes its fast time); how many routes."""
    steadied = 0
    hosts = document.get("hosts")
    for host in hosts if isinstance(hosts, AoT) else []:
        for route in host.get("routes", []):
            latency = route.get("latency")
            if not isinstance(latency, dict):
                continue
            kind = latency.get("kind")
            if kind == "normal":  # its mean as drawn (a draw below 0 is 0)
                mean, sd = float(latency["mean_ms"]), float(latency.get("sd_ms", 0))
                ms = NormalDelay(mean, sd).mean if sd > 0 else max(0.0, mean)
            elif kind == "lognormal":
                ms = LogNormalDelay(float(latency["median_ms"]), float(latency["sigma"])).mean
            else:
                continue
            latency.clear()
            latency.update({"kind": "fixed", "ms": round(ms, 3)})
            steadied += 1
    return steadied


def calm_world(world: str, folder: Path, *, steady: bool = False) -> Path:
    """Write ``world`` with no planted slow answers (long-tail routes in their fast mode only)
    into ``folder``; return the path. The demo's ``/dashboard`` answers 8 % of requests in
    1.4 s: whether one lands in a measured run decides an audit's wall time, not the client.

    ``steady``: every route also answers in its mean time, every time. The demo's login takes
    380 ± 140 ms; an audit sends it several requests and waits for the slowest of them, while
    a check run alone waits for one, so the spread alone puts ~1σ between the two."""
    document = tomlkit.parse(world_text(world))
    _without_tails(document)
    if steady:
        _steady(document)
    path = folder / f"{Path(world).stem}-{'steady' if steady else 'calm'}.toml"
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path


def scaled_world(
    world: str,
    k: int,
    folder: Path,
    rtt_ms: float = 0.0,
    *,
    calm: bool = False,
    steady: bool = False,
) -> Path:
    """Write ``world`` grown ``k`` times (and with ``rtt_ms``) into ``folder``; return the path.
    ``calm``: with no planted slow answers; ``steady``: nor any spread (see :func:`calm_world`)."""
    document = tomlkit.parse(world_text(world))
    document["rtt_ms"] = rtt_ms
    if calm or steady:
        _without_tails(document)
    if steady:
        _steady(document)
    hosts = document["hosts"]
    assert isinstance(hosts, AoT)
    targets = document.get("targets")
    apex = str(targets["apex"]) if isinstance(targets, Table) else ""
    originals = [copy.deepcopy(h) for h in hosts]
    names = {str(h["name"]) for h in originals}
    for n in range(2, k + 1):
        for original in originals:
            host = copy.deepcopy(original)
            name = str(host["name"])
            host["name"] = _copy_name(name, apex, n)
            if "address" in host:
                del host["address"]
            redirect = host.get("redirect_to")
            if isinstance(redirect, str):
                for other in names:
                    if f"//{other}" in redirect:
                        redirect = redirect.replace(
                            f"//{other}", f"//{_copy_name(other, apex, n)}", 1
                        )
                        break
                host["redirect_to"] = redirect
            for route in host.get("routes", []):
                target = route.get("target")
                if target is not None and "name" in target:
                    target["name"] = f"{target['name']}-x{n}"
            hosts.append(host)
    document["name"] = f"{document.get('name', 'world')}-x{k}"
    path = folder / f"world-x{k}.toml"
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path
