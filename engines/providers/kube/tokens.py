"""Bearer tokens for the Kubernetes API of EKS clusters, renewed before they expire.

An EKS token is `k8s-aws-v1.` followed by the unpadded base64url of a presigned STS
GetCallerIdentity URL that signs the `x-k8s-aws-id` header with the cluster's name.
EKS accepts it for 15 minutes after its X-Amz-Date. Presigning happens offline: it
signs a URL with the caller's credentials and sends no request.
"""

import base64
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from botocore.auth import SIGV4_TIMESTAMP, SigV4QueryAuth
from botocore.awsrequest import AWSRequest

EKS_TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_NAME_HEADER = "x-k8s-aws-id"
# EKS accepts a token for 15 minutes; the presigned URL says so itself with X-Amz-Expires.
TOKEN_LIFETIME = timedelta(minutes=15)
# A token is renewed this long before it expires, so that a request never carries one that
# expires in flight. `aws eks get-token` reports 14 minutes of validity for the same reason.
RENEW_BEFORE = timedelta(minutes=1)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def sts_host(region: str) -> str:
    """Return the regional STS host name that EKS expects in a token (China regions use amazonaws.com.cn)."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"sts.{region}.{suffix}"


class _QueryAuthAt(SigV4QueryAuth):
    """SigV4 query-string signing at a given time instead of the system clock."""

    def __init__(self, credentials, region: str, signed_at: datetime, expires: int):
        super().__init__(credentials, "sts", region, expires=expires)
        self._signed_at = signed_at

    def add_auth(self, request):
        request.context["timestamp"] = self._signed_at.astimezone(timezone.utc).strftime(SIGV4_TIMESTAMP)
        self._modify_request_before_signing(request)
        canonical_request = self.canonical_request(request)
        string_to_sign = self.string_to_sign(request, canonical_request)
        self._inject_signature_to_request(request, self.signature(string_to_sign, request))


def presign_eks_token(credentials, cluster_name: str, region: str, signed_at: datetime) -> str:
    """Return an EKS bearer token for `cluster_name`, signed with `credentials` at `signed_at`."""
    url = f"https://{sts_host(region)}/?Action=GetCallerIdentity&Version=2011-06-15"
    request = AWSRequest(method="GET", url=url, headers={CLUSTER_NAME_HEADER: cluster_name})
    _QueryAuthAt(credentials, region, signed_at, int(TOKEN_LIFETIME.total_seconds())).add_auth(request)
    encoded = base64.urlsafe_b64encode(request.url.encode()).decode().rstrip("=")
    return EKS_TOKEN_PREFIX + encoded


class EksTokenSource:
    """The current token of one EKS cluster: presigned on first use, renewed before expiry or on request.

    `credentials` returns the botocore credentials to sign with; it is called at each renewal,
    so that renewed credentials of the customer role are picked up. `clock` returns the
    current time as an aware datetime.
    """

    def __init__(self, credentials: Callable, cluster_name: str, region: str, *,
                 clock: Callable[[], datetime] = utc_now):
        self._credentials = credentials
        self.cluster_name = cluster_name
        self.region = region
        self.clock = clock
        self._lock = threading.Lock()
        self._token = ""
        self._expires_at: datetime | None = None
        self.renewals = 0

    @property
    def expires_at(self) -> datetime | None:
        return self._expires_at

    def token(self) -> str:
        """Return a token valid for at least RENEW_BEFORE, presigning a new one when needed."""
        with self._lock:
            now = self.clock()
            if not self._token or now >= self._expires_at - RENEW_BEFORE:
                credentials = self._credentials()
                self._token = presign_eks_token(credentials, self.cluster_name, self.region, now)
                self._expires_at = now + TOKEN_LIFETIME
                self.renewals += 1
            return self._token

    def invalidate(self) -> None:
        """Forget the current token (after the API server rejected it), so the next call presigns a new one."""
        with self._lock:
            self._token = ""
            self._expires_at = None


class StaticTokenSource:
    """A fixed bearer token, for clusters that issue one (a service-account token, for instance)."""

    def __init__(self, token: str):
        self._token = token
        self.renewals = 0

    def token(self) -> str:
        return self._token

    def invalidate(self) -> None:
        """Nothing to renew: a rejected static token stays rejected."""
