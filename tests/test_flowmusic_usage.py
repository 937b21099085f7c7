"""FlowMusicClient.get_usage: against the simulator over real HTTP, and against hostile bodies
(httpx.MockTransport) that must never fail the whole ledger for one bad event."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from studio.flowmusic import FlowMusicClient, SongRequest, Usage, UsageEvent
from studio.upstream import errors

ALICE = "alice@example.com"
GOOD = {"id": "usage:1", "jobid": "job:1", "type": "music", "tokens": 120}


@pytest.fixture
def fm(simulator):
    with FlowMusicClient(simulator.flowmusic_url, simulator.token, timeout=5) as client:
        yield client


def canned(body: object, seen: list[httpx.Request] | None = None) -> FlowMusicClient:
    """A client whose every call is answered 200 with ``body`` (text as is, else JSON)."""

    def answer(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if isinstance(body, str):
            return httpx.Response(200, text=body, headers={"Content-Type": "application/json"})
        return httpx.Response(200, json=body)

    return FlowMusicClient(
        "http://upstream.test/v1/flowmusic", "t", transport=httpx.MockTransport(answer)
    )


def parsed(events: list, **extra: object) -> Usage:
    with canned({"email": ALICE, "events": events, **extra}) as client:
        return client.get_usage(ALICE)


# --- against the simulator --------------------------------------------------------------------


def test_get_usage_reads_the_simulators_ledger(fm, simulator):
    job = fm.create_song(SongRequest(prompt="a song to pay for", email=ALICE))
    simulator.state.charge_foreign(ALICE, 5, type="extend")
    usage = fm.get_usage(ALICE)
    assert usage.email == ALICE and usage.skipped == 0
    song, foreign = usage.events
    assert isinstance(song, UsageEvent) and song.id.startswith("usage:")
    assert (song.jobid, song.type, song.tokens, song.credits) == (
        job.jobid,
        "music",
        120,
        Decimal("10.00"),
    )
    assert song.at is not None and song.at.tzinfo is not None
    assert (foreign.type, foreign.credits) == ("extend", Decimal("5.00"))
    assert usage.total_charged_credits == Decimal("15.00")
    assert simulator.state.requests[-1].query == {"email": ALICE}


def test_get_usage_errors(fm):
    with pytest.raises(errors.NotFound):
        fm.get_usage("nobody@example.com")
    with pytest.raises(errors.BadRequest):
        fm.get_usage("")


# --- hostile bodies ---------------------------------------------------------------------------


def test_the_email_is_sent_as_a_query_parameter():
    seen: list[httpx.Request] = []
    with canned({"events": []}, seen) as client:
        usage = client.get_usage("a+b@example.com")
    assert seen[0].url.path == "/v1/flowmusic/accounts/usage"
    assert seen[0].url.params["email"] == "a+b@example.com"
    assert usage == Usage("a+b@example.com", (), None, 0)  # the email asked, when not sent


def test_bad_events_are_skipped_and_counted():
    bad = [
        1,
        "usage:2",
        None,
        [GOOD],
        {"jobid": "job:2", "tokens": 12},  # no id
        {**GOOD, "id": ""},
        {**GOOD, "id": "x" * 301},
        {**GOOD, "id": "usage:\x00"},
        {**GOOD, "tokens": -1},
        {**GOOD, "tokens": 10**12 + 1},
        {**GOOD, "tokens": 10**40},
        {**GOOD, "tokens": True},
        {**GOOD, "tokens": "lots"},
        {**GOOD, "tokens": 1.5},
        {"id": "usage:3"},  # neither tokens nor credits
        {"id": "usage:4", "credits": -2},
    ]
    usage = parsed([GOOD, *bad, {**GOOD, "id": "usage:5"}])
    assert [e.id for e in usage.events] == ["usage:1", "usage:5"]
    assert usage.skipped == len(bad)


def test_missing_and_hostile_fields_read_as_none_or_defaults():
    [event] = parsed(
        [{"id": "usage:1", "jobid": "j" * 301, "type": None, "tokens": 13, "created_at": "soon"}]
    ).events
    assert (event.jobid, event.type, event.at) == (None, "unknown", None)
    assert event.credits == Decimal("1.08")  # 13 / 12, to the cent
    hostile = {"id": "usage:1", "jobid": "job:\x1b[31m", "type": "re\x00mix", "tokens": 0}
    [event] = parsed([hostile]).events
    assert (event.jobid, event.type, event.credits) == (None, "remix", Decimal("0.00"))


def test_credits_stand_in_for_missing_tokens():
    events = parsed([{"id": "u:1", "credits": 2.5}, {"id": "u:2", "credits": "8"}]).events
    assert [(e.tokens, e.credits) for e in events] == [(30, Decimal("2.50")), (96, Decimal("8.00"))]


def test_huge_and_non_finite_numbers_are_unusable():
    body = json.dumps({"events": [GOOD], "summary": {"total_charged_tokens": 10**30}})
    raw = body.replace("[", '[{"id": "u:2", "tokens": 1e400}, {"id": "u:3", "tokens": NaN}, ', 1)
    with canned(raw) as client:
        usage = client.get_usage(ALICE)
    assert [e.id for e in usage.events] == ["usage:1"] and usage.skipped == 2
    assert usage.total_charged_credits is None


def test_summary_totals_read_from_tokens_else_credits():
    assert parsed([], summary={"total_charged_tokens": 396}).total_charged_credits == Decimal(
        "33.00"
    )
    summary = {"total_charged_credits": 7.5}
    assert parsed([], summary=summary).total_charged_credits == Decimal("7.50")
    assert parsed([], summary="lots").total_charged_credits is None


@pytest.mark.parametrize(
    "body",
    [[], "null", {"email": ALICE}, {"events": {"0": GOOD}}, {"events": "none"}],
    ids=["list", "null", "no-events", "events-object", "events-text"],
)
def test_an_unusable_answer_is_a_malformed_response(body):
    with canned(body) as client, pytest.raises(errors.MalformedResponse) as caught:
        client.get_usage(ALICE)
    assert caught.value.kind == errors.PERMANENT


def test_an_unreadable_answer_is_a_transient_server_error():
    with canned("{not json") as client, pytest.raises(errors.ServerError) as caught:
        client.get_usage(ALICE)
    assert caught.value.kind == errors.TRANSIENT
