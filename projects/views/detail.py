"""The project page and its live panel, settings, deletion, purge, and retry or cancel of its operation."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from engines.choices import OperationStatus, ResourceState, StepStatus
from organisations.permissions import ProjectPermission, project_permissions_of
from projects.access import project_view
from projects.lifecycle import STORAGE_TYPES
from projects.models import ProjectStatus
from projects.services.projects import (
    cancel_project_operation,
    retained_resources,
    retry_project_operation,
    start_project_deletion,
    update_project_settings,
)
from projects.forms import ProjectSettingsForm

LOG_LINES = 50


def project_context(request, project) -> dict:
    """Return what the project page and its live panel show."""
    operation = project.operations.order_by("-created_at", "-id").first()
    steps = list(operation.steps.all()) if operation else []
    done = sum(1 for step in steps if step.status in StepStatus.done())
    granted = project_permissions_of(request.actor, project)
    resources = list(project.resources.select_related("engine").order_by("id"))
    storage = [resource for resource in resources if resource.type in STORAGE_TYPES]
    is_live = bool(operation and operation.is_active)
    return {
        "project": project,
        "operation": operation,
        "steps": steps,
        "steps_done": done,
        "steps_total": len(steps),
        "percent": int(100 * done / len(steps)) if steps else 0,
        "current_step": next((step for step in steps if step.status in ("running", "waiting", "failed")), None),
        "log_lines": list(operation.log_lines.order_by("-id")[:LOG_LINES])[::-1] if operation else [],
        "resources": resources,
        "buckets": [resource for resource in storage if resource.type == "s3_bucket"],
        "registry": next((resource for resource in storage if resource.type == "ecr_repository"), None),
        "retained": [resource for resource in storage if resource.retained and resource.state != ResourceState.DELETED],
        "assignments": list(project.engine_assignments.select_related("engine")),
        "is_live": is_live,
        "can": {permission.name.lower(): permission in granted for permission in ProjectPermission},
        "can_retry": ProjectPermission.RUN_OPERATIONS in granted and operation is not None
        and operation.status in (OperationStatus.FAILED, OperationStatus.CANCELLED),
        "can_cancel": ProjectPermission.RUN_OPERATIONS in granted and is_live,
        "project_guest": request.project_guest,
    }


@project_view(ProjectPermission.VIEW)
def project_detail(request):
    context = project_context(request, request.project)
    context["member_count"] = request.project.members.count()
    return render(request, "projects/project_detail.html", context)


@project_view(ProjectPermission.VIEW)
def project_live(request):
    """Return the project page's live panel, which polls itself while an operation runs."""
    return render(request, "projects/project_live.html", project_context(request, request.project))


@project_view(ProjectPermission.MANAGE_SETTINGS)
def project_settings(request):
    project = request.project
    form = ProjectSettingsForm.for_project(project, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            update_project_settings(
                project, actor=request.actor, description=form.cleaned_data["description"],
                repository_url=form.cleaned_data["repository_url"],
                repository_provider=form.cleaned_data["repository_provider"], labels=form.cleaned_data["labels"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Settings of {project.name} saved.")
            return redirect(project)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/project_settings.html",
                  {"project": project, "form": form, "project_guest": request.project_guest}, status=status)


@project_view(ProjectPermission.DELETE)
def project_delete(request):
    """Confirm and start a project's deletion; with purge, its buckets and registry go too."""
    project = request.project
    context = {"project": project, "project_guest": request.project_guest}
    if request.method == "POST":
        purge = request.POST.get("purge") == "on"
        if request.POST.get("confirm_name", "").strip() != project.name:
            messages.error(request, f"Type the project's name, {project.name}, to confirm the deletion.")
            return render(request, "projects/project_delete.html", context, status=400)
        try:
            start_project_deletion(project, actor=request.actor, purge=purge,
                                   confirm_name=request.POST.get("confirm_name", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Deleting project {project.name}" + (
                ", with its buckets and registry." if purge else "; its buckets and registry are kept."))
        return redirect(project)
    return render(request, "projects/project_delete.html", context)


@project_view(ProjectPermission.DELETE)
def project_purge(request):
    """Confirm, by the project's name, the deletion of a deleted project's retained buckets and registry."""
    project = request.project
    context = {"project": project, "retained": list(retained_resources(project)), "project_guest": request.project_guest}
    if project.status != ProjectStatus.DELETED:
        messages.error(request, "Only a deleted project's retained storage can be purged: delete the project first.")
        return redirect(project)
    if request.method == "POST":
        try:
            start_project_deletion(project, actor=request.actor, purge=True,
                                   confirm_name=request.POST.get("confirm_name", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return render(request, "projects/project_purge.html", context, status=400)
        messages.success(request, f"Purging the buckets and registry of {project.name}.")
        return redirect(project)
    return render(request, "projects/project_purge.html", context)


@require_POST
@project_view(ProjectPermission.RUN_OPERATIONS)
def operation_retry(request):
    project = request.project
    operation = get_object_or_404(project.operations, pk=request.POST.get("operation"))
    try:
        retry_project_operation(operation, actor=request.actor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Retrying the {operation.get_kind_display().lower()} from where it stopped.")
    return redirect(project)


@require_POST
@project_view(ProjectPermission.RUN_OPERATIONS)
def operation_cancel(request):
    project = request.project
    operation = get_object_or_404(project.operations, pk=request.POST.get("operation"))
    try:
        cancel_project_operation(operation, actor=request.actor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(request, "Cancel requested: the operation stops after its current step.")
    return redirect(project)
