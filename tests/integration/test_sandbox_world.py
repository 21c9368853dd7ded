"""World files: built-ins load, mistakes get clear errors, latency truth is exact."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from launch_tui.core.errors import LaunchError
from launch_tui.sandbox import (
    BUILTIN_WORLDS,
    FixedDelay,
    LogNormalDelay,
    LongTailDelay,
    NormalDelay,
    TlsCase,
    WorldError,
    builtin_world,
    load_world,
    parse_world,
)
from launch_tui.sandbox.latency import LatencySampler, route_seed

MINIMAL = """
name = "mini"
[sprint]
id = "mini"
client = "Mini"
product = "Mini"
"""


def world_error(text: str) -> str:
    with pytest.raises(WorldError) as caught:
        parse_world(MINIMAL + text, source="mini.toml")
    assert isinstance(caught.value, LaunchError)
    return caught.value.message


@pytest.mark.parametrize("name", BUILTIN_WORLDS)
def test_builtin_worlds_load(name: str) -> None:
    world = builtin_world(name)
    assert world.name == name
    addresses = [h.address for h in world.hosts]
    assert len(set(addresses)) == len(addresses)
    assert all(a.startswith("127.") for a in addresses)


def test_demo_world_has_the_cases_the_checks_need() -> None:
    demo = builtin_world("demo")
    assert {h.tls for h in demo.hosts} >= {
        TlsCase.VALID,
        TlsCase.EXPIRING,
        TlsCase.INCOMPLETE_CHAIN,
        TlsCase.LEGACY,
    }
    assert demo.repo is not None and demo.repo.leaked_secret
    assert demo.build is not None and demo.build.source_maps
    assert demo.targets.apex.endswith(".test")


def test_minimal_world_and_address_assignment() -> None:
    world = parse_world(
        MINIMAL + '[[hosts]]\nname = "a.mini.test"\n[[hosts]]\nname = "b.mini.test"\n'
    )
    assert [h.address for h in world.hosts] == ["127.0.0.2", "127.0.0.3"]


def test_unknown_key_names_its_path() -> None:
    message = world_error('[[hosts]]\nname = "a.mini.test"\ncolour = "red"\n')
    assert message == "mini.toml: hosts[0].colour: unknown key"


def test_wrong_type_says_what_was_expected() -> None:
    message = world_error('[[hosts]]\nname = "a.mini.test"\nport = "eighty"\n')
    assert message == "mini.toml: hosts[0].port: expected an integer, got a string"


def test_bad_choice_lists_the_choices() -> None:
    message = world_error(
        '[[hosts]]\nname = "a.mini.test"\n[[hosts.routes]]\npath = "/"\n'
        'latency = { kind = "gaussian", ms = 3 }\n'
    )
    assert message.startswith("mini.toml: hosts[0].routes[0].latency.kind: expected one of")
    assert "long-tail" in message and "'gaussian'" in message


def test_missing_required_key() -> None:
    assert world_error("[[people]]\nid = 'x'\n") == (
        "mini.toml: people[0].name: missing; expected a string"
    )


def test_toml_syntax_error_has_a_line() -> None:
    message = world_error("[[hosts]\n")
    assert message.startswith("mini.toml: not valid TOML:")
    assert "line" in message


def test_bad_dns_record_is_reported_at_load() -> None:
    message = world_error(
        '[[dns.zones]]\norigin = "mini.test"\nrecords = [["@", "MX", "ten mx"]]\n'
    )
    assert message.startswith("mini.toml: dns.zones: zone mini.test: mini.test MX 'ten mx'")


def test_cname_beside_other_data_is_refused() -> None:
    message = world_error(
        '[[dns.zones]]\norigin = "mini.test"\n'
        'records = [["www", "CNAME", "mini.test."], ["www", "TXT", "x"]]\n'
    )
    assert "has a CNAME and a TXT" in message


def test_addresses_must_be_loopback() -> None:
    message = world_error('[[hosts]]\nname = "a.mini.test"\naddress = "192.0.2.1"\n')
    assert "not in 127.0.0.0/8" in message


def test_header_values_cannot_break_framing() -> None:
    message = world_error(
        '[[hosts]]\nname = "a.mini.test"\n[[hosts.routes]]\npath = "/"\n'
        'headers = { "X-A" = "one\\r\\nX-B: two" }\n'
    )
    assert "cannot contain CR or LF" in message


def test_unknown_builtin_and_missing_file() -> None:
    with pytest.raises(WorldError, match="no built-in world called 'nope'"):
        builtin_world("nope")
    with pytest.raises(WorldError, match="cannot read"):
        load_world(Path("/nonexistent/world.toml"))


def test_load_world_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(MINIMAL)
    assert load_world(path).name == "mini"


# --- latency ground truth ---------------------------------------------------------------------


def test_fixed_and_normal_quantiles() -> None:
    assert FixedDelay(20).quantile(0.5) == FixedDelay(20).quantile(0.99) == 20
    normal = NormalDelay(100, 10)
    assert normal.quantile(0.5) == pytest.approx(100)
    assert normal.quantile(0.95) == pytest.approx(116.4485, abs=1e-3)
    assert NormalDelay(10, 50).quantile(0.1) == 0.0  # the clamp at zero


def test_long_tail_quantiles_are_exact() -> None:
    tail = LongTailDelay(fast_ms=180, slow_ms=1400, p=0.08)
    assert tail.quantile(0.50) == 180
    assert tail.quantile(0.92) == 180
    assert tail.quantile(0.95) == 1400
    jittery = LongTailDelay(fast_ms=180, slow_ms=1400, p=0.08, jitter_ms=40)
    assert jittery.quantile(0.95) == 1400
    assert jittery.quantile(0.5) == pytest.approx(
        NormalDelay(180, 40).quantile(0.5 / 0.92), abs=1e-3
    )


def test_lognormal_median() -> None:
    assert LogNormalDelay(40, 0.5).quantile(0.5) == pytest.approx(40)


@pytest.mark.parametrize(
    "latency",
    [
        NormalDelay(140, 45),
        LogNormalDelay(120, 0.6),
        LongTailDelay(fast_ms=180, slow_ms=1400, p=0.08, jitter_ms=40),
    ],
)
def test_samples_follow_the_stated_quantiles(
    latency: NormalDelay | LogNormalDelay | LongTailDelay,
) -> None:
    sampler = LatencySampler(latency, seed=1)
    draws = sorted(sampler.next_ms() for _ in range(20_000))
    for q in (0.5, 0.9):
        empirical = draws[int(q * len(draws))]
        assert empirical == pytest.approx(latency.quantile(q), rel=0.03)
    assert statistics.fmean(draws) == pytest.approx(latency.mean, rel=0.03)


def test_samplers_repeat_with_the_same_seed() -> None:
    seed = route_seed(7, "api.bench.test", "GET", "/normal")
    assert seed == route_seed(7, "api.bench.test", "GET", "/normal")
    one = LatencySampler(NormalDelay(50, 10), seed)
    two = LatencySampler(NormalDelay(50, 10), seed)
    assert [one.next_ms() for _ in range(10)] == [two.next_ms() for _ in range(10)]
    other = LatencySampler(NormalDelay(50, 10), route_seed(7, "api.bench.test", "GET", "/x"))
    assert other.next_ms() != LatencySampler(NormalDelay(50, 10), seed).next_ms()
