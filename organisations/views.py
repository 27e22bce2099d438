"""Organisation pages: the entry redirect, the dashboard and the members list."""

from django.contrib import messages
from django.shortcuts import redirect, render

from engines.choices import EngineStatus
from organisations.access import organisation_view
from organisations.permissions import Permission, organisations_of


def home(request):
    """Send a signed-in user to the dashboard of their first organisation."""
    organisation = organisations_of(request.user).first()
    if organisation is None:
        messages.info(request, "You are not a member of any organisation yet. Ask an organisation admin to invite you.")
        return render(request, "organisations/no_organisation.html")
    return redirect("dashboard", org=organisation.slug)


@organisation_view(Permission.VIEW_ORGANISATION)
def dashboard(request):
    organisation = request.organisation
    engines = organisation.engines.exclude(status=EngineStatus.DELETED).select_related("cloud_account")
    return render(
        request,
        "organisations/dashboard.html",
        {
            "engines": engines,
            "cloud_accounts": organisation.cloud_accounts.all(),
            "recent_events": organisation.audit_events.all()[:10],
        },
    )


@organisation_view(Permission.VIEW_MEMBERS)
def members(request):
    memberships = request.organisation.memberships.select_related("user").order_by("user__username")
    return render(request, "organisations/members.html", {"memberships": memberships})
