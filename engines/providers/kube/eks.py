"""Kubernetes clients for EKS clusters.

Endpoint and certificate authority come from eks:DescribeCluster, never from a
kubeconfig file. The bearer token is presigned with the customer role's credentials
and renewed before it expires. In sandbox mode the cluster is served by the sandbox's
stand-in instead (see `engines.providers.kube.sandbox`).
"""

import base64
import binascii
import threading

from engines.provisioning.steps import PermanentError, TransientError
from engines.providers.aws import clients as aws_clients
from engines.providers.kube import sandbox
from engines.providers.kube.client import KubeClient
from engines.providers.kube.tokens import EksTokenSource

# Clients per worker thread, so that a token outlives the step that presigned it.
_cache = threading.local()


def clear_cache() -> None:
    """Forget cached clients (after a sandbox reset, or in tests)."""
    _cache.clients = {}


def describe_active_cluster(cloud, cluster_name: str) -> dict:
    """Return an EKS cluster's description; raise TransientError until it is ACTIVE."""
    cluster = cloud.client("eks").describe_cluster(name=cluster_name)["cluster"]
    if cluster.get("status") != "ACTIVE":
        raise TransientError(
            f"EKS cluster {cluster_name} is {cluster.get('status')}: its Kubernetes API is not available.",
            code=f"Cluster{cluster.get('status')}",
        )
    return cluster


def eks_client(cloud, cluster_name: str, *, cluster: dict | None = None) -> KubeClient:
    """Return a Kubernetes client for an EKS cluster of the cloud handle's account and region."""
    cluster = cluster or describe_active_cluster(cloud, cluster_name)
    account, region = cloud.account, cloud.region
    key = (account.role_arn, account.external_id, region, cluster.get("arn", cluster_name), cluster.get("endpoint"))
    clients = getattr(_cache, "clients", None)
    if clients is None:
        clients = _cache.clients = {}
    if key in clients:
        return clients[key]

    if aws_clients.is_sandbox():
        host, ca_data = sandbox.cluster_host(cluster, region), None
    else:
        host, ca_data = cluster["endpoint"], _certificate_authority(cluster)

    def credentials():
        return aws_clients.customer_session(account, region).get_credentials().get_frozen_credentials()

    token_source = EksTokenSource(credentials, cluster_name, region)
    clients[key] = KubeClient(host, token_source, ca_data=ca_data, label=cluster_name)
    return clients[key]


def _certificate_authority(cluster: dict) -> str:
    data = (cluster.get("certificateAuthority") or {}).get("data", "")
    try:
        pem = base64.b64decode(data, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        pem = ""
    if "BEGIN CERTIFICATE" not in pem:
        raise PermanentError(
            f"EKS cluster {cluster['name']} returned no usable certificate authority, so its API server "
            "cannot be verified.",
            code="InvalidCertificateAuthority",
            fix="Check the cluster in the EKS console; if it is healthy, contact support with the engine id.",
        )
    return pem
