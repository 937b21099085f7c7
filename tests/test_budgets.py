"""Monthly budgets (DESIGN §5.9): a job over its author's budget is refused before it is sent,
and concurrent submissions never overshoot (the check and the claim share one transaction)."""

from __future__ import annotations

import threading
from decimal import Decimal

from django.db import connections, transaction

from studio.songs import lifecycle, services, tasks
from studio.songs.credits import budgets, costs
from studio.songs.lifecycle import ErrorCode
from studio.songs.models import Budget, CreditEvent, Generation
from tests.pipeline import accepted_refs, drive, settled, song

Status = Generation.Status
REFUSAL = (
    "Over your monthly budget: this song needs ~10 credits, you have 0 of 30 left this month. "
    "Ask an owner to raise your Monthly budget."
)


def test_twenty_simultaneous_submissions_with_30_credits_left_send_exactly_three(
    pipeline, team, teammate
):
    Budget.objects.create(team=team, user=teammate, monthly_credits=30)
    # Queued without their submit task, so the 20 submissions below start together.
    queued = [
        lifecycle.create(team=team, author=teammate, prompt=f"dream pop, take {n}")
        for n in range(20)
    ]
    start, errors = threading.Barrier(20), []

    def submit(pk: int) -> None:
        try:
            start.wait()
            tasks.submit_generation(pk)
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(g.pk,)) for g in queued]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    drive(settled)  # what the submissions left queued (e.g. an account's 402) goes on
    refs = accepted_refs(pipeline.state)
    assert len(refs) == 3 and len(set(refs)) == 3  # 3 sent, none twice
    jobs = Generation.objects.filter(pk__in=[g.pk for g in queued])
    assert jobs.filter(status=Status.COMPLETED).count() == 3
    refused = jobs.filter(status=Status.FAILED, error_code=ErrorCode.OVER_BUDGET)
    assert refused.count() == 17
    assert set(refused.values_list("error_message", flat=True)) == {REFUSAL}
    assert not refused.filter(jobid__isnull=False).exists()  # none reached the upstream
    assert budgets.spent_this_month(team.pk, teammate.pk) == Decimal(30)
    assert CreditEvent.objects.filter(source=CreditEvent.Source.OURS).count() == 3


def test_a_refused_song_goes_once_an_owner_raises_the_budget(pipeline, team, teammate):
    budget = Budget.objects.create(team=team, user=teammate, monthly_credits=5)
    refused = song(team, teammate)
    refused.refresh_from_db()
    assert refused.status == Status.FAILED and refused.error_code == ErrorCode.OVER_BUDGET
    assert "needs ~10 credits, you have 5 of 5 left" in refused.error_message
    assert accepted_refs(pipeline.state) == []

    budget.monthly_credits = 20
    budget.save()
    again = services.retry(refused, teammate)
    drive(settled)
    again.refresh_from_db()
    assert again.status == Status.COMPLETED
    assert accepted_refs(pipeline.state) == [str(again.pk)]
    assert budgets.state(team.pk, teammate.pk).left == Decimal(10)


def test_no_budget_means_no_limit_and_free_work_is_never_refused(pipeline, team, teammate):
    first = song(team, teammate)
    drive(settled)
    first.refresh_from_db()
    assert first.status == Status.COMPLETED and first.credits == Decimal(10)
    Budget.objects.create(team=team, user=teammate, monthly_credits=10)  # all spent
    stems = Generation(team=team, author=teammate, operation=Generation.Operation.STEMS)
    with transaction.atomic():  # as in the claim
        assert budgets.refusal(stems, costs.expected(Generation.Operation.STEMS)) == ""
        assert budgets.refusal(first, costs.expected(Generation.Operation.SONG)) == ""  # itself
        another = Generation(team=team, author=teammate)
        assert "you have 0 of 10 left" in budgets.refusal(another, costs.expected("song"))


def test_an_answer_that_was_not_an_acceptance_gives_the_credits_back(pipeline, team, teammate):
    Budget.objects.create(team=team, user=teammate, monthly_credits=10)
    refused_upstream = song(team, teammate, account_choice="nobody@example.com")  # a 400
    refused_upstream.refresh_from_db()
    assert refused_upstream.status == Status.FAILED
    assert refused_upstream.error_code == ErrorCode.BAD_REQUEST
    assert refused_upstream.credits is None
    assert budgets.state(team.pk, teammate.pk).left == Decimal(10)
