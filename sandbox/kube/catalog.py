"""Resource types a sandbox cluster serves, and the discovery documents that list them."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from . import errors

READ_WRITE_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update")
CREATE_ONLY_VERBS = ("create",)
# Verbs and kinds of the subresources that are not `status`-like (get, patch, update of the parent kind).
SUBRESOURCE_VERBS = {"log": ["get"], "token": ["create"], "finalize": ["update"]}
SUBRESOURCE_KINDS = {"log": "Pod", "token": "TokenRequest"}


@dataclass(frozen=True)
class ResourceType:
    """One resource of one group version, such as `deployments` in `apps/v1`."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    singular: str = ""
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = READ_WRITE_VERBS

    @property
    def api_version(self) -> str:
        """Return the `apiVersion` value of objects of this type."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        """Return the kind of the list documents of this type."""
        return f"{self.kind}List"

    @property
    def stored(self) -> bool:
        """Return whether objects of this type are stored (review types are evaluated, never stored)."""
        return "get" in self.verbs


def _core(plural, kind, namespaced, short=(), sub=()):
    return ResourceType("", "v1", plural, kind, namespaced, kind.lower(), tuple(short), tuple(sub))


def _group(group, version, plural, kind, namespaced, short=(), sub=(), verbs=READ_WRITE_VERBS):
    return ResourceType(group, version, plural, kind, namespaced, kind.lower(), tuple(short), tuple(sub), verbs)


BUILTIN_TYPES = (
    _core("namespaces", "Namespace", False, ["ns"], ["status", "finalize"]),
    _core("nodes", "Node", False, ["no"], ["status"]),
    _core("persistentvolumes", "PersistentVolume", False, ["pv"], ["status"]),
    _core("serviceaccounts", "ServiceAccount", True, ["sa"], ["token"]),
    _core("secrets", "Secret", True),
    _core("configmaps", "ConfigMap", True, ["cm"]),
    _core("services", "Service", True, ["svc"], ["status"]),
    _core("endpoints", "Endpoints", True, ["ep"]),
    _core("pods", "Pod", True, ["po"], ["status", "log"]),
    _core("persistentvolumeclaims", "PersistentVolumeClaim", True, ["pvc"], ["status"]),
    _core("events", "Event", True, ["ev"]),
    _core("resourcequotas", "ResourceQuota", True, ["quota"], ["status"]),
    _core("limitranges", "LimitRange", True, ["limits"]),
    _group("apps", "v1", "deployments", "Deployment", True, ["deploy"], ["status"]),
    _group("apps", "v1", "statefulsets", "StatefulSet", True, ["sts"], ["status"]),
    _group("apps", "v1", "daemonsets", "DaemonSet", True, ["ds"], ["status"]),
    _group("apps", "v1", "replicasets", "ReplicaSet", True, ["rs"], ["status"]),
    _group("batch", "v1", "jobs", "Job", True, [], ["status"]),
    _group("batch", "v1", "cronjobs", "CronJob", True, ["cj"], ["status"]),
    _group("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
    _group("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
    _group("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    _group("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    _group("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, ["sc"]),
    _group("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, ["netpol"]),
    _group("networking.k8s.io", "v1", "ingresses", "Ingress", True, ["ing"], ["status"]),
    _group("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, ["pdb"], ["status"]),
    _group("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False,
           ["crd", "crds"], ["status"]),
    _group("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False,
           verbs=CREATE_ONLY_VERBS),
)


class Catalog:
    """Resource types of one cluster: the built-in ones plus those its CRDs register."""

    def __init__(self):
        self._lock = threading.RLock()
        self._types: dict[tuple[str, str, str], ResourceType] = {}
        for resource_type in BUILTIN_TYPES:
            self._types[(resource_type.group, resource_type.version, resource_type.plural)] = resource_type

    def find(self, group: str, version: str, plural: str) -> ResourceType | None:
        """Return the type served at `group/version/plural`, or None."""
        with self._lock:
            return self._types.get((group, version, plural))

    def require(self, group: str, version: str, plural: str) -> ResourceType:
        """Return the type served at `group/version/plural`, or raise the 404 of an unknown path."""
        resource_type = self.find(group, version, plural)
        if resource_type is None:
            raise errors.path_not_found()
        return resource_type

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        """Return the type of `kind` in `api_version` (such as `apps/v1`), or None."""
        group, _, version = api_version.rpartition("/")
        with self._lock:
            for resource_type in self._types.values():
                if (resource_type.group, resource_type.version, resource_type.kind) == (group, version, kind):
                    return resource_type
        return None

    def versions_of(self, group: str, plural: str) -> list[ResourceType]:
        """Return every served version of one resource."""
        with self._lock:
            return [t for t in self._types.values() if (t.group, t.plural) == (group, plural)]

    def register_crd(self, crd: dict) -> list[ResourceType]:
        """Register the served versions of a CustomResourceDefinition and return their types."""
        spec = crd.get("spec", {})
        names = spec.get("names", {})
        group = spec["group"]
        plural = names["plural"]
        registered = []
        with self._lock:
            self.unregister(group, plural)
            for version in spec.get("versions", []):
                if not version.get("served", True):
                    continue
                resource_type = ResourceType(
                    group=group,
                    version=version["name"],
                    plural=plural,
                    kind=names["kind"],
                    namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                    singular=names.get("singular", names["kind"].lower()),
                    short_names=tuple(names.get("shortNames", ())),
                    subresources=("status",) if "status" in version.get("subresources", {}) else (),
                )
                self._types[(group, resource_type.version, plural)] = resource_type
                registered.append(resource_type)
        return registered

    def unregister(self, group: str, plural: str) -> None:
        """Drop every version of a resource that a CRD registered."""
        with self._lock:
            for key in [k for k in self._types if (k[0], k[2]) == (group, plural)]:
                del self._types[key]

    def group_versions(self) -> dict[str, list[str]]:
        """Return the served versions of each named group, in registration order."""
        groups: dict[str, list[str]] = {}
        with self._lock:
            for group, version, _ in self._types:
                if group and version not in groups.setdefault(group, []):
                    groups[group].append(version)
        return groups

    def api_versions(self) -> dict:
        """Build the `/api` document (APIVersions)."""
        return {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
        }

    def api_group(self, group: str) -> dict:
        """Build the `/apis/<group>` document (APIGroup), or raise 404 for an unknown group."""
        versions = self.group_versions().get(group)
        if not versions:
            raise errors.path_not_found()
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": entries,
                "preferredVersion": entries[0]}

    def api_group_list(self) -> dict:
        """Build the `/apis` document (APIGroupList)."""
        groups = []
        for group in self.group_versions():
            document = self.api_group(group)
            del document["kind"], document["apiVersion"]
            groups.append(document)
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def resource_list(self, group: str, version: str) -> dict:
        """Build the APIResourceList of one group version, or raise 404 when none is served."""
        with self._lock:
            types = [t for t in self._types.values() if (t.group, t.version) == (group, version)]
        if not types:
            raise errors.path_not_found()
        resources = []
        for resource_type in types:
            resources.append({
                "name": resource_type.plural,
                "singularName": resource_type.singular,
                "namespaced": resource_type.namespaced,
                "kind": resource_type.kind,
                "verbs": list(resource_type.verbs),
                "shortNames": list(resource_type.short_names),
            })
            for sub in resource_type.subresources:
                resources.append({
                    "name": f"{resource_type.plural}/{sub}",
                    "singularName": "",
                    "namespaced": resource_type.namespaced,
                    "kind": SUBRESOURCE_KINDS.get(sub, resource_type.kind),
                    "verbs": SUBRESOURCE_VERBS.get(sub, ["get", "patch", "update"]),
                })
        group_version = f"{group}/{version}" if group else version
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
                "resources": resources}
