"""Cloud account pages: list, add, edit, delete, permission downloads, and live pre-flight results."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from engines.choices import CheckResult, EngineStatus
from engines.cloud_account_forms import AwsCloudAccountForm
from engines.preflight_status import latest_preflight, preflight_passed
from engines.providers.aws.permissions import UnknownCatalogueError
from engines.providers.aws.policy_export import boundary_policy_json, cloudformation_template, policy_json
from engines.services.cloud_accounts import add_cloud_account, delete_cloud_account, update_cloud_account
from engines.services.preflight import start_preflight, supported_checks
from organisations.access import organisation_view
from organisations.permissions import Permission, has_permission

DOWNLOADS = ("policy", "template", "boundary")


def _account(request, pk):
    return get_object_or_404(request.organisation.cloud_accounts, pk=pk)


def _can_manage(request) -> bool:
    return has_permission(request.actor, Permission.MANAGE_CLOUD_ACCOUNTS, request.organisation)


@organisation_view(Permission.VIEW_CLOUD_ACCOUNTS)
def cloud_account_list(request):
    accounts = []
    for account in request.organisation.cloud_accounts.order_by("name"):
        checks = []
        for kind, mode in supported_checks(account.provider):
            operation = latest_preflight(account, kind, mode)
            checks.append((kind, mode, operation, preflight_passed(operation)))
        accounts.append({
            "account": account,
            "engines": account.engines.exclude(status=EngineStatus.DELETED).count(),
            "checks": checks,
        })
    context = {"accounts": accounts, "can_manage": _can_manage(request)}
    return render(request, "engines/cloud_account_list.html", context)


@organisation_view(Permission.MANAGE_CLOUD_ACCOUNTS)
def cloud_account_create(request):
    form = AwsCloudAccountForm(request.POST or None, organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            account = add_cloud_account(request.organisation, actor=request.actor, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Cloud account {account.name} added. Deploy the CloudFormation template below, which carries this "
                "account's ExternalId, then run pre-flight.",
            )
            return redirect(account)
    return render(request, "engines/cloud_account_form.html", {"form": form, "account": None})


def preflight_context(request, account) -> dict:
    """Return what the pre-flight panel of an account page shows: the latest run per kind and mode."""
    runs = []
    for kind, mode in supported_checks(account.provider):
        operation = latest_preflight(account, kind, mode)
        steps = list(operation.steps.all()) if operation else []
        runs.append({
            "kind": kind,
            "mode": mode,
            "label": f"{kind.upper()} {mode}",
            "operation": operation,
            "steps": steps,
            "passed": preflight_passed(operation),
            "failed_checks": sum(1 for step in steps if step.result == CheckResult.FAIL),
        })
    return {
        "account": account,
        "runs": runs,
        "is_live": any(run["operation"] is not None and run["operation"].is_active for run in runs),
        "can_manage": _can_manage(request),
    }


@organisation_view(Permission.VIEW_CLOUD_ACCOUNTS)
def cloud_account_detail(request, pk):
    account = _account(request, pk)
    context = preflight_context(request, account)
    context["engines"] = account.engines.exclude(status=EngineStatus.DELETED).order_by("name")
    context["downloads"] = supported_checks(account.provider)
    return render(request, "engines/cloud_account_detail.html", context)


@organisation_view(Permission.VIEW_CLOUD_ACCOUNTS)
def preflight_live(request, pk):
    """Return the pre-flight panel, which polls itself while a pre-flight runs."""
    account = _account(request, pk)
    return render(request, "engines/cloud_account_preflight.html", preflight_context(request, account))


@require_POST
@organisation_view(Permission.MANAGE_CLOUD_ACCOUNTS)
def preflight_start(request, pk):
    account = _account(request, pk)
    kind, mode = request.POST.get("kind", ""), request.POST.get("mode", "")
    try:
        start_preflight(account, actor=request.actor, kind=kind, mode=mode)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(request, f"Pre-flight for {kind.upper()} {mode} started: the results appear below.")
    return redirect(f"{account.get_absolute_url()}#preflight")


@organisation_view(Permission.MANAGE_CLOUD_ACCOUNTS)
def cloud_account_edit(request, pk):
    account = _account(request, pk)
    form = AwsCloudAccountForm(request.POST or None, organisation=request.organisation, instance=account)
    if request.method == "POST" and form.is_valid():
        try:
            update_cloud_account(account, actor=request.actor, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Cloud account {account.name} saved. Run pre-flight again to check it.")
            return redirect(account)
    return render(request, "engines/cloud_account_form.html", {"form": form, "account": account})


@organisation_view(Permission.MANAGE_CLOUD_ACCOUNTS)
def cloud_account_delete(request, pk):
    account = _account(request, pk)
    engines = account.engines.exclude(status=EngineStatus.DELETED).order_by("name")
    if request.method == "POST":
        if request.POST.get("confirm_name", "").strip() != account.name:
            messages.error(request, f"Type the account's name, {account.name}, to confirm the deletion.")
            return render(request, "engines/cloud_account_delete.html", {"account": account, "engines": engines},
                          status=400)
        try:
            delete_cloud_account(account, actor=request.actor)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(account)
        messages.success(request, f"Cloud account {account.name} deleted. The role in AWS is unchanged.")
        return redirect("engines:cloud-account-list", org=request.organisation.slug)
    return render(request, "engines/cloud_account_delete.html", {"account": account, "engines": engines})


@organisation_view(Permission.VIEW_CLOUD_ACCOUNTS)
def cloud_account_download(request, pk, artefact):
    """Return the policy JSON, the CloudFormation template (with this ExternalId) or the boundary policy."""
    account = _account(request, pk)
    if artefact not in DOWNLOADS:
        raise Http404(f"Download {artefact!r} not found: use one of {', '.join(DOWNLOADS)}.")
    kind, mode = request.GET.get("kind", "eks"), request.GET.get("mode", "create")
    partition = settings.AICHOR_AWS_PARTITION
    account_id = account.aws_account_id or "*"
    try:
        if artefact == "policy":
            body = policy_json(kind, mode, partition, account_id)
        elif artefact == "boundary":
            body = boundary_policy_json(partition, account_id)
        else:
            body = _template(request, account, kind, mode)
            if body is None:
                return redirect(account)
    except UnknownCatalogueError:
        raise Http404(f"No permissions catalogue for {kind} {mode}.") from None

    suffix = "boundary" if artefact == "boundary" else f"{kind}-{mode}-{artefact}"
    filename = f"aichor-{slugify(account.name) or account.pk}-{suffix}.json"
    response = HttpResponse(body + "\n", content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _template(request, account, kind: str, mode: str) -> str | None:
    principal = settings.AICHOR_AWS_PRINCIPAL_ARN
    if not principal:
        messages.error(
            request,
            "The portal's AWS principal is not configured, so no template can name it: the portal's operators "
            "must set AICHOR_AWS_PRINCIPAL_ARN.",
        )
        return None
    role_name = account.role_arn.rsplit("/", 1)[-1] if account.role_arn else "AIchorPortalRole"
    return cloudformation_template(kind, mode, principal, external_id=account.external_id, role_name=role_name)
