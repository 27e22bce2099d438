"""View decorators for project pages: they resolve the organisation and project and ask the permission module.

Members of the organisation may open every project of it. A person invited to a project
only (with no organisation role) may open that project and nothing else of the organisation.
Anyone else gets 404, as for an organisation they are not a member of.
"""

from functools import wraps

from django.http import Http404
from django.shortcuts import get_object_or_404

from organisations.models import Organisation
from organisations.permissions import (
    Actor,
    ProjectPermission,
    can_manage_variables,
    can_see_projects,
    project_role_of,
    require_project,
    roles_of,
)
from projects.models import Project


def _prepare(request, org: str) -> Organisation:
    organisation = get_object_or_404(Organisation, slug=org)
    if not can_see_projects(request.user, organisation):
        raise Http404("No such organisation.")
    request.organisation = organisation
    request.actor = Actor.from_request(request)
    # A project guest has no organisation role, so the navigation hides the organisation's pages.
    request.project_guest = not roles_of(request.user, organisation)
    return organisation


def projects_view(view):
    """Load the `org` URL argument for the project list: organisation members and project members get in."""

    @wraps(view)
    def wrapped(request, org, *args, **kwargs):
        _prepare(request, org)
        return view(request, *args, **kwargs)

    return wrapped


def project_view(permission: ProjectPermission):
    """Load the `org` and `pk` URL arguments, return 404 to those who cannot see the project, and require `permission`.

    The view receives the request with `organisation`, `project`, `actor`, `project_guest` and
    `can_manage_variables` (which shows the Variables tab) set.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, org, pk, *args, **kwargs):
            organisation = _prepare(request, org)
            project = get_object_or_404(
                Project.objects.select_related("organisation", "default_engine__cloud_account"),
                organisation=organisation, pk=pk,
            )
            if request.project_guest and project_role_of(request.user, project) is None:
                raise Http404("No such project.")
            require_project(request.actor, permission, project)
            request.project = project
            request.can_manage_variables = can_manage_variables(request.actor, project)
            return view(request, *args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator
