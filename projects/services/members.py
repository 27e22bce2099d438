"""Project members and project invitations: each change one transaction with its audit event.

A person who is already a member of the organisation joins a project at once. Anyone
else gets a project invitation (48 hours) from the organisations app; accepting it
sends `invitation_accepted`, on which `add_member_from_invitation` adds the member.
"""

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from audit import services as audit
from organisations import services as organisation_services
from organisations.models import Invitation, InvitationKind, normalise_email
from organisations.permissions import Actor, ProjectPermission, require_project, roles_of
from projects.models import Project, ProjectMember, ProjectRole, ProjectStatus

logger = logging.getLogger(__name__)

ADDED = "added"
INVITED = "invited"
ALREADY_MEMBER = "already a member"


def clean_role(role: str) -> str:
    if role not in ProjectRole.values:
        raise ValidationError(f"{role!r} is not a project role: use {' or '.join(ProjectRole.values)}.",
                              code="project_role")
    return role


def invite_member(project: Project, email: str, role: str, *, actor, request=None) -> str:
    """Add an organisation member to a project, or invite anyone else; return ADDED, INVITED or ALREADY_MEMBER."""
    require_project(actor, ProjectPermission.MANAGE_MEMBERS, project)
    if project.status == ProjectStatus.DELETED:
        raise ValidationError(f"Project {project} is deleted: it takes no new members.")
    with transaction.atomic():
        return add_or_invite(project, email, role, actor=actor, request=request)


def add_or_invite(project: Project, email: str, role: str, *, actor, request=None) -> str:
    """Add or invite without a permission check: the caller has checked it (project creation, or invite_member)."""
    role = clean_role(role)
    email = normalise_email(email)
    user = _organisation_member(project.organisation, email)
    if user is None:
        try:
            organisation_services.invite(project.organisation, email, actor=actor, project_id=project.pk,
                                         project_role=role, request=request)
        except organisation_services.MembershipError as error:
            raise ValidationError(str(error)) from None
        return INVITED

    member, created = ProjectMember.objects.get_or_create(project=project, user=user, defaults={"role": role})
    if not created:
        return ALREADY_MEMBER
    audit.record(actor, "project.member_added", project,
                 details={"user": user.get_username(), "role": role})
    return ADDED


def _organisation_member(organisation, email: str):
    """Return the active user with this email who has a role in the organisation, if there is exactly one."""
    users = [user for user in get_user_model().objects.filter(email__iexact=email, is_active=True)[:2]
             if roles_of(user, organisation)]
    return users[0] if len(users) == 1 else None


def change_member_role(member: ProjectMember, role: str, *, actor) -> ProjectMember:
    """Make a member project admin or member, unless that leaves the project without a project admin."""
    require_project(actor, ProjectPermission.MANAGE_MEMBERS, member.project)
    role = clean_role(role)
    with transaction.atomic():
        member = _lock(member)
        if member.role == role:
            return member
        _require_another_admin(member, "change this member's role")
        old_role = member.role
        member.role = role
        member.save(update_fields=["role"])
        audit.record(actor, "project.member_role_changed", member.project,
                     details={"user": member.user.get_username(), "old_role": old_role, "new_role": role})
    return member


def remove_member(member: ProjectMember, *, actor) -> None:
    """Remove a member from a project, unless they are its last project admin."""
    require_project(actor, ProjectPermission.MANAGE_MEMBERS, member.project)
    with transaction.atomic():
        member = _lock(member)
        _require_another_admin(member, "remove this member")
        audit.record(actor, "project.member_removed", member.project,
                     details={"user": member.user.get_username(), "role": member.role})
        member.delete()


def resend_invitation(invitation: Invitation, project: Project, *, actor, request=None) -> Invitation:
    require_project(actor, ProjectPermission.MANAGE_MEMBERS, project)
    try:
        return organisation_services.resend(invitation, actor=actor, request=request)
    except organisation_services.MembershipError as error:
        raise ValidationError(str(error)) from None


def revoke_invitation(invitation: Invitation, project: Project, *, actor) -> Invitation:
    require_project(actor, ProjectPermission.MANAGE_MEMBERS, project)
    try:
        return organisation_services.revoke(invitation, actor=actor)
    except organisation_services.MembershipError as error:
        raise ValidationError(str(error)) from None


def project_invitations(project: Project):
    """Return the project's invitations that are neither accepted nor revoked (pending or expired)."""
    return Invitation.objects.open().filter(kind=InvitationKind.PROJECT, project_id=project.pk,
                                            organisation=project.organisation)


def add_member_from_invitation(sender, invitation, user, **kwargs) -> None:
    """Add the member of an accepted project invitation (an `invitation_accepted` receiver, inside its transaction)."""
    if invitation.kind != InvitationKind.PROJECT:
        return
    project = Project.objects.filter(pk=invitation.project_id, organisation=invitation.organisation).first()
    if project is None or project.status == ProjectStatus.DELETED:
        logger.info("invitation=%s accepted for project %s, which no longer exists", invitation.pk,
                    invitation.project_id)
        return
    member, created = ProjectMember.objects.get_or_create(
        project=project, user=user, defaults={"role": invitation.project_role}
    )
    if created:
        actor = Actor(user=user, label=user.get_username())
        audit.record(actor, "project.member_added", project,
                     details={"user": user.get_username(), "role": member.role, "invitation": invitation.pk})


def _lock(member: ProjectMember) -> ProjectMember:
    return ProjectMember.objects.select_for_update().select_related("project__organisation", "user").get(pk=member.pk)


def _require_another_admin(member: ProjectMember, action: str) -> None:
    if member.role != ProjectRole.ADMIN:
        return
    admins = ProjectMember.objects.select_for_update().filter(project=member.project, role=ProjectRole.ADMIN)
    if list(admins.values_list("pk", flat=True)) == [member.pk]:
        raise ValidationError(
            f"{member.user.get_username()} is the last project admin of {member.project}: make another member "
            f"project admin first, then {action}."
        )
