"""Actions of the members page, and the public page that an invitation link opens."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from aichor_portal.auth import auth0_configured
from aichor_portal.auth_pipeline import INVITATION_SESSION_KEY
from organisations import services
from organisations.access import organisation_view
from organisations.forms import InvitationForm, MemberRolesForm
from organisations.models import Invitation, InvitationKind, InvitationStatus, Membership
from organisations.permissions import Permission
from organisations.services import rejection_message
from organisations.views import render_members_page


@organisation_view(Permission.MANAGE_MEMBERS)
@require_POST
def invite(request):
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return render_members_page(request, invitation_form=form, status=400)

    email = form.cleaned_data["email"]
    try:
        invitation = services.invite(
            request.organisation, email, form.cleaned_data["roles"], actor=request.actor, request=request
        )
    except services.MembershipError as error:
        form.add_error("email", str(error))
        return render_members_page(request, invitation_form=form, status=400)
    messages.success(request, f"Invitation sent to {email}. It expires on {invitation.expires_at:%Y-%m-%d %H:%M} UTC.")
    return _back_to_members(request)


@organisation_view(Permission.MANAGE_MEMBERS)
@require_POST
def resend_invitation(request, pk):
    invitation = _organisation_invitation(request, pk)
    try:
        services.resend(invitation, actor=request.actor, request=request)
    except services.MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"Invitation sent again to {invitation.email}, with a new link. The old link no longer works."
        )
    return _back_to_members(request)


@organisation_view(Permission.MANAGE_MEMBERS)
@require_POST
def revoke_invitation(request, pk):
    invitation = _organisation_invitation(request, pk)
    try:
        services.revoke(invitation, actor=request.actor)
    except services.MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Invitation of {invitation.email} revoked.")
    return _back_to_members(request)


@organisation_view(Permission.MANAGE_MEMBERS)
@require_POST
def change_member_roles(request, pk):
    membership = _organisation_membership(request, pk)
    form = MemberRolesForm(request.POST)
    if not form.is_valid():
        reasons = " ".join(form.errors["roles"])
        messages.error(request, f"Roles of {membership.user.get_username()} not changed: {reasons}")
        return _back_to_members(request)

    try:
        services.change_roles(membership, form.cleaned_data["roles"], actor=request.actor)
    except services.MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Roles of {membership.user.get_username()} saved.")
    return _back_to_members(request)


@organisation_view(Permission.MANAGE_MEMBERS)
@require_POST
def remove_member(request, pk):
    membership = _organisation_membership(request, pk)
    try:
        services.remove_member(membership, actor=request.actor)
    except services.MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membership.user.get_username()} removed from {request.organisation}.")
    return _back_to_members(request)


@require_GET
def invitation(request, token):
    """Explain an invitation and how to accept it, and remember a pending one for the sign-in pipeline.

    The page is public: the link's token is the only credential, and it only lets the
    person sign in with Auth0 as the invited email.
    """
    found = Invitation.objects.for_token(token).select_related("organisation").first()
    if found is None:
        return render(request, "organisations/invitation.html", {"invitation": None}, status=404)

    status = found.status
    if status == InvitationStatus.PENDING:
        request.session[INVITATION_SESSION_KEY] = found.token_hash
    context = {
        "invitation": found,
        "is_pending": status == InvitationStatus.PENDING,
        "is_project": found.kind == InvitationKind.PROJECT,
        "status_message": "" if status == InvitationStatus.PENDING else rejection_message(found),
        "auth0_enabled": auth0_configured(),
    }
    return render(request, "organisations/invitation.html", context)


def _organisation_invitation(request, pk) -> Invitation:
    return get_object_or_404(Invitation, pk=pk, organisation=request.organisation, kind=InvitationKind.ORGANISATION)


def _organisation_membership(request, pk) -> Membership:
    return get_object_or_404(Membership.objects.select_related("user"), pk=pk, organisation=request.organisation)


def _back_to_members(request):
    return redirect("members", org=request.organisation.slug)
