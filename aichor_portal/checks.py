"""System checks for settings that would otherwise fail late and quietly."""

import os

from django.conf import settings
from django.core.checks import Error, Warning, register

SANDBOX_VARIABLES = ("AICHOR_SANDBOX_AWS_PORT", "AICHOR_SANDBOX_KUBE_PORT", "AICHOR_SANDBOX_STATE_FILE")


@register()
def check_task_retry_exceeds_timeout(app_configs, **kwargs):
    """django-q2 delivers a task again after `retry` seconds: a shorter retry than timeout runs it twice."""
    retry = settings.Q_CLUSTER.get("retry")
    timeout = settings.Q_CLUSTER.get("timeout")
    if retry is None or timeout is None or retry > timeout:
        return []
    return [
        Error(
            f"Q_CLUSTER retry ({retry} s) must be larger than timeout ({timeout} s), or a slow task is delivered twice.",
            hint="Set Q_RETRY above Q_TIMEOUT.",
            id="aichor.E001",
        )
    ]


@register()
def check_live_mode_uses_no_sandbox(app_configs, **kwargs):
    """Live mode reaches real clouds only: refuse any sandbox endpoint setting."""
    if settings.AICHOR_CLOUD_MODE != settings.LIVE:
        return []
    present = [name for name in SANDBOX_VARIABLES if os.environ.get(name)]
    if not present:
        return []
    return [
        Error(
            f"Sandbox setting(s) {', '.join(present)} are set in live mode.",
            hint="Remove them: live mode uses the real cloud endpoints and the standard AWS credential chain.",
            id="aichor.E002",
        )
    ]


@register()
def check_auth0_settings(app_configs, **kwargs):
    """Auth0 needs its domain, client id and client secret together; live mode needs some way to sign in."""
    values = {
        "AUTH0_DOMAIN": settings.SOCIAL_AUTH_AUTH0_DOMAIN,
        "AUTH0_CLIENT_ID": settings.SOCIAL_AUTH_AUTH0_KEY,
        "AUTH0_CLIENT_SECRET": settings.SOCIAL_AUTH_AUTH0_SECRET,
    }
    missing = [name for name, value in values.items() if not value]
    if missing and len(missing) < len(values):
        return [
            Error(
                f"Auth0 is partly configured: {', '.join(missing)} missing.",
                hint="Set all three of AUTH0_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET, or none of them.",
                id="aichor.E003",
            )
        ]
    if missing and settings.IS_LIVE and not settings.AICHOR_LOCAL_LOGIN:
        return [
            Warning(
                "Neither Auth0 nor local login is enabled: nobody can sign in.",
                hint="Set AUTH0_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET, or AICHOR_LOCAL_LOGIN=true.",
                id="aichor.W001",
            )
        ]
    return []
