"""List pages for cloud accounts and engines."""

from django.shortcuts import get_object_or_404, render

from engines.choices import EngineStatus
from organisations.access import organisation_view
from organisations.permissions import Permission, has_permission


@organisation_view(Permission.VIEW_CLOUD_ACCOUNTS)
def cloud_account_list(request):
    accounts = request.organisation.cloud_accounts.order_by("name")
    can_manage = has_permission(request.actor, Permission.MANAGE_CLOUD_ACCOUNTS, request.organisation)
    return render(request, "engines/cloud_account_list.html", {"accounts": accounts, "can_manage": can_manage})


@organisation_view(Permission.VIEW_CLOUD_ACCOUNTS)
def cloud_account_detail(request, pk):
    account = get_object_or_404(request.organisation.cloud_accounts, pk=pk)
    return render(request, "engines/cloud_account_detail.html", {"account": account})


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
