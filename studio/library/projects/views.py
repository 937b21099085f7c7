"""The Projects page, a project's page (its takes in order: play, reorder, remove), Rename and
Delete. Changes to the order answer htmx with the list; a plain form post with a redirect."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from studio.http import HtmxHttpRequest
from studio.library.projects.forms import MoveForm, ProjectForm
from studio.library.projects.lookups import (
    entries,
    item_for_user,
    items_with_clips,
    project_for_user,
    team_projects,
)
from studio.library.projects.rendered import project_items
from studio.teams.access import team_for
from studio.together import projects as rules
from studio.together.models import Project


@require_GET
def project_list(request: HtmxHttpRequest):
    """The team's projects, and New project."""
    return _list_page(request, ProjectForm())


def _list_page(request: HtmxHttpRequest, form: ProjectForm, status: int = 200):
    context = {"projects": team_projects(team_for(request.user)), "form": form}
    return render(request, "projects/list.html", context, status=status)


@require_POST
def project_create(request: HtmxHttpRequest):
    form = ProjectForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    team = team_for(request.user)
    data = form.cleaned_data
    project = rules.create(team, request.user, data["name"], data["description"])
    return redirect("project", project.pk)


def _project_context(request, project: Project, status_text: str = "") -> dict:
    shown = entries(items_with_clips(project))
    return {
        "project": project,
        "entries": shown,
        "entry_items": project_items(request, shown),
        "status_text": status_text,
    }


@require_GET
def project(request: HtmxHttpRequest, pk: int):
    """The project's takes in order, with Play all, and what changes the project."""
    found = project_for_user(request.user, pk)
    context = _project_context(request, found)
    context["form"] = ProjectForm(instance=found)
    return render(request, "projects/project.html", context)


def project_edit(request: HtmxHttpRequest, pk: int):
    """Rename: the project's name and description (a page of its own without JavaScript)."""
    found = project_for_user(request.user, pk)
    if request.method != "POST":
        return render(
            request, "projects/edit.html", {"project": found, "form": ProjectForm(instance=found)}
        )
    form = ProjectForm(request.POST)
    if not form.is_valid():
        return render(request, "projects/edit.html", {"project": found, "form": form}, status=400)
    rules.rename(found, form.cleaned_data["name"], form.cleaned_data["description"])
    messages.success(request, f"Saved “{found.name}”.")
    return redirect("project", found.pk)


def project_delete(request: HtmxHttpRequest, pk: int):
    """Asks first (GET), deletes on POST; the takes stay in the library."""
    found = project_for_user(request.user, pk)
    if request.method != "POST":
        return render(request, "projects/delete.html", {"project": found})
    rules.delete(found)
    messages.success(request, f"Deleted the project “{found.name}”.")
    return redirect("projects")


def _items_answer(request: HtmxHttpRequest, project: Project, status_text: str):
    """htmx: the list of takes, and the news for screen readers; else back to the page."""
    if not request.htmx:
        messages.success(request, status_text)
        return redirect(reverse("project", args=[project.pk]) + "#project-items")
    context = _project_context(request, project, status_text)
    return render(request, "projects/partials/items_answer.html", context)


@require_POST
def project_item_move(request: HtmxHttpRequest, pk: int):
    item = item_for_user(request.user, pk)
    form = MoveForm(request.POST)
    title = item.clip.title or "Untitled"
    if not form.is_valid():
        return _items_answer(request, item.project, f"“{title}” was not moved.")
    if form.cleaned_data["direction"]:
        position = rules.step(item, form.cleaned_data["direction"])
    else:
        position = rules.move(item, form.cleaned_data["to"])
    total = item.project.items.count()
    if position is None:
        news = f"“{title}” is no longer in the project."
    else:
        news = f"“{title}”: position {position} of {total}."
    return _items_answer(request, item.project, news)


@require_POST
def project_item_remove(request: HtmxHttpRequest, pk: int):
    item = item_for_user(request.user, pk)
    rules.remove(item)
    title = item.clip.title or "Untitled"
    return _items_answer(request, item.project, f"Removed “{title}” ({item.clip.slot}).")
