"""API paths of the Kubernetes kinds the portal reads and writes.

The table replaces discovery: the portal knows the kinds it manages, and a discovery
round trip per client (and again after each CRD it installs) would cost more requests
than the work itself.
"""

from urllib.parse import quote

# (apiVersion, kind) -> (plural, namespaced)
KINDS: dict[tuple[str, str], tuple[str, bool]] = {
    ("v1", "Namespace"): ("namespaces", False),
    ("v1", "Node"): ("nodes", False),
    ("v1", "PersistentVolume"): ("persistentvolumes", False),
    ("v1", "ServiceAccount"): ("serviceaccounts", True),
    ("v1", "Secret"): ("secrets", True),
    ("v1", "ConfigMap"): ("configmaps", True),
    ("v1", "Service"): ("services", True),
    ("v1", "Pod"): ("pods", True),
    ("v1", "PersistentVolumeClaim"): ("persistentvolumeclaims", True),
    ("v1", "ResourceQuota"): ("resourcequotas", True),
    ("apps/v1", "Deployment"): ("deployments", True),
    ("policy/v1", "PodDisruptionBudget"): ("poddisruptionbudgets", True),
    ("rbac.authorization.k8s.io/v1", "Role"): ("roles", True),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): ("rolebindings", True),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): ("clusterroles", False),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): ("clusterrolebindings", False),
    ("storage.k8s.io/v1", "StorageClass"): ("storageclasses", False),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"): ("customresourcedefinitions", False),
    ("karpenter.sh/v1", "NodePool"): ("nodepools", False),
    ("karpenter.sh/v1", "NodeClaim"): ("nodeclaims", False),
    ("karpenter.k8s.aws/v1", "EC2NodeClass"): ("ec2nodeclasses", False),
}


class UnknownKind(KeyError):
    """The portal has no path for this apiVersion and kind."""

    def __str__(self):
        api_version, kind = self.args[0]
        return f"No Kubernetes API path is known for kind {kind} in {api_version}: add it to KINDS."


def is_namespaced(api_version: str, kind: str) -> bool:
    try:
        return KINDS[(api_version, kind)][1]
    except KeyError:
        raise UnknownKind((api_version, kind)) from None


def resource_path(api_version: str, kind: str, *, name: str | None = None, namespace: str | None = None) -> str:
    """Return the API path of a collection (no name) or of one object, such as /apis/apps/v1/namespaces/x/deployments/y."""
    try:
        plural, namespaced = KINDS[(api_version, kind)]
    except KeyError:
        raise UnknownKind((api_version, kind)) from None
    base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    if namespaced and namespace:
        base += f"/namespaces/{quote(namespace, safe='')}"
    elif namespaced and name:
        raise ValueError(f"{kind} {name} is namespaced: give its namespace.")
    path = f"{base}/{plural}"
    if name:
        path += f"/{quote(name, safe='')}"
    return path


def manifest_path(manifest: dict) -> str:
    """Return the API path of the object a manifest describes."""
    metadata = manifest.get("metadata") or {}
    return resource_path(manifest["apiVersion"], manifest["kind"], name=metadata["name"],
                         namespace=metadata.get("namespace"))


def describe(manifest: dict) -> str:
    """Return `Kind namespace/name` (or `Kind name`) for log lines and messages."""
    metadata = manifest.get("metadata") or {}
    namespace = metadata.get("namespace")
    return f"{manifest['kind']} {namespace + '/' if namespace else ''}{metadata.get('name')}"
