"""The project's members page: add or invite, change roles, remove, and resend or revoke invitations."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from organisations.models import InvitationStatus
from organisations.permissions import ProjectPermission, has_project_permission
from projects.access import project_view
from projects.forms import MemberInviteForm, MemberRoleForm
from projects.models import ProjectRole
from projects.services import members as member_services


def _members_page(request, form=None, status=200):
    project = request.project
    can_manage = has_project_permission(request.actor, ProjectPermission.MANAGE_MEMBERS, project)
    context = {
        "project": project,
        "members": project.members.select_related("user").order_by("user__username"),
        "can_manage": can_manage,
        "role_choices": ProjectRole.choices,
        "project_guest": request.project_guest,
    }
    if can_manage:
        context["invitations"] = member_services.project_invitations(project).select_related("created_by")
        context["form"] = form or MemberInviteForm()
        context["expired_status"] = InvitationStatus.EXPIRED
    return render(request, "projects/project_members.html", context, status=status)


def _back(request):
    return redirect("projects:project-members", org=request.organisation.slug, pk=request.project.pk)


@project_view(ProjectPermission.VIEW)
def project_members(request):
    """List the members; project admins also add or invite people here."""
    if request.method != "POST":
        return _members_page(request)
    if not has_project_permission(request.actor, ProjectPermission.MANAGE_MEMBERS, request.project):
        raise PermissionDenied("Only project admins manage the members of a project.")

    form = MemberInviteForm(request.POST)
    if not form.is_valid():
        return _members_page(request, form, status=400)
    email, role = form.cleaned_data["email"], form.cleaned_data["role"]
    try:
        outcome = member_services.invite_member(request.project, email, role, actor=request.actor, request=request)
    except ValidationError as error:
        form.add_error("email", error)
        return _members_page(request, form, status=400)
    messages.success(request, {
        member_services.ADDED: f"{email} joined the project as {ProjectRole(role).label.lower()}.",
        member_services.INVITED: f"Invitation sent to {email}. It expires in 48 hours.",
        member_services.ALREADY_MEMBER: f"{email} is already a member of the project.",
    }[outcome])
    return _back(request)


def _member(request, member_pk):
    return get_object_or_404(request.project.members.select_related("user"), pk=member_pk)


def _invitation(request, invitation_pk):
    return get_object_or_404(member_services.project_invitations(request.project), pk=invitation_pk)


@require_POST
@project_view(ProjectPermission.MANAGE_MEMBERS)
def member_role(request, member_pk):
    member = _member(request, member_pk)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Role of {member.user.get_username()} not changed: choose admin or member.")
        return _back(request)
    try:
        member_services.change_member_role(member, form.cleaned_data["role"], actor=request.actor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Role of {member.user.get_username()} saved.")
    return _back(request)


@require_POST
@project_view(ProjectPermission.MANAGE_MEMBERS)
def member_remove(request, member_pk):
    member = _member(request, member_pk)
    try:
        member_services.remove_member(member, actor=request.actor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{member.user.get_username()} removed from {request.project}.")
    return _back(request)


@require_POST
@project_view(ProjectPermission.MANAGE_MEMBERS)
def invitation_resend(request, invitation_pk):
    invitation = _invitation(request, invitation_pk)
    try:
        member_services.resend_invitation(invitation, request.project, actor=request.actor, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Invitation sent again to {invitation.email}; the old link no longer works.")
    return _back(request)


@require_POST
@project_view(ProjectPermission.MANAGE_MEMBERS)
def invitation_revoke(request, invitation_pk):
    invitation = _invitation(request, invitation_pk)
    try:
        member_services.revoke_invitation(invitation, request.project, actor=request.actor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Invitation of {invitation.email} revoked.")
    return _back(request)
