"""The portal's footprint inside the cluster: its namespace, service account and RBAC.

The portal works in the cluster under this identity to make each project's namespace
and grant its members access. Deleting an imported engine removes exactly these objects
(and the projects' namespaces), never the administrator's.
"""

from engines.provisioning.steps import Done, PermanentError
from engines.providers.aws.eks.incluster import cluster_kube, engine_cluster_name, kube_object_data
from engines.providers.kube.apply import apply_manifests

NAMESPACE = "aichor-system"
SERVICE_ACCOUNT = "aichor-portal"
CLUSTER_ROLE = "aichor-portal"
LABELS = {"app.kubernetes.io/managed-by": "aichor-portal"}


def footprint_manifests(engine) -> list[tuple[str, str, dict]]:
    """Return (inventory key, resource type, manifest) for each object of the footprint, in apply order."""
    labels = {**LABELS, "aichor.ai/engine": engine.tag_value}
    return [
        ("footprint-namespace", "kube_namespace", {
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": NAMESPACE, "labels": labels},
        }),
        ("footprint-service-account", "kube_service_account", {
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": SERVICE_ACCOUNT, "namespace": NAMESPACE, "labels": labels},
        }),
        ("footprint-cluster-role", "kube_cluster_role", {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": CLUSTER_ROLE, "labels": labels},
            "rules": [
                # Project namespaces, their service accounts, quotas and network policies.
                {"apiGroups": [""], "resources": ["namespaces", "serviceaccounts", "resourcequotas", "limitranges",
                                                  "configmaps"],
                 "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
                {"apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies"],
                 "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
                # Members' access to their project's namespace, through the built-in edit and view roles.
                {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"],
                 "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
                {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"],
                 "resourceNames": ["edit", "view"]},
                # The storage class that imported engines name is checked before a project uses it.
                {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": ["get", "list"]},
            ],
        }),
        ("footprint-cluster-role-binding", "kube_cluster_role_binding", {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": CLUSTER_ROLE, "labels": labels},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": CLUSTER_ROLE},
            "subjects": [{"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": NAMESPACE}],
        }),
    ]


def create_footprint(context):
    kube = cluster_kube(context, recorded=True)
    if kube is None:
        raise PermanentError(
            f"EKS cluster {engine_cluster_name(context)} is not ACTIVE, so the portal cannot create its namespace.",
            code="ClusterNotActive", fix="Look at the cluster in the EKS console, then retry.",
        )
    objects = footprint_manifests(context.engine)
    result = apply_manifests(kube, [manifest for _, _, manifest in objects])
    for key, resource_type, manifest in objects:
        metadata = manifest["metadata"]
        cloud_id = f"{metadata['namespace']}/{metadata['name']}" if metadata.get("namespace") else metadata["name"]
        context.record(key, resource_type, cloud_id, data=kube_object_data(manifest))
    return Done(f"Namespace {NAMESPACE}, service account {SERVICE_ACCOUNT} and RBAC ({result.summary()})")
