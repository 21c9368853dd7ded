"""secrets.repo, secrets.ci_logs, secrets.inventory and secrets.rotation against the sandbox's
demo world (a key committed and deleted later, a token in a CI log, a database URL in a client
bundle) and its clean world; suppression only through the session's decisions."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from check_runs import run_checks, select

from launch_tui.core.model import Action, Decision, Exposure, Secret, Session, Status
from launch_tui.sandbox import RunningWorld, fakes, session_for

pytest_plugins = ["sandbox_fixtures"]

SECRET_CHECKS = frozenset(
    {"secrets.repo", "secrets.ci_logs", "secrets.inventory", "secrets.rotation"}
)


async def run(session: Session) -> Session:
    return (await run_checks(session, select(*SECRET_CHECKS))).session


def result(session: Session, check: str):  # type: ignore[no-untyped-def]
    found = session.result(check)
    assert found is not None, check
    return found


async def test_demo_leaks_are_found_named_and_become_rotation_tasks(
    demo_world: RunningWorld,
) -> None:
    after = await run(session_for(demo_world))
    repo = result(after, "secrets.repo")
    assert repo.status is Status.FAIL
    assert "STRIPE_SECRET_KEY (stripe-access-token) in config/payments.js:6@" in repo.summary
    assert "history only, deleted later" in repo.summary
    stripe = next(f for f in repo.evidence["findings"] if f["rule"] == "stripe-access-token")  # type: ignore[union-attr, index]
    assert stripe["commit"] == demo_world.repo.secret_commit[:12]  # type: ignore[index, union-attr]
    assert stripe["value"].startswith("sk_l…")  # type: ignore[index, union-attr]
    logs = result(after, "secrets.ci_logs")
    assert logs.status is Status.FAIL and "github-pat" in logs.summary
    inventory = result(after, "secrets.inventory")
    assert inventory.status is Status.WARN
    assert "STRIPE_SECRET_KEY" in inventory.evidence["not_inventoried"]  # type: ignore[operator]
    rotation = result(after, "secrets.rotation")
    assert rotation.status is Status.FAIL
    tasks = {t["name"]: t for t in rotation.evidence["tasks"]}  # type: ignore[union-attr, index]
    assert set(tasks) == {
        "STRIPE_SECRET_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "GITHUB_PAT",
        "DATABASE_URL",
    }
    assert tasks["DATABASE_URL"]["leaked_in"] == [  # type: ignore[index]
        ".next/static/chunks/pages/_app-8d2e61b0c4a7f315.js:1"
    ]
    # The merge made the inventory and the rotation tasks.
    entries = {s.name: s for s in after.secrets}
    assert entries["STRIPE_SECRET_KEY"].exposure is Exposure.LEAKED
    assert entries["NEXTAUTH_SECRET"].exposure is Exposure.UNKNOWN
    assert ".env.example:3" in entries["NEXTAUTH_SECRET"].found_in
    rotate = {d.id: d for d in after.decisions}
    assert rotate["rotate-stripe-secret-key"].owner == "sam"
    assert rotate["rotate-stripe-secret-key"].due is not None
    # Canary: no planted value appears anywhere in the session.
    dumped = repr(after)
    for value in fakes.ALL:
        assert value not in dumped


async def test_rotation_and_suppression_come_from_the_session(demo_world: RunningWorld) -> None:
    first = await run(session_for(demo_world))
    stripe = next(
        f
        for f in result(first, "secrets.repo").evidence["findings"]  # type: ignore[union-attr]
        if f["rule"] == "stripe-access-token"  # type: ignore[index]
    )
    accepted = Decision(
        "fp-stripe",
        "audit",
        Action.ACCEPT_RISK,
        "test key, revoked",
        check_id="secrets.repo",
        target=str(stripe["fingerprint"]),  # type: ignore[index]
        owner="priya",
    )
    # The engineer records the AWS pair as rotated, and the Stripe value as never exposed.
    entries = tuple(
        dataclasses.replace(s, exposure=Exposure.ROTATED, last_rotated=date(2026, 1, 1))
        if s.name.startswith("AWS_")
        else dataclasses.replace(s, exposure=Exposure.NONE)
        if s.name == "STRIPE_SECRET_KEY"
        else s
        for s in first.secrets
    )
    second = await run(dataclasses.replace(first, decisions=(accepted,), secrets=entries))
    repo = result(second, "secrets.repo")
    assert repo.status is Status.FAIL, "the AWS pair is still in history"
    assert "stripe" not in repo.summary and "1 suppressed by decision" in repo.summary
    assert repo.evidence["suppressed"][0]["suppressed_by"] == "fp-stripe"  # type: ignore[index]
    tasks = {t["name"]: t for t in result(second, "secrets.rotation").evidence["tasks"]}  # type: ignore[union-attr, index]
    assert "STRIPE_SECRET_KEY" not in tasks
    assert tasks["AWS_ACCESS_KEY_ID"]["rotated"] is True  # type: ignore[index]
    assert tasks["GITHUB_PAT"]["rotated"] is False  # type: ignore[index]
    # An accept-risk without an owner suppresses nothing.
    ownerless = dataclasses.replace(accepted, owner="")
    third = await run(dataclasses.replace(first, decisions=(ownerless,)))
    assert "stripe-access-token" in result(third, "secrets.repo").summary


async def test_clean_world_has_nothing_to_rotate(clean_world: RunningWorld) -> None:
    session = session_for(clean_world)
    after = await run(session)
    assert result(after, "secrets.repo").status is Status.PASS
    assert result(after, "secrets.ci_logs").status is Status.PASS
    assert result(after, "secrets.rotation").status is Status.PASS
    assert result(after, "secrets.rotation").summary == "No leaked secrets to rotate"
    # The clean world's [[secrets]] inventory covers every name its code reads.
    inventory = result(after, "secrets.inventory")
    assert inventory.status is Status.PASS, inventory.summary
    assert {s.name for s in session.secrets} >= {"STRIPE_SECRET_KEY", "DATABASE_URL"}
    assert all(s.last_rotated is not None for s in session.secrets)
    assert after.decisions == ()


async def test_without_a_repository_the_checks_say_what_is_missing(
    demo_world: RunningWorld,
) -> None:
    session = session_for(demo_world)
    bare = dataclasses.replace(
        session,
        targets=dataclasses.replace(session.targets, repo_path="", ci_logs=(), build_path=""),
        secrets=(Secret("STRIPE_SECRET_KEY", exposure=Exposure.LEAKED),),
        sprint=dataclasses.replace(session.sprint, started_at=datetime(2026, 1, 1, tzinfo=UTC)),
    )
    after = await run(bare)
    assert result(after, "secrets.repo").status is Status.SKIPPED
    assert "repo_path" in result(after, "secrets.repo").summary
    assert result(after, "secrets.ci_logs").status is Status.SKIPPED
    rotation = result(after, "secrets.rotation")
    assert rotation.status is Status.FAIL and "STRIPE_SECRET_KEY" in rotation.summary
    inventory = result(after, "secrets.inventory")
    assert inventory.status is Status.WARN and "owner" in inventory.summary
