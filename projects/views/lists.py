"""The project list, with its filters and pagination."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render

from engines.choices import EngineStatus
from organisations.permissions import Permission, has_permission, visible_projects
from projects.access import projects_view
from projects.models import ProjectEngine, ProjectStatus

PAGE_SIZE = 25


@projects_view
def project_list(request):
    """List the projects the user may see, filtered by name, namespace and engine, one page at a time."""
    organisation = request.organisation
    show_deleted = request.GET.get("deleted") == "1"
    filters = {
        "name": request.GET.get("name", "").strip(),
        "namespace": request.GET.get("namespace", "").strip(),
        "engine": request.GET.get("engine", "").strip(),
    }

    projects = visible_projects(request.user, organisation).select_related("organisation").order_by("name", "pk")
    if not show_deleted:
        projects = projects.exclude(status=ProjectStatus.DELETED)
    if filters["name"]:
        projects = projects.filter(name__icontains=filters["name"])
    if filters["namespace"]:
        projects = projects.filter(namespace__icontains=filters["namespace"])
    if filters["engine"].isdigit():
        projects = projects.filter(engine_assignments__engine_id=int(filters["engine"])).distinct()
    projects = projects.prefetch_related(
        Prefetch("engine_assignments", queryset=ProjectEngine.objects.select_related("engine").order_by("engine__name"))
    )

    engines = organisation.engines.exclude(status=EngineStatus.DELETED).order_by("name")
    if request.project_guest:
        # A project guest sees the engines of their own projects only.
        engines = engines.filter(project_assignments__project__members__user=request.user).distinct()

    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "projects/project_list.html", {
        "page": page,
        "filters": filters,
        "show_deleted": show_deleted,
        "engines": engines,
        "can_create": has_permission(request.actor, Permission.CREATE_PROJECTS, organisation),
        "query": query.urlencode(),
        "project_guest": request.project_guest,
    })
