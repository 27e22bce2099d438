"""Engine import pages: the import form, and running an imported engine's checks again."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from engines.import_forms import EngineImportForm
from engines.services.imports import start_engine_import, start_engine_recheck
from organisations.access import organisation_view
from organisations.permissions import Permission


@organisation_view(Permission.MANAGE_ENGINES)
def engine_import(request):
    form = EngineImportForm(request.POST or None, organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            engine = start_engine_import(
                request.organisation,
                actor=request.actor,
                cloud_account=data["cloud_account"],
                name=data["name"],
                region=data["region"],
                cluster_name=data["cluster_name"],
                storage_class=data["storage_class"],
                nlb_ip=data["nlb_ip"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Importing engine {engine.name}: follow its checks below.")
            return redirect(engine)
    return render(request, "engines/engine_import.html", {"form": form})


@require_POST
@organisation_view(Permission.MANAGE_ENGINES)
def engine_recheck(request, pk):
    engine = get_object_or_404(request.organisation.engines, pk=pk)
    try:
        start_engine_recheck(engine, actor=request.actor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(request, f"Checking engine {engine.name} again: the rows below update as each check runs.")
    return redirect(engine)
