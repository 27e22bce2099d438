"""List page for engines (the cloud account pages are in cloud_accounts.py)."""

from django.shortcuts import render

from engines.choices import EngineStatus
from organisations.access import organisation_view
from organisations.permissions import Permission, has_permission


@organisation_view(Permission.VIEW_ENGINES)
def engine_list(request):
    show_deleted = request.GET.get("deleted") == "1"
    engines = request.organisation.engines.select_related("cloud_account").order_by("name")
    if not show_deleted:
        engines = engines.exclude(status=EngineStatus.DELETED)
    can_manage = has_permission(request.actor, Permission.MANAGE_ENGINES, request.organisation)
    return render(
        request, "engines/engine_list.html", {"engines": engines, "can_manage": can_manage, "show_deleted": show_deleted}
    )
