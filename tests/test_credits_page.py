"""The Credits page and budgets as members and owners use them (DESIGN §6 Credits)."""

from __future__ import annotations

import csv
import html
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from studio.songs.models import Budget, CreditEvent, Generation

pytestmark = pytest.mark.django_db
Status = Generation.Status


def spent(team, author, credits, operation="song", status=Status.COMPLETED, **fields):
    return Generation.objects.create(
        team=team, author=author, prompt="spent", operation=operation, status=status,
        submit_started=timezone.now(), credits=Decimal(credits), **fields,
    )  # fmt: skip


def test_an_owner_sets_a_budget_and_the_member_sees_what_is_left_on_compose(
    owner_client, client, team, teammate
):
    response = owner_client.post(f"/credits/budget/{teammate.pk}", {"monthly_credits": "200"})
    assert response.status_code == 302
    assert Budget.objects.get(team=team, user=teammate).monthly_credits == 200
    spent(team, teammate, 196)
    client.force_login(teammate)
    page = html.unescape(client.get("/compose/").content.decode())
    assert "Monthly budget: 4 of 200 credits left this month." in page
    assert "Create song · ~10 credits" in page

    response = client.post("/compose/", {"prompt": "dream pop", "model": "lyria-3-pro"})
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert (
        "Over your monthly budget: this song needs ~10 credits, you have 4 of 200 left this "
        "month. Ask an owner to raise your Monthly budget." in page
    )
    assert not Generation.objects.filter(prompt="dream pop").exists()


def test_members_cannot_set_budgets_and_see_only_their_own_spend(
    teammate_client, team, owner, teammate
):
    assert teammate_client.post(f"/credits/budget/{teammate.pk}", {"monthly_credits": "9"})
    assert not Budget.objects.exists()
    spent(team, owner, 30)
    spent(team, teammate, 8, operation="extend")
    page = html.unescape(teammate_client.get("/credits/").content.decode())
    assert "Your spend" in page and "Extend 8" in page
    assert owner.username not in page.split("<main", 1)[1].split("Your spend", 1)[1]
    assert "Not from this Studio" not in page and "Accounts" not in page


def test_owners_see_every_members_spend_by_operation_and_month(owner_client, team, owner, teammate):
    spent(team, teammate, 10)
    spent(team, teammate, 8, operation="extend")
    last_month = timezone.now().replace(day=1) - timezone.timedelta(days=3)
    Generation.objects.filter(pk=spent(team, owner, 20).pk).update(submit_started=last_month)
    page = html.unescape(owner_client.get("/credits/").content.decode())
    assert "Spend per member" in page
    row = page.split(f"<td>{teammate.username}</td>", 1)[1].split("</tr>", 1)[0]
    assert "<td>18</td>" in row and "Song 10 · Extend 8" in row
    owner_row = page.split(f"<td>{owner.username}</td>", 1)[1].split("</tr>", 1)[0]
    assert "<td>0</td>" in owner_row and "<td>20</td>" in owner_row


def test_retry_refused_sends_the_members_refused_jobs_again(owner_client, team, teammate):
    refused = Generation.objects.create(
        team=team, author=teammate, prompt="refused", status=Status.FAILED,
        error_code="over_budget", error_message="Over your monthly budget",
    )  # fmt: skip
    page = html.unescape(owner_client.get("/credits/").content.decode())
    assert "Retry 1 refused" in page
    owner_client.post(f"/credits/retry/{teammate.pk}")
    again = Generation.objects.get(retried_from=refused)
    assert again.author == teammate and again.prompt == "refused"
    assert "Retry 1 refused" not in owner_client.get("/credits/").content.decode()


def test_the_ledger_downloads_as_csv_without_formulas(owner_client, team, teammate):
    job = spent(team, teammate, 10, title="=HYPERLINK(1)", jobid="job:1")
    CreditEvent.objects.create(
        account_email="alice@example.com", generation=job, team=team, user=teammate,
        operation="song", kind="charged", source="upstream", credits=10, upstream_id="u1",
        jobid="job:1",
    )  # fmt: skip
    response = owner_client.get("/credits/ledger.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["at", "account", "member"]
    assert rows[1][1:] == [
        "alice@example.com", teammate.username, "'=HYPERLINK(1)", "song", "upstream",
        "charged", "10.00", "job:1",
    ]  # fmt: skip
