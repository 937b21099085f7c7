"""Credits left in the header of every page, the low-credit banner, each account's balance
history and the daily spend chart on the Credits page."""

from __future__ import annotations

import calendar
import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from studio.songs.credits import balances
from studio.songs.models import BalanceReading, Generation, UpstreamAccount

pytestmark = pytest.mark.django_db


def account(email, credits, error=""):
    return UpstreamAccount.objects.create(
        email=email, credits_remaining=credits, error=error, refreshed=timezone.now()
    )


def header(page: str) -> str:
    return page.split("<header", 1)[1].split("</header>", 1)[0]


def test_the_header_shows_the_credits_left_across_healthy_accounts(owner_client):
    account("a@example.com", 1200)
    account("b@example.com", 300)
    account("broken@example.com", 5000, error="Account suspended")
    for url in ("/", "/queue/", "/projects/"):
        page = html.unescape(owner_client.get(url).content.decode())
        assert re.search(r"data-credits[^>]*>1,500 credits</a>", header(page)), url
        assert 'id="low-credits"' not in page


def test_under_100_credits_every_page_warns_not_only_compose(owner_client):
    account("a@example.com", 40)
    account("b@example.com", None)
    for url in ("/", "/queue/", "/compose/", "/credits/"):
        page = html.unescape(owner_client.get(url).content.decode())
        assert "credits-left is-low" in header(page), url
        assert "Credits are running low: 40 left across the Flow Music accounts." in page, url


def test_no_known_balance_hides_the_indicator(owner_client):
    account("a@example.com", None)
    page = owner_client.get("/").content.decode()
    assert re.search(r"data-credits hidden", header(page))
    assert 'id="low-credits"' not in page


def test_a_balance_is_kept_when_it_changes_or_hourly_while_steady():
    start = timezone.now()
    balances.record("a@example.com", 500, start)
    balances.record("a@example.com", 500, start + timedelta(minutes=1))  # same, too soon
    balances.record("a@example.com", 490, start + timedelta(minutes=2))  # changed
    balances.record("a@example.com", 490, start + timedelta(minutes=63))  # same, an hour on
    balances.record("a@example.com", None, start + timedelta(minutes=64))  # not read
    readings = BalanceReading.objects.filter(account_email="a@example.com").order_by("at")
    assert [r.credits for r in readings] == [500, 490, 490]
    BalanceReading.objects.create(
        account_email="a@example.com", credits=900, at=start - timedelta(days=91)
    )
    assert balances.prune(start) == 1


def member_client(user) -> Client:
    member = Client()
    member.force_login(user)
    return member


def test_owners_see_each_accounts_balance_over_30_days(owner_client, teammate):
    account("a@example.com", 470)
    now = timezone.now()
    for days, credits in ((20, 600), (10, 520), (1, 470)):
        BalanceReading.objects.create(
            account_email="a@example.com", credits=credits, at=now - timedelta(days=days)
        )
    BalanceReading.objects.create(
        account_email="a@example.com", credits=999, at=now - timedelta(days=40)
    )  # older than the chart
    page = html.unescape(owner_client.get("/credits/").content.decode())
    assert "Balance of a@example.com: from 600 to 470 credits (lowest 470, highest 600)" in page
    points = re.search(r'<polyline points="([^"]+)"', page).group(1).split()
    assert len(points) == 4  # three readings and "until now"
    xs = [float(p.split(",")[0]) for p in points]
    assert xs == sorted(xs) and xs[0] == 0 and xs[-1] == 620.0  # first reading to now
    assert "Balance of" not in member_client(teammate).get("/credits/").content.decode()


def spent(team, author, credits, when):
    return Generation.objects.create(
        team=team, author=author, prompt="spent", status=Generation.Status.COMPLETED,
        submit_started=when, credits=Decimal(credits),
    )  # fmt: skip


def bars(page: str) -> dict[str, str]:
    """{bar title: its height} of the daily spend chart."""
    chart = page.split('class="spend-chart"', 1)[1].split("</svg>", 1)[0]
    return dict(
        (title, height)
        for height, title in re.findall(r'height="([\d.]+)"><title>([^<]+)</title>', chart)
    )


def test_the_daily_spend_chart_has_a_bar_per_day_of_the_month(owner_client, team, owner, teammate):
    today = timezone.localtime()
    first = today.replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    spent(team, teammate, 10, today)
    spent(team, teammate, 8, today)
    spent(team, owner, 30, today)
    spent(team, owner, 99, first - timedelta(days=2))  # last month: not on the chart
    label = f"{today:%b} {today.day}"

    owner_bars = bars(html.unescape(owner_client.get("/credits/").content.decode()))
    assert len(owner_bars) == calendar.monthrange(today.year, today.month)[1]  # the whole month
    assert float(owner_bars[f"{label}: 48 credits"]) == pytest.approx(124.0)  # the tallest
    if today.day > 1:
        assert float(owner_bars[f"{first:%b} 1: 0 credits"]) == 0

    member_page = html.unescape(member_client(teammate).get("/credits/").content.decode())
    assert f"{label}: 18 credits" in bars(member_page)
    assert "Your jobs: 18 credits spent this month" in member_page
