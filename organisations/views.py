"""Organisation pages: the entry redirect, the dashboard and the members page."""

from django.contrib import messages
from django.shortcuts import redirect, render

from engines.choices import EngineStatus
from organisations.access import organisation_view
from organisations.forms import InvitationForm
from organisations.models import InvitationKind, InvitationStatus, Role
from organisations.permissions import Permission, has_permission, organisations_of, project_organisations_of
from projects.models import ProjectStatus

DASHBOARD_PROJECTS = 10


def home(request):
    """Send a signed-in user to the dashboard of their first organisation, or to their projects.

    A person invited to a project only holds no organisation role, so the project list
    of that project's organisation is their landing page.
    """
    organisation = organisations_of(request.user).first()
    if organisation is None:
        guest_of = project_organisations_of(request.user).first()
        if guest_of is not None:
            return redirect("projects:project-list", org=guest_of.slug)
        messages.info(request, "You are not a member of any organisation yet. Ask an organisation admin to invite you.")
        return render(request, "organisations/no_organisation.html")
    return redirect("dashboard", org=organisation.slug)


@organisation_view(Permission.VIEW_ORGANISATION)
def dashboard(request):
    organisation = request.organisation
    engines = organisation.engines.exclude(status=EngineStatus.DELETED).select_related("cloud_account")
    projects = organisation.projects.exclude(status=ProjectStatus.DELETED).order_by("-created_at")
    return render(
        request,
        "organisations/dashboard.html",
        {
            "engines": engines,
            "cloud_accounts": organisation.cloud_accounts.all(),
            "projects": projects[:DASHBOARD_PROJECTS],
            "project_count": projects.count(),
            "recent_events": organisation.audit_events.all()[:10],
        },
    )


@organisation_view(Permission.VIEW_MEMBERS)
def members(request):
    return render_members_page(request)


def render_members_page(request, invitation_form=None, status=200):
    """Render the members page: the members, and for member managers the open invitations and forms."""
    organisation = request.organisation
    memberships = list(organisation.memberships.select_related("user").order_by("user__username"))
    admin_ids = [membership.pk for membership in memberships if membership.is_organisation_admin]
    can_manage = has_permission(request.actor, Permission.MANAGE_MEMBERS, organisation)
    context = {
        "memberships": memberships,
        "can_manage": can_manage,
        "last_admin_id": admin_ids[0] if len(admin_ids) == 1 else None,
        "role_choices": list(Role),
    }
    if can_manage:
        context["invitations"] = (
            organisation.invitations.open().filter(kind=InvitationKind.ORGANISATION).select_related("created_by")
        )
        context["invitation_form"] = invitation_form or InvitationForm()
        context["expired_status"] = InvitationStatus.EXPIRED
    return render(request, "organisations/members.html", context, status=status)
