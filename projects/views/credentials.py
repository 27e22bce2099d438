"""Temporary storage credentials for a project's buckets, shown once on a page that is never cached."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from organisations.permissions import ProjectPermission
from projects.access import project_view
from projects.services.credentials import CredentialsUnavailable, request_storage_credentials


@never_cache
@project_view(ProjectPermission.REQUEST_STORAGE_CREDENTIALS)
def storage_credentials(request):
    """Explain the credentials (GET), or issue them and show them once (POST)."""
    project = request.project
    context = {"project": project, "credentials": None, "project_guest": request.project_guest}
    if request.method == "POST":
        try:
            context["credentials"] = request_storage_credentials(project, actor=request.actor)
        except (ValidationError, CredentialsUnavailable) as error:
            messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
            return redirect("projects:project-storage-credentials", org=request.organisation.slug, pk=project.pk)
    # never_cache sends `Cache-Control: no-store` (with no-cache, must-revalidate and private), so neither the
    # browser nor a proxy keeps the page.
    return render(request, "projects/storage_credentials.html", context)
