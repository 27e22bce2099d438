"""Stand-ins for the controllers of a real cluster: they fill in status and create side objects.

Everything settles at once: a Deployment is available, a LoadBalancer Service has its address
and a Job has completed as soon as the write that created them returns.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import logging
import threading

from . import errors
from .catalog import ResourceType
from .jobs import run_job
from .pods import prepare_pod

logger = logging.getLogger(__name__)

# Placeholder CA bundle that service-account token secrets and kube-root-ca.crt carry.
SANDBOX_CA_CERTIFICATE = "-----BEGIN CERTIFICATE-----\nsandbox-ca\n-----END CERTIFICATE-----\n"


class Allocator:
    """Deterministic service IPs (10.100.0.0/16), pod IPs (192.168.0.0/16) and node ports of one cluster.

    NOTE: addresses are never released and wrap after about 64,000 allocations; node ports run past 32767
    after 2,768 allocations.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._service_ips = itertools.count(10)
        self._pod_ips = itertools.count(10)
        self._ports = itertools.count(30000)

    @staticmethod
    def _address(prefix: str, index: int) -> str:
        index %= 250 * 256
        return f"{prefix}.{index // 250}.{index % 250 + 1}"

    def cluster_ip(self) -> str:
        """Allocate the next service cluster IP."""
        with self._lock:
            return self._address("10.100", next(self._service_ips))

    def pod_ip(self) -> str:
        """Allocate the next pod IP."""
        with self._lock:
            return self._address("192.168", next(self._pod_ips))

    def node_port(self) -> int:
        """Allocate the next node port."""
        with self._lock:
            return next(self._ports)


def default_load_balancer_hostname(region: str, cluster_key: str, service: dict) -> str:
    """Build an ELB-style hostname, `<name>-<hash>.elb.<region>.amazonaws.com`, stable per service."""
    metadata = service["metadata"]
    seed = f"{cluster_key}/{metadata.get('namespace')}/{metadata['name']}".encode()
    return f"{metadata['name']}-{hashlib.sha256(seed).hexdigest()[:16]}.elb.{region}.amazonaws.com"


def _condition(kind: str, status: str, reason: str, now: str, message: str = "") -> dict:
    return {"type": kind, "status": status, "reason": reason, "message": message, "lastTransitionTime": now}


def _prepare_namespace(cluster, obj, old):
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
    obj["status"] = {"phase": "Active"}


def _prepare_secret(cluster, obj, old):
    obj.setdefault("type", "Opaque")
    data = obj.setdefault("data", {}) or {}
    obj["data"] = data
    for key, value in (obj.pop("stringData", None) or {}).items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    annotations = obj["metadata"].get("annotations") or {}
    if obj["type"] == "kubernetes.io/service-account-token" and "token" not in data:
        account = annotations.get("kubernetes.io/service-account.name")
        if not account:
            raise errors.invalid("", "Secret", obj["metadata"]["name"],
                                 'metadata.annotations["kubernetes.io/service-account.name"]',
                                 "Required value: a service-account token secret names its service account")
        namespace = obj["metadata"]["namespace"]
        token = cluster.issue_service_account_token(namespace, account, expiration_seconds=None)
        data["token"] = base64.b64encode(token.encode()).decode()
        data["namespace"] = base64.b64encode(namespace.encode()).decode()
        data["ca.crt"] = base64.b64encode(SANDBOX_CA_CERTIFICATE.encode()).decode()


def _prepare_service(cluster, obj, old):
    spec = obj.setdefault("spec", {})
    old_spec = (old or {}).get("spec", {})
    service_type = spec.setdefault("type", "ClusterIP")
    if service_type != "ExternalName":
        spec.setdefault("clusterIP", old_spec.get("clusterIP") or cluster.allocator.cluster_ip())
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
    old_ports = {port.get("port"): port for port in old_spec.get("ports", [])}
    for port in spec.get("ports", []):
        port.setdefault("protocol", "TCP")
        port.setdefault("targetPort", port.get("port"))
        if service_type in ("NodePort", "LoadBalancer") and not port.get("nodePort"):
            port["nodePort"] = old_ports.get(port.get("port"), {}).get("nodePort") or cluster.allocator.node_port()
    old_ingress = ((old or {}).get("status") or {}).get("loadBalancer", {}).get("ingress")
    if service_type != "LoadBalancer":
        obj["status"] = {"loadBalancer": {}}
    elif old_ingress:
        obj["status"] = {"loadBalancer": {"ingress": copy.deepcopy(old_ingress)}}
    else:
        address = cluster.hostname_factory(obj)
        entry = address if isinstance(address, dict) else {"hostname": address}
        obj["status"] = {"loadBalancer": {"ingress": [entry]}}


def _prepare_replicated(cluster, obj, old):
    """Report every replica of a Deployment, StatefulSet or ReplicaSet as ready and available."""
    spec = obj.setdefault("spec", {})
    replicas = spec.setdefault("replicas", 1)
    now = cluster.now_timestamp()
    status = {
        "observedGeneration": obj["metadata"].get("generation", 1),
        "replicas": replicas,
        "updatedReplicas": replicas,
        "readyReplicas": replicas,
        "availableReplicas": replicas,
    }
    if obj["kind"] == "Deployment":
        status["conditions"] = [
            _condition("Available", "True", "MinimumReplicasAvailable", now, "Deployment has minimum availability."),
            _condition("Progressing", "True", "NewReplicaSetAvailable", now, "ReplicaSet has successfully progressed."),
        ]
        for condition in status["conditions"]:
            condition["lastUpdateTime"] = now
    elif obj["kind"] == "StatefulSet":
        status["currentReplicas"] = replicas
    obj["status"] = status


def _prepare_daemon_set(cluster, obj, old):
    nodes = max(1, len(cluster.store.select("", "nodes")))
    obj["status"] = {
        "observedGeneration": obj["metadata"].get("generation", 1),
        "currentNumberScheduled": nodes, "desiredNumberScheduled": nodes, "numberAvailable": nodes,
        "numberReady": nodes, "updatedNumberScheduled": nodes, "numberMisscheduled": 0,
    }


def _prepare_claim(cluster, obj, old):
    spec = obj.setdefault("spec", {})
    if "storageClassName" not in spec:
        for _, storage_class in cluster.store.select("storage.k8s.io", "storageclasses"):
            annotations = storage_class["metadata"].get("annotations") or {}
            if annotations.get("storageclass.kubernetes.io/is-default-class") == "true":
                spec["storageClassName"] = storage_class["metadata"]["name"]
    spec.setdefault("volumeName", f"pvc-{obj['metadata']['uid']}")
    storage = spec.get("resources", {}).get("requests", {}).get("storage", "1Gi")
    obj["status"] = {"phase": "Bound", "accessModes": spec.get("accessModes", ["ReadWriteOnce"]),
                     "capacity": {"storage": storage}}


def _prepare_crd(cluster, obj, old):
    spec = obj.get("spec") or {}
    names = spec.get("names") or {}
    name = obj["metadata"]["name"]
    if not spec.get("group") or not names.get("plural") or not names.get("kind") or not spec.get("versions"):
        raise errors.invalid("apiextensions.k8s.io", "CustomResourceDefinition", name, "spec",
                             "Required value: spec.group, spec.names.plural, spec.names.kind and spec.versions")
    if name != f"{names['plural']}.{spec['group']}":
        raise errors.invalid("apiextensions.k8s.io", "CustomResourceDefinition", name, "metadata.name",
                             f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group')
    names.setdefault("singular", names["kind"].lower())
    names.setdefault("listKind", f"{names['kind']}List")
    now = cluster.now_timestamp()
    storage = [v["name"] for v in spec["versions"] if v.get("storage")] or [spec["versions"][0]["name"]]
    obj["status"] = {
        "acceptedNames": copy.deepcopy(names),
        "storedVersions": storage,
        "conditions": [_condition("NamesAccepted", "True", "NoConflicts", now, "no conflicts found"),
                       _condition("Established", "True", "InitialNamesAccepted", now,
                                  "the initial names have been accepted")],
    }


def _prepare_access_review(cluster, obj, old):
    obj["status"] = {"allowed": True, "reason": "the sandbox cluster allows every request"}


_PREPARERS = {
    ("", "namespaces"): _prepare_namespace,
    ("", "secrets"): _prepare_secret,
    ("", "services"): _prepare_service,
    ("", "pods"): prepare_pod,
    ("", "persistentvolumeclaims"): _prepare_claim,
    ("apps", "deployments"): _prepare_replicated,
    ("apps", "statefulsets"): _prepare_replicated,
    ("apps", "replicasets"): _prepare_replicated,
    ("apps", "daemonsets"): _prepare_daemon_set,
    ("apiextensions.k8s.io", "customresourcedefinitions"): _prepare_crd,
    ("authorization.k8s.io", "selfsubjectaccessreviews"): _prepare_access_review,
}


def prepare(cluster, resource_type: ResourceType, obj: dict, old: dict | None) -> None:
    """Fill in defaults and status of an object before it is stored (`old` is None on create)."""
    preparer = _PREPARERS.get((resource_type.group, resource_type.plural))
    if preparer is not None:
        preparer(cluster, obj, old)


def after_write(cluster, resource_type: ResourceType, obj: dict, old: dict | None) -> None:
    """Create the objects that a controller makes in response to a stored write."""
    kind = (resource_type.group, resource_type.plural)
    if kind == ("", "namespaces") and old is None:
        _populate_namespace(cluster, obj["metadata"]["name"])
    elif kind == ("apiextensions.k8s.io", "customresourcedefinitions"):
        cluster.catalog.register_crd(obj)
    elif kind == ("batch", "jobs") and old is None and not obj.get("spec", {}).get("suspend"):
        run_job(cluster, resource_type, obj)


def after_delete(cluster, resource_type: ResourceType, obj: dict) -> None:
    """Clean up what a deleted object leaves behind: a CRD's objects, a pod's log."""
    kind = (resource_type.group, resource_type.plural)
    if kind == ("apiextensions.k8s.io", "customresourcedefinitions"):
        spec = obj["spec"]
        plural = spec["names"]["plural"]
        for key, _ in cluster.store.select(spec["group"], plural):
            cluster._remove(key)
        cluster.catalog.unregister(spec["group"], plural)
    elif kind == ("", "pods"):
        cluster.pod_logs.pop((obj["metadata"]["namespace"], obj["metadata"]["name"]), None)


def _populate_namespace(cluster, namespace: str) -> None:
    """Create the `default` service account and the `kube-root-ca.crt` config map of a new namespace."""
    account_type = cluster.catalog.require("", "v1", "serviceaccounts")
    config_map_type = cluster.catalog.require("", "v1", "configmaps")
    cluster.create(account_type, namespace, {"metadata": {"name": "default"}})
    cluster.create(config_map_type, namespace,
                   {"metadata": {"name": "kube-root-ca.crt"}, "data": {"ca.crt": SANDBOX_CA_CERTIFICATE}})
