"""Reaching an engine's EKS cluster from a step, and the objects the portal keeps inside it."""

import logging

from botocore.exceptions import ClientError
from kubernetes.client.exceptions import ApiException

from engines.providers.aws.errors import error_code

logger = logging.getLogger(__name__)


def engine_cluster_name(context) -> str:
    """Return the EKS cluster's name: the one recorded in the inventory, else the engine's name."""
    resource = context.resource("eks-cluster")
    if resource is not None and resource.data.get("name"):
        return resource.data["name"]
    return context.engine.name


def describe_cluster(context, name: str | None = None) -> dict | None:
    """Return the engine's cluster description, or None when the cluster does not exist."""
    try:
        return context.cloud.client("eks").describe_cluster(name=name or engine_cluster_name(context))["cluster"]
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return None
        raise


def recorded_cluster(context) -> dict | None:
    """Return the cluster's description as the create step recorded it once ACTIVE, or None."""
    resource = context.resource("eks-cluster")
    data = resource.data if resource is not None else {}
    if not data.get("endpoint"):
        return None
    return {"name": data["name"], "arn": resource.cloud_id, "endpoint": data["endpoint"],
            "version": data.get("version", ""), "status": "ACTIVE",
            "certificateAuthority": {"data": data.get("certificate_authority", "")}}


def cluster_kube(context, *, recorded: bool = False):
    """Return a Kubernetes client for the engine's cluster, or None when its API cannot exist.

    A cluster that is gone, or that is not ACTIVE (still creating, failed, being deleted),
    has no API to talk to: what the portal made inside it goes with it. With `recorded`,
    the steps that run after the cluster's creation use the description it recorded then,
    instead of asking EKS again.
    """
    name = engine_cluster_name(context)
    cluster = recorded_cluster(context) if recorded else None
    if cluster is not None:
        return context.cloud.kubernetes(name, cluster=cluster)
    cluster = describe_cluster(context, name)
    if cluster is None:
        context.log(f"EKS cluster {name} does not exist: nothing to do inside it")
        return None
    if cluster.get("status") != "ACTIVE":
        context.log(f"EKS cluster {name} is {cluster.get('status')}: its Kubernetes API is not available", "warning")
        return None
    return context.cloud.kubernetes(name, cluster=cluster)


def list_or_empty(kube, api_version: str, kind: str) -> list[dict]:
    """List a kind in all namespaces; an API the cluster does not serve (a CRD not installed) lists nothing."""
    try:
        return kube.list(api_version, kind)
    except ApiException as error:
        if error.status == 404:
            return []
        raise


def kube_object_data(manifest: dict) -> dict:
    """Return what the inventory keeps to find an object again: apiVersion, kind, name and namespace."""
    metadata = manifest["metadata"]
    data = {"api_version": manifest["apiVersion"], "kind": manifest["kind"], "name": metadata["name"]}
    if metadata.get("namespace"):
        data["namespace"] = metadata["namespace"]
    return data


def delete_kube_object(context, resource):
    """Delete one object the inventory recorded inside the cluster (nothing to do when the cluster is gone)."""
    kube = cluster_kube(context)
    if kube is None:
        return None
    data = resource.data
    kube.delete(data["api_version"], data["kind"], data["name"], data.get("namespace"))
    return None
