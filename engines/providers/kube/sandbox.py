"""The sandbox's Kubernetes API stand-in in place of an EKS cluster's API server (sandbox mode only).

moto gives each EKS cluster an `https://<id>...eks.amazonaws.com` endpoint and a certificate
authority that is not a PEM certificate, so neither can be used. The sandbox serves one
stand-in cluster per EKS cluster under `<kube endpoint>/clusters/<key>`; this module
registers a cluster there on first use and returns its address.
"""

import logging
import threading
from urllib.parse import urlsplit

import requests

from engines.provisioning.steps import PermanentError, TransientError

logger = logging.getLogger(__name__)

_registered: set[tuple[str, str, str]] = set()
_lock = threading.Lock()
REGISTRATION_TIMEOUT_SECONDS = 10


def cluster_key(cluster: dict) -> str:
    """Return the stand-in's key of an EKS cluster: its name and the unique label of its endpoint.

    The label changes when a cluster of the same name is created again, so a new cluster
    never inherits the objects of an old one.
    """
    label = (urlsplit(cluster.get("endpoint") or "").hostname or "").split(".")[0]
    return f"{cluster['name'][:60]}.{label}" if label else cluster["name"][:100]


def cluster_host(cluster: dict, region: str) -> str:
    """Register an EKS cluster with the stand-in (once per sandbox run) and return its API server URL."""
    from sandbox.state import read_state

    state = read_state()
    if not state.kube_endpoint:
        raise PermanentError(
            "The sandbox Kubernetes API is not running, so the cluster's API cannot be reached.",
            code="SandboxKubernetesMissing",
            fix="Restart the sandbox with `make run` (or `python manage.py sandbox serve`), then retry.",
        )
    key = cluster_key(cluster)
    marker = (state.instance, state.kube_endpoint, key)
    with _lock:
        if marker not in _registered:
            _register(state.kube_endpoint, key, cluster, region)
            _registered.add(marker)
    return f"{state.kube_endpoint}/clusters/{key}"


def _register(kube_endpoint: str, key: str, cluster: dict, region: str) -> None:
    body = {
        "eks": True,
        "region": region,
        "kubernetesVersion": cluster.get("version") or "1.33",
        "attributes": {"eksClusterName": cluster["name"], "eksClusterArn": cluster.get("arn", "")},
    }
    try:
        response = requests.post(f"{kube_endpoint}/sandbox/clusters/{key}", json=body,
                                 timeout=REGISTRATION_TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise TransientError(f"Cannot reach the sandbox Kubernetes API at {kube_endpoint}: {error}",
                             code="SandboxKubernetesUnreachable") from error
    # 409: registered by another worker or an earlier run of this one.
    if response.status_code not in (201, 409):
        raise TransientError(
            f"The sandbox Kubernetes API refused to register cluster {key}: {response.status_code} {response.text[:200]}",
            code="SandboxKubernetesRegistration",
        )
    logger.info("Sandbox Kubernetes cluster %s registered for EKS cluster %s", key, cluster["name"])


def forget_registrations() -> None:
    """Forget which clusters were registered (for tests that restart the stand-in)."""
    with _lock:
        _registered.clear()
