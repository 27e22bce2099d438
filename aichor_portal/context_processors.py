"""Template context shared by every page."""

from django.conf import settings


def portal(request):
    """Add the cloud mode, the local-login switch and the current organisation to the context."""
    organisation = getattr(request, "organisation", None)
    return {
        "cloud_mode": settings.AICHOR_CLOUD_MODE,
        "local_login_enabled": settings.AICHOR_LOCAL_LOGIN,
        "current_organisation": organisation,
    }
