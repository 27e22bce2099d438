"""The project's environment variables: list, add, edit, delete, and bulk edit from a `.env` file.

Only the project's members (and organisation admins) open these pages. Sensitive values are
write-only: no page renders one, and an edit with a blank value keeps the stored one. Views
that receive values hide them from error reports (`sensitive_post_parameters` for the request,
`sensitive_variables` for the view's own frame).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from organisations.permissions import ProjectPermission
from projects.access import project_view
from projects.services.variables import (
    apply_project_import,
    delete_project_variable,
    get_project_variable,
    list_project_variables,
    preview_project_import,
    set_project_variable,
    variables_changeable,
)
from projects.variable_forms import VariableForm, VariableImportApplyForm, VariableImportForm
from secrets_vault.dotenv import DotenvError
from secrets_vault.import_seals import InvalidImportSeal, SealedImport, open_import, seal_import
from secrets_vault.services import ImportConflict, VariableNotFound


def _back(request):
    return redirect("projects:project-variables", org=request.organisation.slug, pk=request.project.pk)


def _variable_or_404(request, variable_pk: int):
    try:
        return get_project_variable(request.project, variable_pk, actor=request.actor)
    except VariableNotFound:
        raise Http404("No such variable in this project.") from None


def _render(request, template: str, context: dict, status: int = 200):
    context = {"project": request.project, "project_guest": request.project_guest, **context}
    return render(request, template, context, status=status)


def _redirect_if_unchangeable(request):
    """Return a redirect with a message when the project is being deleted, else None."""
    if variables_changeable(request.project):
        return None
    project = request.project
    messages.error(request, f"Project {project} is {project.get_status_display().lower()}: its variables can no longer "
                            "change.")
    return _back(request)


@project_view(ProjectPermission.MANAGE_VARIABLES)
def variable_list(request):
    project = request.project
    return _render(request, "projects/variables.html", {
        "variables": list_project_variables(project, actor=request.actor),
        "can_change": variables_changeable(project),
        "sync_pending": project.variables_sync_pending,
    })


@sensitive_post_parameters("value")
@project_view(ProjectPermission.MANAGE_VARIABLES)
@sensitive_variables()
def variable_create(request):
    unchangeable = _redirect_if_unchangeable(request)
    if unchangeable:
        return unchangeable
    form = VariableForm(request.POST if request.method == "POST" else None)
    if request.method != "POST" or not form.is_valid():
        return _render(request, "projects/variable_form.html", {"form": form}, status=400 if form.is_bound else 200)

    name, scope = form.cleaned_data["name"], form.cleaned_data["scope"]
    existing = list_project_variables(request.project, actor=request.actor)
    if any(variable.name == name and variable.scope == scope for variable in existing):
        form.add_error("name", f"The project already has a {scope} variable named {name}: edit that one instead.")
        return _render(request, "projects/variable_form.html", {"form": form}, status=400)
    try:
        set_project_variable(request.project, actor=request.actor, name=name, value=form.cleaned_data["value"],
                             scope=scope, sensitive=form.cleaned_data["sensitive"])
    except ValidationError as error:
        form.add_error(None, error)
        return _render(request, "projects/variable_form.html", {"form": form}, status=400)
    messages.success(request, f"Variable {name} added.")
    return _back(request)


@sensitive_post_parameters("value")
@project_view(ProjectPermission.MANAGE_VARIABLES)
@sensitive_variables()
def variable_edit(request, variable_pk):
    variable = _variable_or_404(request, variable_pk)
    unchangeable = _redirect_if_unchangeable(request)
    if unchangeable:
        return unchangeable
    form = VariableForm(request.POST if request.method == "POST" else None, variable=variable)
    context = {"form": form, "variable": variable}
    if request.method != "POST" or not form.is_valid():
        return _render(request, "projects/variable_form.html", context, status=400 if form.is_bound else 200)

    try:
        set_project_variable(request.project, actor=request.actor, name=variable.name,
                             value=form.cleaned_data["value"], scope=variable.scope,
                             sensitive=form.cleaned_data["sensitive"])
    except ValidationError as error:
        form.add_error("value", error)
        return _render(request, "projects/variable_form.html", context, status=400)
    messages.success(request, f"Variable {variable.name} saved.")
    return _back(request)


@require_POST
@project_view(ProjectPermission.MANAGE_VARIABLES)
def variable_delete(request, variable_pk):
    variable = _variable_or_404(request, variable_pk)
    try:
        delete_project_variable(request.project, actor=request.actor, name=variable.name, scope=variable.scope)
    except (ValidationError, VariableNotFound) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, f"Variable {variable.name} ({variable.scope}) deleted.")
    return _back(request)


@sensitive_post_parameters()
@project_view(ProjectPermission.MANAGE_VARIABLES)
@sensitive_variables()
def variable_import(request):
    """Upload a `.env` file and show what applying it would change, sensitive values masked."""
    unchangeable = _redirect_if_unchangeable(request)
    if unchangeable:
        return unchangeable
    form = VariableImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return _render(request, "projects/variable_import.html", {"form": form}, status=400 if form.is_bound else 200)

    text, scope, sensitive = form.cleaned_data["file"], form.cleaned_data["scope"], form.cleaned_data["sensitive"]
    try:
        preview = preview_project_import(request.project, text, actor=request.actor, scope=scope, sensitive=sensitive)
    except (DotenvError, ValidationError) as error:
        form.add_error("file", " ".join(getattr(error, "messages", [str(error)])))
        return _render(request, "projects/variable_import.html", {"form": form}, status=400)

    sealed = seal_import(SealedImport(project_id=request.project.pk, scope=scope, sensitive=sensitive,
                                      user_id=request.user.pk, text=text))
    apply_form = VariableImportApplyForm(initial={"sealed": sealed, "fingerprint": preview.fingerprint})
    return _render(request, "projects/variable_import_preview.html", {
        "preview": preview, "apply_form": apply_form, "scope_label": dict(form.fields["scope"].choices)[scope],
    })


@require_POST
@sensitive_post_parameters("sealed")
@project_view(ProjectPermission.MANAGE_VARIABLES)
@sensitive_variables()
def variable_import_apply(request):
    """Apply a previewed import in one transaction, if the variables have not changed since the preview."""
    form = VariableImportApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The preview was incomplete: upload the file and preview it again.")
        return redirect("projects:variable-import", org=request.organisation.slug, pk=request.project.pk)
    try:
        sealed = open_import(form.cleaned_data["sealed"], project_id=request.project.pk, user_id=request.user.pk)
        preview = apply_project_import(request.project, sealed.text, actor=request.actor, scope=sealed.scope,
                                       sensitive=sealed.sensitive, fingerprint=form.cleaned_data["fingerprint"])
    except (InvalidImportSeal, ImportConflict, DotenvError, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("projects:variable-import", org=request.organisation.slug, pk=request.project.pk)

    messages.success(request, f"Imported {sealed.scope} variables: {len(preview.added)} added, "
                              f"{len(preview.changed)} changed, {len(preview.removed)} removed.")
    return _back(request)
