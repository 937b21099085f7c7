"""Add to project, from any take: a menu of the team's projects, and a New project field that
makes one and adds the take at once.

The menu is loaded when it first opens (templates/projects/add_to_project.html), so a page of
takes costs no query for it. The same view is a page of its own without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from studio.http import HtmxHttpRequest, next_url
from studio.library.projects.forms import AddToProjectForm
from studio.library.projects.lookups import projects_for_clip
from studio.library.queries import clip_for_user
from studio.songs.activity import clip_subject
from studio.songs.models import Clip
from studio.teams.access import team_for
from studio.together import projects as rules
from studio.together.models import Project

# The player bar's menu: its element ids must not clash with the same take's menu in the page.
PLAYER = "player"


def _context(request: HtmxHttpRequest, clip: Clip, form: AddToProjectForm, answer: str) -> dict:
    place = request.POST.get("in") or request.GET.get("in")
    player = place == PLAYER
    return {
        "clip": clip,
        "add_url": reverse("clip_projects", args=[clip.pk]),
        "key": f"pb-{clip.pk}" if player else str(clip.pk),
        "place": PLAYER if player else "",
        "take": clip_subject(clip),
        "projects": projects_for_clip(team_for(request.user), clip),
        "form": form,
        "answer": answer,
        "next_url": next_url(request),
    }


def _add(request: HtmxHttpRequest, clip: Clip, form: AddToProjectForm) -> tuple[Project, str]:
    """Into the chosen project (404 if it is not the team's), or a new one; and what happened."""
    team = team_for(request.user)
    chosen = form.cleaned_data["project"]
    if chosen:
        project = get_object_or_404(Project, pk=chosen, team=team)
    else:
        project = rules.create(team, request.user, form.cleaned_data["name"])
    item, added = rules.add(project, clip, request.user)
    if added:
        return project, f"Added to “{project.name}” (track {item.position})"
    return project, f"Already in “{project.name}” (track {item.position})"


def clip_projects(request: HtmxHttpRequest, pk: int):
    """GET: the menu (htmx) or its page. POST: add the take, and say so."""
    clip = clip_for_user(request.user, pk)
    if request.method != "POST":
        context = _context(request, clip, AddToProjectForm(), "")
        template = "projects/partials/menu.html" if request.htmx else "projects/add.html"
        return render(request, template, context)
    form = AddToProjectForm(request.POST)
    if not form.is_valid():
        answer = " ".join(str(message) for errors in form.errors.values() for message in errors)
        context = _context(request, clip, form, answer)
        if request.htmx:  # 200: htmx swaps only successful answers, and the error must show
            return render(request, "projects/partials/menu_answer.html", context)
        return render(request, "projects/add.html", context, status=400)
    project, answer = _add(request, clip, form)
    if request.htmx:
        context = _context(request, clip, AddToProjectForm(), answer)
        return render(request, "projects/partials/menu_answer.html", context)
    messages.success(request, answer + ".")
    return redirect(next_url(request) or reverse("project", args=[project.pk]))
