"""The portal's Kubernetes client against the sandbox stand-in, and the EKS client factory."""

import base64
from types import SimpleNamespace

import pytest
import requests

from engines.providers.aws import clients
from engines.providers.kube import eks, sandbox
from engines.providers.kube.apply import DIGEST_ANNOTATION, apply_manifests
from engines.providers.kube.client import KubeClient
from engines.providers.kube.tokens import StaticTokenSource
from engines.provisioning.steps import PermanentError, TransientError
from tests.engines.helpers import make_sandbox_account
from tests.factories import make_organisation

TOKEN = "static-test-token"


def config_map(name: str, value: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "apps"},
            "data": {"key": value}}


@pytest.fixture
def cluster(kube_sandbox):
    return kube_sandbox.add_cluster("client-tests", token=TOKEN)


@pytest.fixture
def client(kube_sandbox, cluster):
    client = KubeClient(kube_sandbox.cluster_url("client-tests"), StaticTokenSource(TOKEN))
    client.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}})
    cluster.clear_requests()
    return client


def test_apply_writes_set_once(client, cluster):
    manifests = [config_map("first", "1"), config_map("second", "2")]

    applied = apply_manifests(client, manifests)
    again = apply_manifests(client, manifests)

    assert len(applied.applied) == 2
    assert again.applied == []
    assert len(again.unchanged) == 2
    writes = [request for request in cluster.requests if request.verb == "patch"]
    assert [request.name for request in writes] == ["first", "second"]
    assert {request.content_type for request in writes} == {"application/apply-patch+yaml"}
    assert {request.query.get("fieldManager") for request in writes} == {"aichor-portal"}


def test_changed_manifest_applies_set_again(client):
    apply_manifests(client, [config_map("first", "1")])

    result = apply_manifests(client, [config_map("first", "changed")])

    assert result.applied == ["ConfigMap apps/first"]
    stored = client.get("v1", "ConfigMap", "first", "apps")
    assert stored["data"] == {"key": "changed"}
    assert DIGEST_ANNOTATION in stored["metadata"]["annotations"]


def test_missing_object_reads_as_none(client):
    assert client.get("v1", "ConfigMap", "absent", "apps") is None
    assert client.delete("v1", "ConfigMap", "absent", "apps") is False


def test_delete_removes_object(client):
    client.apply(config_map("doomed", "1"))

    assert client.delete("v1", "ConfigMap", "doomed", "apps") is True
    assert client.get("v1", "ConfigMap", "doomed", "apps") is None


def test_list_by_label(client):
    labelled = config_map("labelled", "1")
    labelled["metadata"]["labels"] = {"team": "ml"}
    client.apply(labelled)
    client.apply(config_map("plain", "2"))

    names = [item["metadata"]["name"] for item in client.list("v1", "ConfigMap", "apps", label_selector="team=ml")]

    assert names == ["labelled"]


@pytest.fixture
def sandbox_cloud(aws_sandbox):
    """An AWS cloud handle on the sandbox's customer role, and an EKS cluster made there by its administrator."""
    account = make_sandbox_account(make_organisation())
    iam = aws_sandbox.client("iam")
    role = iam.create_role(RoleName="cluster-for-client-tests", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    aws_sandbox.client("eks", "eu-west-1").create_cluster(name="client-tests", roleArn=role,
                                                          resourcesVpcConfig={"subnetIds": []})
    session = clients.customer_session(account, "eu-west-1")
    return SimpleNamespace(account=account, region="eu-west-1",
                           client=lambda service: clients.client(session, service, "eu-west-1"))


@pytest.mark.django_db(transaction=True)
def test_sandbox_cluster_maps_to_stand_in(sandbox_cloud, kube_sandbox, monkeypatch):
    import kubernetes.config

    def refuse(*args, **kwargs):
        raise AssertionError("the portal must never load a kubeconfig")

    monkeypatch.setattr(kubernetes.config, "load_kube_config", refuse)
    monkeypatch.setattr(kubernetes.config, "load_incluster_config", refuse)

    client = eks.eks_client(sandbox_cloud, "client-tests")

    assert client.configuration.host.startswith(f"{kube_sandbox.url}/clusters/client-tests.")
    assert client.get("v1", "Namespace", "kube-system") is not None
    registered = [cluster for cluster in kube_sandbox.clusters.values()
                  if cluster.attributes.get("eksClusterName") == "client-tests"]
    assert len(registered) == 1


@pytest.mark.django_db(transaction=True)
def test_sandbox_registration_is_idempotent(sandbox_cloud, kube_sandbox):
    first = eks.eks_client(sandbox_cloud, "client-tests")
    eks.clear_cache()
    sandbox.forget_registrations()

    second = eks.eks_client(sandbox_cloud, "client-tests")

    assert second is not first
    assert second.configuration.host == first.configuration.host
    assert second.get("v1", "Namespace", "default") is not None
    listed = requests.get(f"{kube_sandbox.url}/sandbox/clusters", timeout=5).json()["clusters"]
    assert len([key for key in listed if key.startswith("client-tests.")]) == 1


def live_cloud(cluster: dict):
    eks_api = SimpleNamespace(describe_cluster=lambda name: {"cluster": cluster})
    account = SimpleNamespace(role_arn="arn:aws:iam::123456789012:role/AIchorPortalRole", external_id="x")
    return SimpleNamespace(account=account, region="eu-west-1", client=lambda service: eks_api)


PEM = "-----BEGIN CERTIFICATE-----\nMIIBlive\n-----END CERTIFICATE-----\n"


def test_live_cluster_uses_described_endpoint_and_ca(settings):
    settings.AICHOR_CLOUD_MODE = settings.LIVE
    eks.clear_cache()
    cluster = {"name": "prod", "arn": "arn:aws:eks:eu-west-1:123456789012:cluster/prod", "status": "ACTIVE",
               "endpoint": "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
               "certificateAuthority": {"data": base64.b64encode(PEM.encode()).decode()}}

    client = eks.eks_client(live_cloud(cluster), "prod")

    assert client.configuration.host == cluster["endpoint"]
    assert client.configuration.ca_cert_data == PEM


def test_live_cluster_without_pem_ca_is_refused(settings):
    settings.AICHOR_CLOUD_MODE = settings.LIVE
    eks.clear_cache()
    cluster = {"name": "odd", "arn": "arn:aws:eks:eu-west-1:123456789012:cluster/odd", "status": "ACTIVE",
               "endpoint": "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
               "certificateAuthority": {"data": "bm90IGEgY2VydGlmaWNhdGU="}}

    with pytest.raises(PermanentError, match="certificate authority"):
        eks.eks_client(live_cloud(cluster), "odd")


def test_creating_cluster_has_no_client():
    cloud = live_cloud({"name": "young", "status": "CREATING"})

    with pytest.raises(TransientError, match="CREATING"):
        eks.eks_client(cloud, "young")
