"""The checks of one run share their requests (``checks/engine/request_cache.py``, ``RunShared``).

Counted on the sandbox's side (``RunningWorld.served()``): two checks of one run asking for the
same plain ``GET`` cause one request; anything that is not plain (a POST, headers, a body) is
always sent; a second run fetches afresh. A check that joins a fetch another check started
waits at most its own budget, and nobody's giving up stops the fetch for the others.

"One run" is one ``context_factory`` call (``run_session_checks`` makes one per run); its
contexts share a :class:`~launch_tui.checks.engine.context.RunShared`.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import pytest
from net_fixtures import HttpServer, late_redirect, respond

from launch_tui.checks import CheckContext, CheckDef, Selection, WorkItem, context_factory
from launch_tui.checks.engine.context import CheckServices
from launch_tui.checks.engine.fetching import fetch, fetch_https, fetch_via
from launch_tui.checks.engine.registry import Registry
from launch_tui.checks.engine.request_cache import RequestCache, plain_key, request_cache
from launch_tui.checks.engine.services import open_check_services
from launch_tui.checks.engine.session_run import run_session_checks
from launch_tui.checks.perf.probes import RouteProbes, probes_for
from launch_tui.core.model import CheckResult, Route, RouteKind, Session, Severity, Status
from launch_tui.core.playbook import AppliesTo
from launch_tui.net import FailureKind, FetchResult
from launch_tui.net.exchange import FirstAnswer
from launch_tui.net.sampler import SampleRun
from launch_tui.sandbox import RunningWorld, parse_world, session_for, start_world

SLOW_MS = 400
#: Over fetching.HEAD_BODY_CAP (64 KiB): a head-only fetch of its own would be cut short.
BIG_BYTES = 70_000
MEMO_LAB = f"""
name = "memolab"
[sprint]
id = "memolab"
client = "Memo Lab"
product = "Shared fetches"

[[hosts]]
name = "www.memo.test"
[[hosts.routes]]
path = "/"
body = "home"
target = {{ name = "home" }}

[[hosts.routes]]
path = "/slow"
body = "slow"
latency = {{ kind = "fixed", ms = {SLOW_MS} }}

[[hosts.routes]]
path = "/big"
body = "{"b" * BIG_BYTES}"

[[hosts.routes]]
path = "/form"
method = "POST"
body = "posted"

[[hosts]]
name = "selfsigned.memo.test"
tls = "self-signed"
[[hosts.routes]]
path = "/"
body = "unverified"
"""

HOME = "https://www.memo.test/"
SLOW = "https://www.memo.test/slow"
FORM = "https://www.memo.test/form"
BIG = "https://www.memo.test/big"


@pytest.fixture
async def memo_lab() -> AsyncIterator[RunningWorld]:
    async with start_world(parse_world(MEMO_LAB, source="memolab.toml")) as running:
        yield running
        assert running.errors() == ()


@pytest.fixture
def session(memo_lab: RunningWorld) -> Session:
    return session_for(memo_lab)


@pytest.fixture
async def services(session: Session) -> AsyncIterator[CheckServices]:
    async with open_check_services(session.network) as opened:
        yield opened


async def _unused(ctx: CheckContext) -> CheckResult:
    raise AssertionError("these work items are never run")


def item(check_id: str) -> WorkItem:
    definition = CheckDef(check_id, "audit", check_id, Severity.LOW, AppliesTo.SESSION, _unused)
    return WorkItem(definition, "")


def served(
    running: RunningWorld, path: str, method: str = "GET", host: str = "www.memo.test"
) -> int:
    """Requests for ``method path`` on ``host`` that the sandbox answered, either scheme."""
    return sum(
        1
        for r in running.served()
        if (r.host, r.method, r.path) == (host, method, path) and r.status != 301
    )


class Monotonic:
    """The run's monotonic clock, moved by hand so two checks can have different budgets."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# -- one request per run -------------------------------------------------------------------------


async def test_checks_of_one_run_send_one_plain_get(
    memo_lab: RunningWorld, session: Session, services: CheckServices
) -> None:
    make = context_factory(session, services)
    contexts = [make(item(f"t.check{i}")) for i in range(5)]
    results = await asyncio.gather(*(fetch(ctx, HOME) for ctx in contexts))
    assert {(r.status, r.body) for r in results} == {(200, b"home")}
    assert served(memo_lab, "/") == 1
    # A check of the same run asking after the answer arrived gets it too.
    late = await fetch(make(item("t.late")), HOME)
    assert (late.status, late.body) == (200, b"home")
    assert served(memo_lab, "/") == 1


async def test_run_session_checks_shares_fetches_within_a_run_but_not_across_runs(
    memo_lab: RunningWorld, session: Session, services: CheckServices
) -> None:
    registry = Registry()
    seen: list[int | None] = []

    async def looks_at_home(ctx: CheckContext) -> CheckResult:
        result = await fetch(ctx, HOME)
        seen.append(result.status)
        return ctx.result(Status.PASS, f"home answered {result.status}")

    for name in ("t.headers", "t.cookies", "t.hsts"):
        registry.register(
            name, stage="audit", title=name, severity=Severity.LOW, applies_to=AppliesTo.SESSION
        )(looks_at_home)
    selection = Selection(check_ids=frozenset(registry.ids()))

    await run_session_checks(session, selection, services, registry=registry)
    assert seen == [200] * 3
    assert served(memo_lab, "/") == 1
    await run_session_checks(session, selection, services, registry=registry)
    assert seen == [200] * 6
    assert served(memo_lab, "/") == 2


async def test_a_second_run_and_a_context_of_its_own_fetch_afresh(
    memo_lab: RunningWorld, session: Session, services: CheckServices
) -> None:
    first_run = context_factory(session, services)
    second_run = context_factory(session, services)
    await fetch(first_run(item("t.a")), HOME)
    await fetch(first_run(item("t.b")), HOME)
    assert served(memo_lab, "/") == 1
    await fetch(second_run(item("t.a")), HOME)
    assert served(memo_lab, "/") == 2
    # A context made on its own belongs to no run: it shares with nobody.
    made = first_run(item("t.c"))
    alone = CheckContext(
        session=made.session,
        check=made.check,
        target=made.target,
        host=None,
        route=None,
        services=services,
        clock=made.clock,
        monotonic=made.monotonic,
        started=made.monotonic(),
    )
    await fetch(alone, HOME)
    assert served(memo_lab, "/") == 3


@pytest.mark.parametrize(
    ("what", "path", "method"),
    [
        ("a POST", "/form", "POST"),
        ("a GET with headers", "/", "GET"),
        ("a GET with a body", "/", "GET"),
        ("a POST through fetch_via", "/form", "POST"),
        ("a GET with headers through fetch_via", "/", "GET"),
    ],
)
async def test_requests_that_are_not_plain_are_always_sent(
    memo_lab: RunningWorld,
    session: Session,
    services: CheckServices,
    what: str,
    path: str,
    method: str,
) -> None:
    url = f"https://www.memo.test{path}"

    async def send(ctx: CheckContext) -> int | None:
        if what == "a POST":
            result = await fetch(ctx, url, "POST")
        elif what == "a GET with headers":
            result = await fetch(ctx, url, headers={"X-Probe": "1"})
        elif what == "a GET with a body":
            result = await fetch(ctx, url, body=b"x")
        elif what == "a POST through fetch_via":
            result = await fetch_via(ctx, url, "POST", verify=True)
        else:
            result = await fetch_via(ctx, url, verify=True, headers={"X-Probe": "1"})
        return result.status

    make = context_factory(session, services)
    statuses = await asyncio.gather(*(send(make(item(f"t.check{i}"))) for i in range(3)))
    assert statuses == [200] * 3
    assert served(memo_lab, path, method) == 3


@pytest.mark.parametrize("followed_first", [True, False], ids=["followed-first", "plain-first"])
async def test_a_fetch_not_following_redirects_is_the_followed_fetchs_first_answer(
    memo_lab: RunningWorld, session: Session, services: CheckServices, followed_first: bool
) -> None:
    """One request whether a check follows redirects or not: the redirect is asked once, and
    each caller gets its own view of it, whichever asked first."""
    make = context_factory(session, services)
    plain = "http://www.memo.test/"
    follows = fetch(make(item("t.a")), plain)
    stops = fetch(make(item("t.b")), plain, follow=False)
    if followed_first:
        followed, unfollowed = await asyncio.gather(follows, stops)
    else:
        unfollowed, followed = await asyncio.gather(stops, follows)
    assert (followed.status, followed.final_url, followed.redirects) == (200, HOME, 1)
    assert (unfollowed.status, unfollowed.final_url, unfollowed.redirects) == (301, plain, 0)
    assert unfollowed.header("location") == HOME
    assert (unfollowed.failure, unfollowed.hops[0].status) == (None, 301)
    redirects = [r for r in memo_lab.served() if (r.scheme, r.path) == ("http", "/")]
    assert len(redirects) == 1
    assert served(memo_lab, "/") == 1  # the target, asked by the followed fetch only
    # A page that does not redirect: its answer is the same object either way.
    page, same = await asyncio.gather(
        fetch(make(item("t.c")), SLOW, follow=False), fetch(make(item("t.d")), SLOW)
    )
    assert page is same and (page.status, page.redirects) == (200, 0)
    assert served(memo_lab, "/slow") == 1


async def test_a_redirect_only_checks_not_following_ask_for_is_not_followed(
    memo_lab: RunningWorld, session: Session, services: CheckServices
) -> None:
    """Checks that do not follow redirects, alone in a run, send no request to where the
    redirect points; a check that follows it, asking later, gets the whole chain."""
    make = context_factory(session, services)
    plain = "http://www.memo.test/"
    first, second = await asyncio.gather(
        fetch(make(item("t.a")), plain, follow=False),
        fetch(make(item("t.b")), plain, follow=False),
    )
    assert first is second and (first.status, first.redirects) == (301, 0)
    assert served(memo_lab, "/") == 0  # the target was not asked for
    followed = await fetch(make(item("t.c")), plain)
    assert (followed.status, followed.final_url, followed.redirects) == (200, HOME, 1)
    redirects = [r for r in memo_lab.served() if (r.scheme, r.path) == ("http", "/")]
    assert (len(redirects), served(memo_lab, "/")) == (2, 1)
    assert await fetch(make(item("t.d")), plain) is followed


async def test_a_redirect_whose_body_came_late_is_asked_for_again_not_followed(
    services: CheckServices,
) -> None:
    """The followed fetch does not wait for a redirect's body: a check not following it then
    sends its own request (once per run), and reads the body whole."""

    http = services.http
    assert http is not None
    routes = {"/start": late_redirect("/end", b"moved", 0.2), "/end": respond(200, body=b"done")}
    async with HttpServer(routes) as server:
        url = server.url("/start")
        cache = RequestCache()

        def send(
            follow: bool, first_answer: FirstAnswer | None
        ) -> Coroutine[Any, Any, FetchResult]:
            return http.fetch(url, follow=follow, first_answer=first_answer)

        followed, unfollowed, again = await asyncio.gather(
            cache.plain("GET", url, send, follow=True, within=3.0),
            cache.plain("GET", url, send, follow=False, within=3.0),
            cache.plain("GET", url, send, follow=False, within=3.0),
        )
        assert (followed.status, followed.body) == (200, b"done")
        assert (unfollowed.status, unfollowed.body, unfollowed.failure) == (302, b"moved", None)
        assert again is unfollowed
        assert [r.path for r in server.requests].count("/start") == 2
        # Checks not following it, alone: the one request stops there and reads the body.
        alone = RequestCache()
        first, second = await asyncio.gather(
            alone.plain("GET", url, send, follow=False, within=3.0),
            alone.plain("GET", url, send, follow=False, within=3.0),
        )
        assert first is second
        assert (first.status, first.body, first.failure) == (302, b"moved", None)
        assert [r.path for r in server.requests].count("/start") == 3
        assert [r.path for r in server.requests].count("/end") == 1


@pytest.mark.parametrize("head_first", [True, False])
async def test_a_head_only_fetch_and_a_whole_one_are_one_request(
    memo_lab: RunningWorld, session: Session, services: CheckServices, head_first: bool
) -> None:
    # Whichever asks first, the shared request is read whole: the header check gets the body
    # too, and the body check is not handed a capped one.
    make = context_factory(session, services)
    head = fetch(make(item("t.head")), BIG, head_only=True)
    whole = fetch(make(item("t.whole")), BIG)
    first, second = await asyncio.gather(*((head, whole) if head_first else (whole, head)))
    capped, full = (first, second) if head_first else (second, first)
    assert (full.status, full.failure, full.body_truncated) == (200, None, False)
    assert full.text() == "b" * BIG_BYTES
    assert (capped.status, capped.failure, capped.body) == (200, None, full.body)
    assert served(memo_lab, "/big") == 1


async def test_fetch_via_is_shared_and_kept_apart_from_the_verified_fetch(
    memo_lab: RunningWorld, session: Session, services: CheckServices
) -> None:
    # fetch_https tries a verified fetch, meets the self-signed certificate, and retries
    # unverified: the retry must not be answered with the (shared) verified attempt's failure.
    make = context_factory(session, services)
    url = "https://selfsigned.memo.test/"
    answers = await asyncio.gather(*(fetch_https(make(item(f"t.c{i}")), url) for i in range(4)))
    for answer in answers:
        assert (answer.result.status, answer.result.body) == (200, b"unverified")
        assert not answer.verified
        assert answer.tls_failure is not None and answer.tls_failure.kind is FailureKind.TLS
    assert served(memo_lab, "/", host="selfsigned.memo.test") == 1
    # The same URL through a connect-to override is another request.
    target = memo_lab.host("selfsigned.memo.test")
    via = await fetch_via(
        make(item("t.via")), url, verify=False, connect_to=(target.address, target.port)
    )
    assert via.status == 200
    assert served(memo_lab, "/", host="selfsigned.memo.test") == 2


async def test_fetches_through_fetch_via_share_the_runs_kept_client(
    memo_lab: RunningWorld, session: Session, services: CheckServices
) -> None:
    """Two checks' unverified fetches of one origin (sent apart: each with its own header) go
    through the one client the run keeps for that setting: the second finds the first's
    connection kept alive (or, if it was closed, resumes its TLS session)."""
    make = context_factory(session, services)
    url = "https://selfsigned.memo.test/"
    first, second = [
        await fetch_via(make(item(f"t.v{i}")), url, verify=False, headers={"X-Probe": str(i)})
        for i in range(2)
    ]
    assert (first.status, second.status) == (200, 200)
    assert first.hops[0].timing.tls_ms is not None  # the first opened a connection
    again = second.hops[0].timing
    assert again.tls_ms is None or again.tls_resumed
    assert served(memo_lab, "/", host="selfsigned.memo.test") == 2


# -- budgets and cancellation --------------------------------------------------------------------


async def test_a_joiner_with_less_time_gets_its_own_deadline_and_the_starter_the_answer(
    memo_lab: RunningWorld, session: Session, services: CheckServices
) -> None:
    clock = Monotonic()
    make = context_factory(session, services, monotonic=clock)
    hurried = make(item("t.hurried"))
    clock.now += services.deadline_s - 0.15  # the hurried check has 0.15 s of its budget left
    fresh = make(item("t.fresh"))

    # Tasks start in the order they are made: the fresh check starts the shared fetch (with
    # its full budget), the hurried one joins it.
    starter = asyncio.create_task(fetch(fresh, SLOW))
    joiner = asyncio.create_task(fetch(hurried, SLOW))
    joined = await joiner
    assert not starter.done()  # it gave up on its own, before the answer came
    answer = await starter

    assert (answer.status, answer.body, answer.failure) == (200, b"slow", None)
    assert joined.status is None and joined.failure is not None
    assert joined.failure.kind is FailureKind.DEADLINE
    assert (joined.url, joined.method) == (SLOW, "GET")
    waited = re.fullmatch(
        r"No answer within (\d+\.\d\d) seconds \(the check's remaining budget\)",
        joined.failure.message,
    )
    assert waited is not None, joined.failure.message
    # Its own budget (0.15 s, plus a scheduling slack), not the starter's 5 s or the 0.4 s fetch.
    assert 0.15 <= float(waited.group(1)) < 0.3
    assert served(memo_lab, "/slow") == 1


@pytest.mark.parametrize("who", ["joiner", "starter"])
async def test_a_cancelled_check_does_not_cancel_the_fetch_the_others_share(
    memo_lab: RunningWorld, session: Session, services: CheckServices, who: str
) -> None:
    make = context_factory(session, services)
    starter = asyncio.create_task(fetch(make(item("t.starter")), SLOW))
    joiner = asyncio.create_task(fetch(make(item("t.joiner")), SLOW))
    # One turn of the loop: both checks are now waiting on the one shared fetch.
    await asyncio.sleep(0)
    quitter, stayer = (joiner, starter) if who == "joiner" else (starter, joiner)
    quitter.cancel()
    answer = await stayer
    assert (answer.status, answer.body, answer.failure) == (200, b"slow", None)
    assert quitter.cancelled()
    assert served(memo_lab, "/slow") == 1


async def test_a_fetch_cut_short_by_one_checks_budget_is_not_the_answer_for_a_check_with_time(
    memo_lab: RunningWorld, session: Session, services: CheckServices
) -> None:
    clock = Monotonic()
    make = context_factory(session, services, monotonic=clock)
    hurried = make(item("t.hurried"))
    clock.now += services.deadline_s - 0.15
    fresh = make(item("t.fresh"))
    cut = await fetch(hurried, SLOW)
    assert cut.failure is not None and cut.failure.kind is FailureKind.DEADLINE
    answer = await fetch(fresh, SLOW)
    assert (answer.status, answer.failure) == (200, None)


# -- route probes --------------------------------------------------------------------------------


async def test_route_probes_are_shared_within_a_run_and_taken_again_by_the_next(
    memo_lab: RunningWorld, session: Session, services: CheckServices
) -> None:
    route: Route = next(r for r in session.targets.routes if r.name == "home")

    async def one_run() -> int:
        """Run both probes; return the requests the sample retook (late answers sent again)."""
        make = context_factory(session, services)
        latency, slowest = make(item("t.latency")), make(item("t.slowest"))
        probes = probes_for(latency)
        assert probes is not None and probes_for(slowest) is probes
        probes.samples, probes.concurrency = 4, 2
        firsts = await asyncio.gather(probes.first(route, 3.0), probes.first(route, 3.0))
        assert [f.result.status for f in firsts] == [200, 200]
        samples = await asyncio.gather(probes.sample(route, 3.0), probes.sample(route, 3.0))
        assert samples[0] is samples[1]
        run = samples[0]
        assert isinstance(run, SampleRun)
        # A loaded machine makes the sampler retake late answers (one more request each).
        assert run.retaken <= 2
        return run.retaken

    retaken = await one_run()
    assert served(memo_lab, "/") == 1 + 4 + retaken  # one first fetch, one sample of four
    again = await one_run()
    assert served(memo_lab, "/") == 2 * (1 + 4) + retaken + again


async def test_a_route_first_fetch_goes_through_the_run_request_cache(
    memo_lab: RunningWorld, session: Session, services: CheckServices
) -> None:
    ctx = context_factory(session, services)(item("t.first"))
    probes = probes_for(ctx)
    assert probes is not None and services.http is not None
    home: Route = next(r for r in session.targets.routes if r.name == "home")
    first = await probes.first(home, 3.0)
    # Other probes over the same request cache have it: it is the cache's, not the probes'.
    again = RouteProbes(services.http, resolver=None, requests=request_cache(ctx))
    assert await again.first(home, 3.0) is first
    fresh = RouteProbes(services.http, resolver=None)
    assert (await fresh.first(home, 3.0)).result.status == 200
    assert served(memo_lab, "/") == 2


@pytest.mark.parametrize("probes_first", [True, False], ids=["probes-first", "plain-first"])
async def test_a_get_routes_first_fetch_is_the_plain_fetch_of_its_url(
    memo_lab: RunningWorld, session: Session, services: CheckServices, probes_first: bool
) -> None:
    """perf.first_response times the very request the header and body checks judge."""
    make = context_factory(session, services)
    perf, page = make(item("t.perf")), make(item("t.page"))
    probes = probes_for(perf)
    assert probes is not None
    home: Route = next(r for r in session.targets.routes if r.name == "home")
    if probes_first:
        first, plain = await asyncio.gather(probes.first(home, 3.0), fetch(page, HOME))
    else:
        plain, first = await asyncio.gather(fetch(page, HOME), probes.first(home, 3.0))
    assert first.result is plain
    assert (plain.status, plain.body) == (200, b"home")
    # Not following redirects takes the same answer: the page does not redirect.
    assert await fetch(page, HOME, follow=False) is plain
    assert served(memo_lab, "/") == 1


async def test_a_joined_first_fetch_reports_the_loop_lag_of_the_whole_request(
    memo_lab: RunningWorld, session: Session, services: CheckServices
) -> None:
    """A check that starts a plain fetch and the first fetch that finds it done see the same
    lag: the loop stalled while the request was under way, whoever was waiting then."""
    make = context_factory(session, services)
    page, perf = make(item("t.page")), make(item("t.perf"))
    loop = asyncio.get_running_loop()
    loop.call_later(0.1, time.sleep, 0.15)  # the loop held mid-request, as CPU work would
    plain = await fetch(page, SLOW)
    assert plain.status == 200
    lag = request_cache(page).lag_ms(plain_key("GET", SLOW, True))
    assert lag >= 100
    probes = probes_for(perf)
    assert probes is not None
    first = await probes.first(Route("slow", SLOW, RouteKind.READ), 3.0)
    assert first.result is plain
    assert first.client_lag_ms == lag
    assert served(memo_lab, "/slow") == 1


async def test_a_post_routes_first_fetch_is_not_shared_with_the_checks_posts(
    memo_lab: RunningWorld, session: Session, services: CheckServices
) -> None:
    make = context_factory(session, services)
    perf, form_check = make(item("t.perf")), make(item("t.form"))
    probes = probes_for(perf)
    assert probes is not None
    form = Route("form", FORM, RouteKind.WRITE, method="POST", safe_to_repeat=True)
    first, again, posted = await asyncio.gather(
        probes.first(form, 3.0), probes.first(form, 3.0), fetch(form_check, FORM, "POST")
    )
    assert first is again  # the perf checks share their own first fetch
    assert (first.result.status, posted.status) == (200, 200)
    assert served(memo_lab, "/form", "POST") == 2


async def test_a_route_first_fetch_that_ran_out_is_asked_again_by_a_check_with_more_time(
    memo_lab: RunningWorld, session: Session, services: CheckServices
) -> None:
    probes = probes_for(context_factory(session, services)(item("t.perf")))
    assert probes is not None
    slow = Route("slow", SLOW, RouteKind.READ)
    # The hurried check starts the fetch with 0.25 s (the least a fetch gets): too little for
    # the 400 ms route. The check with three seconds gets an answer, by asking again.
    hurried, patient = await asyncio.gather(probes.first(slow, 0.1), probes.first(slow, 3.0))
    assert hurried.result.failure is not None
    assert hurried.result.failure.kind is FailureKind.DEADLINE
    assert (patient.result.status, patient.result.body) == (200, b"slow")
    assert served(memo_lab, "/slow") == 2
