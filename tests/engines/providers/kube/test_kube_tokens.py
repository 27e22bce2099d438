"""EKS tokens: their shape, their renewal before expiry by a frozen clock, and renewal on a 401."""

from datetime import datetime, timedelta, timezone

import pytest
from botocore.credentials import Credentials
from kubernetes.client.exceptions import ApiException

from engines.providers.kube.client import KubeClient
from engines.providers.kube.errors import classify
from engines.providers.kube.tokens import EKS_TOKEN_PREFIX, RENEW_BEFORE, TOKEN_LIFETIME, EksTokenSource
from engines.provisioning.steps import PermanentError
from sandbox.kube import EksTokenValidator, InvalidToken, KubeSandbox, SandboxClock

START = datetime(2026, 12, 4, 10, 0, tzinfo=timezone.utc)


def credentials():
    return Credentials("AKIDSANDBOXEXAMPLE", "sandbox-secret", "session-token").get_frozen_credentials()


@pytest.fixture
def clock():
    clock = SandboxClock()
    clock.freeze(START)
    return clock


@pytest.fixture
def kube(clock):
    sandbox = KubeSandbox(clock=clock).start()
    yield sandbox
    sandbox.stop()


def test_token_passes_eks_checks(clock):
    source = EksTokenSource(credentials, "research", "eu-west-1", clock=clock.now)

    token = source.token()

    assert token.startswith(EKS_TOKEN_PREFIX)
    EksTokenValidator(clock=clock.now)(token)


def test_token_reused_until_renewal_margin(clock):
    source = EksTokenSource(credentials, "research", "eu-west-1", clock=clock.now)
    first = source.token()

    clock.advance((TOKEN_LIFETIME - RENEW_BEFORE).total_seconds() - 1)

    assert source.token() == first
    assert source.renewals == 1
    EksTokenValidator(clock=clock.now)(first)


def test_token_renewed_before_expiry(clock):
    source = EksTokenSource(credentials, "research", "eu-west-1", clock=clock.now)
    first = source.token()

    clock.advance((TOKEN_LIFETIME - RENEW_BEFORE).total_seconds())
    second = source.token()

    assert second != first
    assert source.renewals == 2
    assert source.expires_at == clock.now() + TOKEN_LIFETIME
    EksTokenValidator(clock=clock.now)(second)


def test_unrenewed_token_expires_at_fifteen_minutes(clock):
    token = EksTokenSource(credentials, "research", "eu-west-1", clock=clock.now).token()

    clock.advance(TOKEN_LIFETIME.total_seconds() + 1)

    with pytest.raises(InvalidToken, match="expired"):
        EksTokenValidator(clock=clock.now)(token)


def test_client_renews_once_on_unauthorized(kube, clock):
    cluster = kube.add_cluster("research", eks=True)
    source = EksTokenSource(credentials, "research", "eu-west-1", clock=clock.now)
    client = KubeClient(kube.cluster_url("research"), source)
    cluster.force_unauthorized(1)

    namespace = client.get("v1", "Namespace", "kube-system")

    assert namespace["metadata"]["name"] == "kube-system"
    assert source.renewals == 2
    assert [request.status for request in cluster.requests] == [401, 200]


def test_client_fails_after_second_unauthorized(kube, clock):
    cluster = kube.add_cluster("research", eks=True)
    source = EksTokenSource(credentials, "research", "eu-west-1", clock=clock.now)
    client = KubeClient(kube.cluster_url("research"), source)
    cluster.force_unauthorized(2)

    with pytest.raises(ApiException) as raised:
        client.get("v1", "Namespace", "kube-system")

    assert raised.value.status == 401
    assert source.renewals == 2
    error = classify(raised.value)
    assert isinstance(error, PermanentError)
    assert error.code == "KubernetesUnauthorized"


def test_typed_api_gets_renewed_token(kube, clock):
    from kubernetes import client as kubernetes

    kube.add_cluster("research", eks=True)
    source = EksTokenSource(credentials, "research", "eu-west-1", clock=clock.now)
    client = KubeClient(kube.cluster_url("research"), source)
    core = kubernetes.CoreV1Api(client.api_client)
    core.list_namespace()

    clock.advance((TOKEN_LIFETIME - RENEW_BEFORE + timedelta(seconds=1)).total_seconds())

    assert core.list_namespace().items
    assert source.renewals == 2
