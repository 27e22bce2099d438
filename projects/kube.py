"""Kubernetes access to a project's engines, through the portal's client factory.

`kube_client_for(engine)` returns the factory's client for an EKS engine's cluster
(in sandbox mode, the sandbox's stand-in); `kubernetes_errors()` turns the client's
errors into the runner's transient and permanent errors.
"""

from contextlib import contextmanager

from engines.choices import EngineKind
from engines.providers.aws import clients
from engines.provisioning.steps import PermanentError


class EngineCloud:
    """The AWS handle of an engine's own account and region, as the Kubernetes client factory expects it."""

    def __init__(self, engine):
        self.account = engine.cloud_account
        self.region = engine.region

    def client(self, service: str):
        return clients.client(clients.customer_session(self.account, self.region), service, self.region)


def cluster_name(engine) -> str:
    """Return the EKS cluster name of an engine, as its inventory recorded it."""
    cluster = engine.resources.filter(type="eks_cluster").first()
    if cluster is not None and cluster.data.get("name"):
        return cluster.data["name"]
    return engine.parameters.get("cluster_name") or engine.name


def kube_client_for(engine):
    """Return a Kubernetes client (engines.providers.kube.client.KubeClient) for an engine's cluster."""
    if engine.kind != EngineKind.EKS:
        raise PermanentError(
            f"Engine {engine} is a {engine.get_kind_display()} engine: projects run on EKS engines only for now.",
            code="UnsupportedEngineKind",
            fix="Assign an EKS engine to the project instead.",
        )
    from engines.providers.kube.eks import eks_client

    return eks_client(EngineCloud(engine), cluster_name(engine))


def api_client_for(engine):
    """Return the official `kubernetes.client.ApiClient` of an engine's cluster, for the typed APIs."""
    return kube_client_for(engine).api_client


@contextmanager
def kubernetes_errors():
    """Raise the runner's error for a Kubernetes client error inside the block; let others pass."""
    from engines.providers.kube.errors import classify

    try:
        yield
    except Exception as error:
        classified = classify(error)
        if classified is None:
            raise
        raise classified from error
