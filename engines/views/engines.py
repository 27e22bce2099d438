"""Engine pages: create, the live engine page, delete, and retry or cancel of its operation."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from engines.choices import EngineKind, EngineStatus, OperationStatus
from engines.console_links import console_link
from engines.diagram import engine_diagram
from engines.forms import EngineCreateForm
from engines.services.engines import start_engine_creation, start_engine_deletion
from engines.services.imports import can_recheck
from engines.services.operations import cancel_operation, retry_operation
from organisations.access import organisation_view
from organisations.permissions import Permission, has_permission


def _engine(request, pk):
    return get_object_or_404(request.organisation.engines.select_related("cloud_account"), pk=pk)


@organisation_view(Permission.MANAGE_ENGINES)
def engine_create(request):
    form = EngineCreateForm(request.POST or None, organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            engine = start_engine_creation(
                request.organisation,
                actor=request.actor,
                cloud_account=form.cleaned_data["cloud_account"],
                name=form.cleaned_data["name"],
                kind=EngineKind.EKS,
                region=form.cleaned_data["region"],
                parameters=form.parameters(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Creating engine {engine.name}: follow its progress below.")
            return redirect(engine)
    return render(request, "engines/engine_create.html", {"form": form})


def engine_context(request, engine) -> dict:
    """Return what the engine page and its live panel show."""
    operation = engine.operations.order_by("-created_at", "-id").first()
    steps = list(operation.steps.all()) if operation else []
    done = sum(1 for step in steps if step.status in ("succeeded", "skipped"))
    current = next((step for step in steps if step.status in ("running", "waiting", "failed")), None)
    can_manage = has_permission(request.actor, Permission.MANAGE_ENGINES, request.organisation)
    resources = [(resource, console_link(engine, resource)) for resource in engine.resources.all()]
    return {
        "engine": engine,
        "operation": operation,
        "steps": steps,
        "steps_done": done,
        "steps_total": len(steps),
        "percent": int(100 * done / len(steps)) if steps else 0,
        "current_step": current,
        "log_lines": list(operation.log_lines.order_by("-id")[:50])[::-1] if operation else [],
        "resources": resources,
        "diagram": engine_diagram(engine),
        "is_live": bool(operation and operation.is_active),
        "can_retry": can_manage and operation is not None
        and operation.status in (OperationStatus.FAILED, OperationStatus.CANCELLED)
        and engine.status != EngineStatus.DELETED,
        "can_cancel": can_manage and operation is not None and operation.is_active,
        "can_delete": can_manage and engine.status in (EngineStatus.READY, EngineStatus.FAILED)
        and not (operation and operation.is_active),
        "can_recheck": can_manage and can_recheck(engine) and not (operation and operation.is_active),
    }


@organisation_view(Permission.VIEW_ENGINES)
def engine_detail(request, pk):
    engine = _engine(request, pk)
    return render(request, "engines/engine_detail.html", engine_context(request, engine))


@organisation_view(Permission.VIEW_ENGINES)
def engine_live(request, pk):
    """Return the engine page's live panel, which polls itself while an operation runs."""
    engine = _engine(request, pk)
    return render(request, "engines/engine_live.html", engine_context(request, engine))


@organisation_view(Permission.MANAGE_ENGINES)
def engine_delete(request, pk):
    engine = _engine(request, pk)
    if request.method == "POST":
        if request.POST.get("confirm_name", "").strip() != engine.name:
            messages.error(request, f"Type the engine's name, {engine.name}, to confirm the deletion.")
            return render(request, "engines/engine_delete.html", {"engine": engine}, status=400)
        try:
            start_engine_deletion(engine, actor=request.actor)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Deleting engine {engine.name} and the resources the portal created.")
        return redirect(engine)
    return render(request, "engines/engine_delete.html", {"engine": engine})


@require_POST
@organisation_view(Permission.MANAGE_ENGINES)
def operation_retry(request, pk):
    engine = _engine(request, pk)
    operation = get_object_or_404(engine.operations, pk=request.POST.get("operation"))
    try:
        retry_operation(operation, actor=request.actor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Retrying the {operation.get_kind_display().lower()} from where it stopped.")
    return redirect(engine)


@require_POST
@organisation_view(Permission.MANAGE_ENGINES)
def operation_cancel(request, pk):
    engine = _engine(request, pk)
    operation = get_object_or_404(engine.operations, pk=request.POST.get("operation"))
    try:
        cancel_operation(operation, actor=request.actor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(request, "Cancel requested: the operation stops after its current step.")
    return redirect(engine)
