"""The project creation wizard: basics, engines, people, then a review before anything is created.

The cleaned data of finished steps is kept in the session under one key per organisation.
The review step creates the project through the service, which checks everything again.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from organisations.access import organisation_view
from organisations.permissions import Permission
from projects import naming
from projects.forms import ProjectBasicsForm, ProjectEnginesForm, ProjectPeopleForm, ready_engines
from projects.labels import format_labels
from projects.services.projects import create_project

STEPS = ("basics", "engines", "people", "review")
STEP_TITLES = {"basics": "Project", "engines": "Engines", "people": "Members and labels", "review": "Review"}
FORMS = {"basics": ProjectBasicsForm, "engines": ProjectEnginesForm, "people": ProjectPeopleForm}


def _session_key(organisation) -> str:
    return f"project_wizard:{organisation.slug}"


def _state(request) -> dict:
    return request.session.get(_session_key(request.organisation), {})


def _save(request, step: str, data: dict) -> None:
    state = _state(request)
    state[step] = data
    request.session[_session_key(request.organisation)] = state


def _url(request, step: str) -> str:
    return reverse("projects:project-create", kwargs={"org": request.organisation.slug}) + f"?step={step}"


def _stored(step: str, cleaned: dict) -> dict:
    """Return a step's cleaned data in a form the session can store (ids instead of engines)."""
    if step == "engines":
        return {"engines": [engine.pk for engine in cleaned["engines"]], "default_engine": cleaned["default_engine"].pk}
    if step == "people":
        return {"members": [list(member) for member in cleaned["members"]], "labels": cleaned["labels"]}
    return dict(cleaned)


def _initial(step: str, stored: dict) -> dict:
    """Return a step form's initial values from what the session stored."""
    if step == "people" and stored:
        return {"members": "\n".join(f"{email} {role}" for email, role in stored["members"]),
                "labels": format_labels(stored["labels"])}
    return stored


def _form(request, step: str, data=None):
    arguments = {"organisation": request.organisation} if step in ("basics", "engines") else {}
    return FORMS[step](data, initial=_initial(step, _state(request).get(step, {})), **arguments)


@organisation_view(Permission.CREATE_PROJECTS)
def project_create(request):
    step = request.POST.get("step") or request.GET.get("step") or STEPS[0]
    if step not in STEPS:
        step = STEPS[0]
    if request.method == "GET" and "step" not in request.GET:
        request.session.pop(_session_key(request.organisation), None)

    # A step opens only after the steps before it are done.
    state = _state(request)
    missing = next((earlier for earlier in STEPS[:STEPS.index(step)] if earlier not in state), None)
    if missing:
        return redirect(_url(request, missing))

    if request.method == "POST" and request.POST.get("action") == "back":
        return redirect(_url(request, STEPS[max(0, STEPS.index(step) - 1)]))
    if step == "review":
        return _review(request, state)

    form = _form(request, step, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        _save(request, step, _stored(step, form.cleaned_data))
        return redirect(_url(request, STEPS[STEPS.index(step) + 1]))
    return _render(request, step, {"form": form}, status=400 if request.method == "POST" else 200)


def _review(request, state: dict):
    basics, chosen, people = state["basics"], state["engines"], state["people"]
    engines = {engine.pk: engine for engine in ready_engines(request.organisation).filter(pk__in=chosen["engines"])}
    errors = []
    if set(engines) != set(chosen["engines"]) or chosen["default_engine"] not in engines:
        errors.append("An engine you chose is no longer Ready: go back and choose the engines again.")

    if request.method == "POST" and not errors:
        try:
            project = create_project(
                request.organisation,
                actor=request.actor,
                name=basics["name"],
                description=basics.get("description", ""),
                repository_url=basics["repository_url"],
                repository_provider=basics.get("repository_provider", ""),
                engines=[engines[pk] for pk in chosen["engines"]],
                default_engine=engines[chosen["default_engine"]],
                members=[tuple(member) for member in people["members"]],
                labels=people["labels"],
                request=request,
            )
        except ValidationError as error:
            errors.extend(error.messages)
        else:
            request.session.pop(_session_key(request.organisation), None)
            messages.success(request, f"Creating project {project.name}: follow its progress below.")
            return redirect(project)

    context = {
        "basics": basics,
        "engines": [engines[pk] for pk in chosen["engines"] if pk in engines],
        "default_engine": engines.get(chosen["default_engine"]),
        "members": people["members"],
        "labels": people["labels"],
        "errors": errors,
        "namespace_example": naming.derive_namespace(basics["name"], suffix="0" * naming.NAMESPACE_SUFFIX_HEX_DIGITS),
    }
    return _render(request, "review", context, status=400 if errors and request.method == "POST" else 200)


def _render(request, step: str, context: dict, status: int = 200):
    context.update({
        "step": step,
        "steps": [(name, STEP_TITLES[name]) for name in STEPS],
        "step_number": STEPS.index(step) + 1,
        "step_title": STEP_TITLES[step],
        "has_engines": ready_engines(request.organisation).exists(),
    })
    return render(request, "projects/project_create.html", context, status=status)
