"""Kubernetes API stand-in for the sandbox: one local server, many clusters, real wire format."""

from .auth import (EKS_TOKEN_PREFIX, EksTokenValidator, InvalidToken, SandboxClock, StaticTokenValidator,
                   encode_eks_token)
from .cluster import Cluster, RecordedRequest
from .errors import ApiError
from .jobs import JobOutcome
from .manifests import custom_resource_definition, karpenter_crds
from .server import KubeSandbox

__all__ = [
    "ApiError",
    "Cluster",
    "EKS_TOKEN_PREFIX",
    "EksTokenValidator",
    "InvalidToken",
    "JobOutcome",
    "KubeSandbox",
    "RecordedRequest",
    "SandboxClock",
    "StaticTokenValidator",
    "custom_resource_definition",
    "encode_eks_token",
    "karpenter_crds",
]
