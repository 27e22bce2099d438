"""The project's runtime variables on each engine: one Kubernetes Secret, `aichor-env`, in its namespace.

Values travel from the vault to the Kubernetes API inside these steps only. Step details,
operation log lines, inventory data and error messages carry names, counts and sizes, never a
value. Build-time variables stay in the vault, for the image build: they are never written here.

The Secret is written by server-side apply under the portal's field manager, so a variable
deleted from the project leaves the Secret on the next write.
"""

import base64

from django.views.decorators.debug import sensitive_variables

from aichor_portal.redaction import REDACTED, SecretRegistry
from engines.models import Engine
from engines.provisioning.steps import Done, PermanentError, StepError
from projects.kube import kube_client_for, kubernetes_errors
from projects.models import Project
from projects.provisioning.namespaces import MANAGED_BY, MANAGED_BY_LABEL, PROJECT_LABEL, check_namespace_owner
from secrets_vault.fields import UndecryptableValueError
from secrets_vault.services import runtime_environment

SECRET_NAME = "aichor-env"
SECRET_TYPE = "k8s_secret"
CHECK_KEY = "environment-variables"
# A reconcile operation with this parameter set writes the Secret and nothing else.
VARIABLES_ONLY = "variables_only"
# The API server rejects a Secret whose data (keys plus decoded values) exceeds 1 MiB
# (MaxSecretSize in Kubernetes' core validation).
MAX_SECRET_BYTES = 1024 * 1024


def secret_key(engine_id: int) -> str:
    return f"environment-secret-eng-{engine_id}"


def secret_size(environment: dict[str, str]) -> int:
    """Return the size Kubernetes counts against the Secret limit: every key and value, in bytes."""
    return sum(len(name.encode()) + len(value.encode()) for name, value in environment.items())


def check_secret_size(project, environment: dict[str, str]) -> int:
    """Return the Secret's size, or raise PermanentError when it exceeds the 1 MiB limit of Kubernetes."""
    size = secret_size(environment)
    if size > MAX_SECRET_BYTES:
        raise PermanentError(
            f"The runtime variables of project {project} take {size:,} bytes, more than the 1 MiB "
            f"({MAX_SECRET_BYTES:,} bytes) that Kubernetes accepts in one Secret.",
            code="SecretTooLarge",
            fix="Shorten or delete runtime variables (files belong in the project's buckets), or make some of "
            "them build-time variables, then retry.",
        )
    return size


def load_runtime_environment(project) -> dict[str, str]:
    """Return the project's runtime variables from the vault, or raise PermanentError when one cannot be decrypted."""
    try:
        return runtime_environment(project.pk)
    except UndecryptableValueError:
        raise PermanentError(
            f"A runtime variable of project {project} cannot be decrypted with any key in FIELD_ENCRYPTION_KEY.",
            code="UndecryptableValue",
            fix="Add the key it was encrypted with to FIELD_ENCRYPTION_KEY, after the first key, restart the "
            "portal's processes, then retry.",
        ) from None


@sensitive_variables()
def check_variables(context):
    """Clear the project's pending-sync flag, then check that its runtime variables fit in one Secret.

    The flag is cleared before any Secret step of the operation reads the vault: a change
    committed later sets it again, and the end of this operation starts another sync.
    """
    project = context.project
    Project.objects.filter(pk=project.pk).update(variables_sync_pending=False)
    environment = load_runtime_environment(project)
    size = check_secret_size(project, environment)
    return Done(f"{len(environment)} runtime variable(s), {size:,} bytes")


def secret_manifest(project, environment: dict[str, str]) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": SECRET_NAME,
            "namespace": project.namespace,
            "labels": {PROJECT_LABEL: project.tag_value, MANAGED_BY_LABEL: MANAGED_BY},
        },
        "type": "Opaque",
        "data": {name: base64.b64encode(value.encode()).decode() for name, value in environment.items()},
    }


def secret_step(engine_id: int):
    """Return the step function that writes the project's runtime variables to its Secret in one engine's cluster."""

    def write_environment_secret(context):
        engine = Engine.objects.select_related("cloud_account").get(pk=engine_id)
        project = context.project
        with kubernetes_errors():
            kube = kube_client_for(engine)
            namespace = kube.get("v1", "Namespace", project.namespace)
        if namespace is None:
            raise PermanentError(
                f"Namespace {project.namespace} does not exist in {engine.name}, so its Secret cannot be written.",
                code="NamespaceMissing",
                fix="Retry the project's last create or reconcile operation, which creates the namespace.",
            )
        check_namespace_owner(namespace, project)

        count, size = _apply_secret(kube, project)
        context.record(secret_key(engine_id), SECRET_TYPE, f"{engine.name}/{project.namespace}/{SECRET_NAME}",
                       engine=engine, data={"name": SECRET_NAME, "namespace": project.namespace, "variables": count})
        return Done(f"Secret {SECRET_NAME} in {engine.name}: {count} runtime variable(s), {size:,} bytes")

    write_environment_secret.__name__ = f"write_environment_secret_{engine_id}"
    return write_environment_secret


@sensitive_variables()
def _apply_secret(kube, project) -> tuple[int, int]:
    """Read the runtime variables, check their size and apply the Secret; return (variables, bytes)."""
    environment = load_runtime_environment(project)
    size = check_secret_size(project, environment)
    try:
        with kubernetes_errors():
            kube.apply(secret_manifest(project, environment))
    except StepError as error:
        # The API server's message is kept for its reason, without any value it might quote.
        raise _without_values(error, environment.values()) from None
    return len(environment), size


@sensitive_variables()
def _without_values(error: StepError, values) -> StepError:
    text = str(error)
    for value in sorted(values, key=len, reverse=True):
        if len(value) < SecretRegistry.MIN_LENGTH:
            continue
        for form in (value, base64.b64encode(value.encode()).decode()):
            text = text.replace(form, REDACTED)
    return type(error)(text, code=error.code, fix=error.fix)
