"""The credit ledger reconciled with the upstream's own, over HTTP against the simulator:
every charge matched to our job by jobid, charges from elsewhere shown as such, and charged
jobs that delivered nothing flagged (DESIGN §5.9)."""

from __future__ import annotations

import html
from decimal import Decimal

from django.urls import reverse

from studio.flowmusic import FlowMusicClient
from studio.songs import services
from studio.songs.credits import report
from studio.songs.models import BalanceReading, CreditEvent, Generation, UpstreamAccount
from studio.songs.pipeline import credit_sync
from tests.pipeline import drive, settled, song

Status = Generation.Status
ACCOUNTS = ("alice@example.com", "bob@example.com")


def sync() -> int:
    with FlowMusicClient.from_settings() as client:
        return credit_sync.sync(client)


def upstream_events(state) -> list[dict]:
    return [event for email in ACCOUNTS for event in state.usage(email)]


def mixed_run(pipeline, owner_client, team, owner) -> dict[str, Generation]:
    """Songs, an edit, a moderation failure and a job canceled after acceptance."""
    first = song(team, owner, account_choice="alice@example.com")
    song(team, owner, account_choice="bob@example.com")
    song(team, owner, prompt="a forbidden chant")
    drive(settled)
    take = first.clips.get(slot="A")
    owner_client.post(
        reverse("take_edit", args=[take.pk, "extend"]), {"instruction": "more", "extend_s": "5"}
    )
    drive(settled)
    pipeline.state.latency = 60  # long enough to cancel it while it runs
    canceled = song(team, owner, prompt="never mind")
    canceled.refresh_from_db()
    assert canceled.status == Status.RUNNING
    services.cancel(canceled)
    return {
        "moderated": Generation.objects.get(prompt="a forbidden chant"),
        "canceled": Generation.objects.get(pk=canceled.pk),
        "edit": Generation.objects.get(source_clip=take),
    }


def test_the_ledger_matches_the_upstreams_usage_job_by_job(pipeline, owner_client, team, owner):
    jobs = mixed_run(pipeline, owner_client, team, owner)
    events = upstream_events(pipeline.state)
    assert len(events) == 5  # 2 songs, 1 edit, moderated and canceled (both still charged)
    sync()  # the reconciler may have read some already
    assert CreditEvent.objects.filter(source="upstream").count() == 5
    assert sync() == 0  # a second pass adds nothing

    for event in events:
        line = CreditEvent.objects.get(source="upstream", upstream_id=event["id"])
        assert line.generation is not None and line.generation.jobid == event["jobid"]
        assert line.credits == Decimal(event["tokens"]) / 12
        assert line.generation.credits == line.credits  # the job now costs what was charged
        assert line.user == owner and line.team == team
    ours = CreditEvent.objects.filter(source="ours")
    assert {line.generation.jobid for line in ours} == {e["jobid"] for e in events}
    assert jobs["edit"].credits is not None
    edit_line = CreditEvent.objects.get(source="upstream", generation=jobs["edit"])
    assert edit_line.operation == "extend" and edit_line.credits == Decimal(8)


def test_charges_for_nothing_and_from_elsewhere_are_flagged(pipeline, owner_client, team, owner):
    jobs = mixed_run(pipeline, owner_client, team, owner)
    foreign = pipeline.state.charge_foreign("bob@example.com", 10)
    sync()

    flagged = set(report.nothing_delivered(team.pk))
    assert flagged == {jobs["canceled"], jobs["moderated"]}
    [elsewhere] = report.not_from_studio()
    assert elsewhere.upstream_id == foreign["id"] and elsewhere.generation is None

    page = html.unescape(owner_client.get("/credits/").content.decode())
    undelivered = page.split("Charged but nothing delivered", 1)[1].split("</section>", 1)[0]
    assert f"#generation-{jobs['canceled'].pk}" in undelivered
    assert f"#generation-{jobs['moderated'].pk}" in undelivered
    assert "Canceled" in undelivered and "Failed" in undelivered
    assert "bob@example.com · music · 10 credits" in page.split("Not from this Studio", 1)[1]


def test_balances_are_read_again_after_a_job(pipeline, team, owner):
    song(team, owner, account_choice="alice@example.com")
    drive(settled)
    alice = pipeline.state.account("alice@example.com")
    known = UpstreamAccount.objects.get(email="alice@example.com")
    assert known.credits_remaining == alice.credits == 990
    assert known.credits_read is not None
    # The balance history went from the first reading to the one after the job.
    history = BalanceReading.objects.filter(account_email="alice@example.com").order_by("at")
    assert [r.credits for r in history][-1] == 990 and len(set(r.credits for r in history)) >= 2


def test_a_failing_usage_answer_is_read_again_on_the_next_pass(pipeline, team, owner):
    song(team, owner, account_choice="alice@example.com")
    drive(settled)
    CreditEvent.objects.filter(source="upstream").delete()
    pipeline.state.inject("GET /accounts/usage", "500", count=10)
    sync()  # logged, nothing raised, nothing recorded
    assert not CreditEvent.objects.filter(source="upstream").exists()
    pipeline.state.faults.clear()
    sync()
    assert CreditEvent.objects.filter(source="upstream").count() == 1
