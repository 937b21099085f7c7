"""The simulator's credits per operation and its usage ledger (``GET /accounts/usage``), over
real HTTP with plain httpx."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from studio.simulator.models import NO_CREDITS_MESSAGE, ApiError

ALICE = "alice@example.com"
# One short take: quick to render, and a quick source for edits.
SONG = {"prompt": "lo-fi hip hop, mellow piano, 80 bpm, single take", "email": ALICE}
EVENT_KEYS = {"id", "jobid", "type", "tokens", "credits", "created_at"}
JOBID = re.compile(r"^job:[0-9a-f-]{36}-user:\d+-alice@example\.com-bot:flowmusic$")


def song(api, **fields) -> dict:
    """A completed song record (sync)."""
    r = api.post("/music", json={**SONG, **fields})
    assert r.status_code == 200, r.text
    return r.json()


def edit(api, clip: dict, operation: str, **fields):
    return api.post("/music/edit", json={"operation": operation, "clip": clip["clip"], **fields})


def usage(api, email: str = ALICE) -> dict:
    r = api.get("/accounts/usage", params={"email": email})
    assert r.status_code == 200, r.text
    return r.json()


def credits(api, email: str = ALICE) -> int:
    return api.get(f"/accounts/{email}").json()["credits_remaining"]


def test_a_song_charges_10_and_its_event_names_the_job(simulator, api):
    record = song(api)
    body = usage(api)
    [event] = body["events"]
    assert body["email"] == ALICE and set(event) == EVENT_KEYS
    assert re.fullmatch(r"usage:[0-9a-f-]{36}", event["id"])
    assert (event["jobid"], event["type"]) == (record["jobid"], "music")
    assert (event["tokens"], event["credits"]) == (120, 10)
    assert event["created_at"].endswith("Z") and datetime.fromisoformat(event["created_at"])
    assert credits(api) == 990
    assert simulator.state.usage(ALICE) == body["events"]


def test_each_edit_costs_its_own_price(simulator, api):
    clip = song(api)["clips"][0]
    simulator.state.set_account(ALICE, max_jobs=10)  # async edits pile up
    bodies = {
        "extend": {"instruction": "a solo", "extend_s": 2},
        "replace": {"instruction": "a drum fill", "mask_start_s": 1, "mask_end_s": 2},
        "cover": {"instruction": "as jazz"},
        "remix": {"lyrics": "[Verse]\nla la la"},
    }
    jobids = {}
    for operation, fields in bodies.items():
        r = edit(api, clip, operation, mode="async", **fields)
        assert r.status_code == 201, r.text
        jobids[operation] = r.json()["jobid"]
    events = usage(api)["events"][1:]
    assert [(e["type"], e["credits"], e["tokens"]) for e in events] == [
        ("extend", 8, 96),
        ("replace", 6, 72),
        ("cover", 10, 120),
        ("remix", 10, 120),
    ]
    assert [e["jobid"] for e in events] == list(jobids.values())
    assert credits(api) == 1000 - 10 - 8 - 6 - 10 - 10


def test_effects_and_stems_are_free_even_without_credits(simulator, api):
    clip = song(api)["clips"][0]
    simulator.state.set_account(ALICE, credits=0)
    r = edit(api, clip, "effect", effect="Trim", start_s=1, end_s=4)
    assert r.status_code == 200, r.text
    r = edit(api, r.json()["clips"][0], "stems")
    assert r.status_code == 200, r.text
    assert [e["type"] for e in usage(api)["events"]] == ["music"]
    assert credits(api) == 0


def test_402_when_the_account_is_short_of_the_operations_cost(simulator, api):
    clip = song(api)["clips"][0]
    simulator.state.set_account(ALICE, credits=7)
    r = edit(api, clip, "extend", instruction="a solo", extend_s=2, mode="async")
    assert (r.status_code, r.json()) == (402, {"error": NO_CREDITS_MESSAGE, "code": 402})
    r = edit(api, clip, "replace", instruction="x", mask_start_s=1, mask_end_s=2, mode="async")
    assert r.status_code == 201  # 6 of the 7
    assert api.post("/music", json={**SONG, "mode": "async"}).status_code == 402
    assert [e["type"] for e in usage(api)["events"]] == ["music", "replace"]
    assert credits(api) == 1


def test_canceled_and_moderated_jobs_keep_their_charge(simulator, api):
    simulator.state.latency = 30
    pending = api.post("/music", json={**SONG, "mode": "async"}).json()
    assert api.delete(f"/jobs/{pending['jobid']}").status_code == 204
    simulator.state.latency = 0.05
    failed = api.post("/music", json={**SONG, "prompt": "a forbidden song"})
    assert failed.status_code == 422
    events = usage(api)["events"]
    assert [e["jobid"] for e in events] == [pending["jobid"], failed.json()["jobid"]]
    assert credits(api) == 980


def test_usage_needs_an_email_of_a_known_account(simulator, api):
    required = {"error": "Parameter email is required", "code": 400}
    for params in ({}, {"email": ""}, {"email": "  "}):
        r = api.get("/accounts/usage", params=params)
        assert (r.status_code, r.json()) == (400, required)
    r = api.get("/accounts/usage", params={"email": "nobody@example.com"})
    assert (r.status_code, r.json()) == (
        404,
        {"error": "Account nobody@example.com not found", "code": 404},
    )
    assert {r.route for r in simulator.state.requests} == {"GET /accounts/usage"}
    assert api.get("/accounts/usage", headers={"Authorization": "Bearer x"}).status_code == 401


def test_the_summary_adds_up_by_type(simulator, api):
    clip = song(api)["clips"][0]
    assert edit(api, clip, "extend", instruction="a solo", extend_s=2).status_code == 200
    simulator.state.charge_foreign(ALICE, 5, type="cover")
    simulator.state.charge_foreign(ALICE, 10)
    assert usage(api)["summary"] == {
        "by_type_tokens": {"music": 240, "extend": 96, "cover": 60},
        "by_type_credits": {"music": 20, "extend": 8, "cover": 5},
        "total_charged_tokens": 396,
        "total_charged_credits": 33,
        "total_received_tokens": 12_000,
        "tokens_remaining": 967 * 12,
        "credits_remaining": 967,
    }
    bob = usage(api, "bob@example.com")
    assert bob["events"] == [] and bob["summary"]["total_charged_tokens"] == 0
    carol = usage(api, "carol@example.com")["summary"]  # granted nothing
    assert (carol["total_received_tokens"], carol["tokens_remaining"]) == (0, 0)


def test_accounts_show_tokens_remaining(simulator, api):
    song(api)
    alice = api.get(f"/accounts/{ALICE}").json()
    assert (alice["credits_remaining"], alice["tokens_remaining"]) == (990, 990 * 12)
    broken = api.get("/accounts/broken@example.com").json()
    assert "tokens_remaining" not in broken and "credits_remaining" not in broken


def test_a_foreign_charge_is_a_job_we_never_saw(simulator, api):
    state = simulator.state
    event = state.charge_foreign(ALICE, 10)
    assert set(event) == EVENT_KEYS and (event["type"], event["tokens"]) == ("music", 120)
    assert JOBID.fullmatch(event["jobid"]) and state.job(event["jobid"]) is None
    assert usage(api)["events"] == [event] and credits(api) == 990
    state.usage(ALICE)[0]["tokens"] = 0  # a copy
    assert state.usage(ALICE) == [event]
    state.set_account(ALICE, credits=3)
    with pytest.raises(ApiError) as short:
        state.charge_foreign(ALICE, 4)
    assert short.value.status == 402 and len(state.usage(ALICE)) == 1


def test_reset_forgets_the_ledger_and_restores_the_costs(simulator):
    state = simulator.state
    state.charge_foreign(ALICE, 10)
    state.edit_costs["extend"] = 1
    state.reset()
    assert state.usage(ALICE) == [] and state.edit_costs["extend"] == 8
    assert state.account(ALICE).credits == 1000
