"""The portal's URLs plus a view that fails after reading a variable, for the leak suite."""

from django.urls import path

from aichor_portal.urls import urlpatterns as portal_urlpatterns
from secrets_vault.models import EnvironmentVariable


def fail_after_reading(request, variable_id):
    """Read a variable's value into local variables, then fail with the value in the message."""
    variable = EnvironmentVariable.objects.get(pk=variable_id)
    stored_value = variable.value
    api_secret = stored_value  # noqa: F841
    raise RuntimeError(f"synchronisation failed for {variable.name}: {stored_value}")


urlpatterns = [
    path("_leak/fail/<int:variable_id>/", fail_after_reading, name="leak-fail"),
    *portal_urlpatterns,
]
