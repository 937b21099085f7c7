"""axe-core on every page, as a signed-out and a signed-in user: no serious or critical
violation. axe is vendored (static/vendor/axe-core-*) and injected by these tests only; it is
loaded from this site's own /static/, so the page's self-only CSP stays on while it runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from studio.songs.edits.registry import FORMS
from studio.teams.models import Invitation, Membership
from studio.together.models import Project, ProjectItem, ShareLink
from tests.browser.conftest import log_in
from tests.conftest import make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_VERSION = "4.14.1"
AXE = (
    Path(__file__).resolve().parents[2]
    / "static"
    / "vendor"
    / f"axe-core-{AXE_VERSION}"
    / "axe.min.js"
)
BLOCKING = ("serious", "critical")


def axe_violations(page: Page) -> list[dict]:
    """Serious and critical violations on the page as it is now."""
    assert AXE.exists(), f"axe-core is not vendored at {AXE}"
    if not page.evaluate("typeof window.axe === 'object'"):
        # Only tests ever load it: no page links it.
        assert not page.locator('script[src*="axe-core"]').count(), "a page links axe-core"
        page.add_script_tag(url=f"/static/vendor/axe-core-{AXE_VERSION}/axe.min.js")
    results = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html,
                                          summary: n.failureSummary}))}));
        }"""
    )
    return [v for v in results if v["impact"] in BLOCKING]


def readable(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            lines.append(f"    at {node['target']}\n       {node['html'][:200]}")
            lines.append("       " + (node["summary"] or "").replace("\n", "\n       "))
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def check(page: Page, where: str) -> list[str]:
    violations = axe_violations(page)
    if violations:
        report = f"{where}:\n{readable(violations)}"
        print(report)
        return [report]
    return []


def test_first_run_page_is_accessible(page: Page, studio):
    page.goto(studio.url)
    expect(page.get_by_role("heading", name="Create the first account")).to_be_visible()
    problems = check(page, "first run")
    assert not problems, "\n\n".join(problems)


def test_sign_in_page_is_accessible(page: Page, studio, owner):
    page.goto(f"{studio.url}/login/")
    problems = check(page, "sign in")
    # With the errors of a failed attempt too.
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    problems += check(page, "sign in, failed")
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_signed_in_pages_are_accessible(page: Page, studio, owner, three_songs, viewport):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    log_in(page, studio.url)
    problems = check(page, "library with songs")

    # The player bar with a take playing, its queue open, and the shortcuts dialog.
    page.locator('[data-player="play"]').first.click()
    tracks = page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-player="play"][data-track]'),
                            el => JSON.parse(el.dataset.track))"""
    )
    page.evaluate("tracks => tracks.slice(1, 3).forEach(t => StudioPlayer.enqueue(t))", tracks)
    bar = page.get_by_role("region", name="Player")
    bar.get_by_role("button", name="Queue").click()
    problems += check(page, "library, player queue open")
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 5, "y": 200})
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    problems += check(page, "shortcuts dialog")
    page.get_by_role("dialog").get_by_role("button", name="Close").click()

    first = three_songs[0]
    take = first.clips.order_by("slot").first()
    project = Project.objects.create(team=first.team, name="Demo reel", author=owner)
    ProjectItem.objects.create(project=project, clip=take, position=1, added_by=owner)
    member = make_member(first.team, "tom")
    pages = [
        ("song page", reverse("song", args=[first.pk])),
        ("compose", reverse("compose")),
        ("queue", reverse("queue")),
        ("projects", reverse("projects")),
        ("project", reverse("project", args=[project.pk])),
        ("project edit", reverse("project_edit", args=[project.pk])),
        ("project delete", reverse("project_delete", args=[project.pk])),
        ("credits", reverse("credits")),
        ("team", reverse("team")),
        ("team activity", reverse("team_activity")),
        ("remove member", reverse("remove_member", args=[Membership.objects.get(user=member).pk])),
        ("settings", reverse("settings")),
    ]
    # The no-JavaScript page of each take edit (the song page opens them in a panel).
    pages += [
        (f"take edit: {operation}", reverse("take_edit", args=[take.pk, operation]))
        for operation in FORMS
    ]
    for name, path in pages:
        page.goto(studio.url + path)  # a full load: each page as a first visit sees it
        problems += check(page, name)
    assert not problems, "\n\n".join(problems)


def test_signed_out_pages_are_accessible(page: Page, studio, owner, three_songs):
    """The public share page (its own base template and player) and an invitation, usable
    and used."""
    first = three_songs[0]
    link = ShareLink.objects.create(
        team=first.team, generation=first, created_by=owner, allow_download=True
    )
    invitation = Invitation.objects.create(team=first.team, created_by=owner)
    used = Invitation.objects.create(team=first.team, created_by=owner, used_at=timezone.now())
    problems: list[str] = []
    for name, path in [
        ("shared song", reverse("shared_song", args=[link.token])),
        ("invitation", reverse("invitation_signup", args=[invitation.token])),
        ("used invitation", reverse("invitation_signup", args=[used.token])),
    ]:
        page.goto(studio.url + path)
        problems += check(page, name)
    assert not problems, "\n\n".join(problems)


def test_the_axe_file_is_the_vendored_release():
    assert f"axe v{AXE_VERSION}" in AXE.read_text(encoding="utf-8")[:200]
