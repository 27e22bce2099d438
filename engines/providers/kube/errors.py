"""Kubernetes API errors sorted into transient (retry) and permanent (fail with a fix)."""

import json

from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError as Urllib3Error

from engines.provisioning.steps import PermanentError, StepError, TransientError
from engines.providers.kube.resources import UnknownKind

TRANSIENT_STATUSES = {409, 429, 500, 502, 503, 504}


def status_reason(error: ApiException) -> tuple[str, str]:
    """Return the Kubernetes reason and message from a Status body (ApiException.reason is the HTTP phrase)."""
    try:
        body = json.loads(error.body or "{}")
    except ValueError:
        body = {}
    return body.get("reason") or str(error.reason or error.status), body.get("message") or ""


def classify(error: Exception) -> StepError | None:
    """Return the portal error for a Kubernetes client error, or None when it is not one."""
    if isinstance(error, UnknownKind):
        return PermanentError(str(error), code="UnknownKind", fix="This is a defect of the portal: contact support.")
    if isinstance(error, Urllib3Error):
        return TransientError(f"Cannot reach the Kubernetes API server: {error}", code=type(error).__name__)
    if not isinstance(error, ApiException):
        return None

    reason, message = status_reason(error)
    text = f"The Kubernetes API answered {error.status} {reason}: {message}".rstrip(": ")
    if error.status in TRANSIENT_STATUSES:
        return TransientError(text, code=f"Kubernetes{reason}")
    if error.status == 401:
        return PermanentError(
            text, code="KubernetesUnauthorized",
            fix="The cluster rejected the portal's token twice. Check that the customer role has an access "
            "entry in the cluster (EKS console, Access tab), then retry.",
        )
    if error.status == 403:
        return PermanentError(
            text, code="KubernetesForbidden",
            fix="The portal's identity lacks a Kubernetes permission. Associate the cluster admin access policy "
            "with the customer role's access entry, then retry.",
        )
    return PermanentError(text, code=f"Kubernetes{reason}", fix="Correct the cause named in the message, then retry.")
