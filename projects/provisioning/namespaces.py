"""The project's footprint in each engine's cluster: its namespace and the service account bound to its role.

Both are written by server-side apply, so labels removed from the project leave the
namespace on the next run. A namespace whose `aichor.ai/project` label names another
project (or none) is never changed or deleted.
"""

from engines.choices import ResourceState
from engines.models import Engine
from engines.provisioning.steps import Done, PermanentError, Wait
from projects import naming
from projects.kube import kube_client_for, kubernetes_errors
from projects.provisioning.roles import workload_role_key

PROJECT_LABEL = "aichor.ai/project"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "aichor-portal"
ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
NAMESPACE_TYPE = "k8s_namespace"
SERVICE_ACCOUNT_TYPE = "k8s_service_account"
DELETE_POLL_SECONDS = 5


def namespace_key(engine_id: int) -> str:
    return f"namespace-eng-{engine_id}"


def service_account_key(engine_id: int) -> str:
    return f"service-account-eng-{engine_id}"


def portal_labels(project) -> dict[str, str]:
    return {**project.labels, PROJECT_LABEL: project.tag_value, MANAGED_BY_LABEL: MANAGED_BY}


def _engine(engine_id: int) -> Engine:
    return Engine.objects.select_related("cloud_account").get(pk=engine_id)


def check_namespace_owner(namespace: dict | None, project) -> None:
    """Raise PermanentError when the namespace exists without the project's label."""
    labels = ((namespace or {}).get("metadata") or {}).get("labels") or {}
    if namespace is not None and labels.get(PROJECT_LABEL) != project.tag_value:
        raise PermanentError(
            f"Namespace {project.namespace} already exists in the cluster without the label "
            f"{PROJECT_LABEL}={project.tag_value}, so it belongs to something else.",
            code="NamespaceNotOwned",
            fix="Delete or rename that namespace in the cluster if it is unused, or delete this project and create "
            "it again (a new project gets a new namespace).",
        )


def namespace_step(engine_id: int):
    """Return the step function that creates (or updates) the project's namespace in one engine's cluster."""

    def create_namespace(context):
        engine = _engine(engine_id)
        project = context.project
        name = naming.validate_namespace(project.namespace)
        with kubernetes_errors():
            kube = kube_client_for(engine)
            existing = kube.get("v1", "Namespace", name)
            check_namespace_owner(existing, project)
            if existing is not None and existing.get("metadata", {}).get("deletionTimestamp"):
                return Wait(f"the previous namespace {name} to finish terminating", DELETE_POLL_SECONDS)
            kube.apply({
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": name, "labels": portal_labels(project)},
            })
        context.record(namespace_key(engine_id), NAMESPACE_TYPE, f"{engine.name}/{name}", engine=engine,
                       data={"name": name, "engine": engine.name})
        return Done(f"Namespace {name} in {engine.name}")

    create_namespace.__name__ = f"create_namespace_{engine_id}"
    return create_namespace


def service_account_step(engine_id: int):
    """Return the step function that creates the service account bound to the project's workload role."""

    def create_service_account(context):
        engine = _engine(engine_id)
        project = context.project
        role_arn = context.cloud_id(workload_role_key(engine_id))
        with kubernetes_errors():
            kube = kube_client_for(engine)
            kube.apply({
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {
                    "name": naming.SERVICE_ACCOUNT_NAME,
                    "namespace": project.namespace,
                    "labels": {PROJECT_LABEL: project.tag_value, MANAGED_BY_LABEL: MANAGED_BY},
                    "annotations": {ROLE_ANNOTATION: role_arn},
                },
            })
        cloud_id = f"{engine.name}/{project.namespace}/{naming.SERVICE_ACCOUNT_NAME}"
        context.record(service_account_key(engine_id), SERVICE_ACCOUNT_TYPE, cloud_id, engine=engine,
                       data={"name": naming.SERVICE_ACCOUNT_NAME, "namespace": project.namespace, "role": role_arn})
        return Done(f"Service account {naming.SERVICE_ACCOUNT_NAME} bound to {role_arn}")

    create_service_account.__name__ = f"create_service_account_{engine_id}"
    return create_service_account


def delete_namespace_step(engine_id: int):
    """Return the step function that deletes the project's namespace (and so its service account) in one cluster."""

    def delete_namespace(context):
        engine = _engine(engine_id)
        project = context.project
        name = project.namespace
        with kubernetes_errors():
            kube = kube_client_for(engine)
            existing = kube.get("v1", "Namespace", name)
            labels = ((existing or {}).get("metadata") or {}).get("labels") or {}
            if existing is not None and labels.get(PROJECT_LABEL) != project.tag_value:
                context.log(f"Namespace {name} in {engine.name} is not this project's: left in place", "warning")
                existing = None
            if existing is not None:
                if not existing["metadata"].get("deletionTimestamp"):
                    kube.delete("v1", "Namespace", name)
                if kube.get("v1", "Namespace", name) is not None:
                    context.set_state(namespace_key(engine_id), ResourceState.DELETING)
                    return Wait(f"namespace {name} in {engine.name} to finish terminating", DELETE_POLL_SECONDS)
        context.set_state(namespace_key(engine_id), ResourceState.DELETED)
        context.set_state(service_account_key(engine_id), ResourceState.DELETED)
        return Done(f"Deleted namespace {name} in {engine.name}")

    delete_namespace.__name__ = f"delete_namespace_{engine_id}"
    return delete_namespace
