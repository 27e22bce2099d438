"""Fixtures of the project tests: an organisation with a Ready EKS engine in the sandbox clouds."""

from dataclasses import dataclass

import pytest

from tests.factories import make_organisation
from tests.projects.helpers import ready_engine


@dataclass
class Cloud:
    aws: object
    kube: object
    organisation: object
    engine: object


@pytest.fixture
def cloud(aws_sandbox, kube_sandbox):
    """An organisation with a Ready EKS engine whose cluster exists in moto and in the Kubernetes stand-in."""
    organisation = make_organisation()
    return Cloud(aws_sandbox, kube_sandbox, organisation, ready_engine(aws_sandbox, organisation))


@pytest.fixture
def fast_retries(settings):
    settings.AICHOR_RETRY_BASE_SECONDS = 0.01
