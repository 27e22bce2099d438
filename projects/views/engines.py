"""The project's engines page: assign a Ready engine, or unassign one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from organisations.permissions import ProjectPermission, has_project_permission
from projects.access import project_view
from projects.forms import EngineAssignForm
from projects.services.engines import assign_engine, unassign_engine


def _engines_page(request, form=None, status=200):
    project = request.project
    can_manage = has_project_permission(request.actor, ProjectPermission.MANAGE_ENGINES, project)
    return render(request, "projects/project_engines.html", {
        "project": project,
        "assignments": project.engine_assignments.select_related("engine__cloud_account"),
        "can_manage": can_manage,
        "form": form or (EngineAssignForm(project=project) if can_manage else None),
        "project_guest": request.project_guest,
    }, status=status)


def _back(request):
    return redirect("projects:project-engines", org=request.organisation.slug, pk=request.project.pk)


@project_view(ProjectPermission.VIEW)
def project_engines(request):
    """List the project's engines; project admins also assign an engine here."""
    if request.method != "POST":
        return _engines_page(request)
    if not has_project_permission(request.actor, ProjectPermission.MANAGE_ENGINES, request.project):
        raise PermissionDenied("Only project admins assign engines to a project.")

    form = EngineAssignForm(request.POST, project=request.project)
    if not form.is_valid():
        return _engines_page(request, form, status=400)
    engine = form.cleaned_data["engine"]
    try:
        assign_engine(request.project, engine, actor=request.actor)
    except ValidationError as error:
        form.add_error("engine", error)
        return _engines_page(request, form, status=400)
    messages.success(request, f"Assigning {engine.name}: the project's namespace and workload role are being created there.")
    return _back(request)


@require_POST
@project_view(ProjectPermission.MANAGE_ENGINES)
def engine_unassign(request, engine_pk):
    assignment = get_object_or_404(request.project.engine_assignments.select_related("engine"), engine_id=engine_pk)
    try:
        unassign_engine(request.project, assignment.engine, actor=request.actor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Unassigning {assignment.engine.name}: its namespace and workload role are being removed.")
    return _back(request)
