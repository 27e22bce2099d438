"""Bearer-token checks of sandbox clusters and the clock that token expiry is measured by."""

from __future__ import annotations

import base64
import binascii
import re
import threading
from datetime import datetime, timedelta, timezone
from typing import Callable
from urllib.parse import parse_qs, urlsplit

EKS_TOKEN_PREFIX = "k8s-aws-v1."
# STS hosts that aws-iam-authenticator accepts: global, regional, FIPS, and the China partition.
_STS_HOST = re.compile(r"^sts(-fips)?(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$")
_AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
# Maximum X-Amz-Expires of a presigned URL that aws-iam-authenticator accepts, in seconds.
MAX_EKS_TOKEN_EXPIRES = 900

TokenValidator = Callable[[str], None]


class InvalidToken(Exception):
    """Bearer token that a cluster rejects. The message gives the reason, which is logged but never sent."""


class SandboxClock:
    """UTC wall clock that tests can move forward or freeze."""

    def __init__(self):
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen_at: datetime | None = None

    def now(self) -> datetime:
        """Return the current time of the sandbox as an aware UTC datetime."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(timezone.utc) + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds` (frozen or not)."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += timedelta(seconds=seconds)
            else:
                self._offset += timedelta(seconds=seconds)

    def freeze(self, at: datetime | None = None) -> None:
        """Stop the clock at `at` (an aware datetime), or at the current time."""
        moment = at or self.now()
        with self._lock:
            self._frozen_at = moment.astimezone(timezone.utc)

    def unfreeze(self) -> None:
        """Let the clock follow wall time again, without any offset."""
        with self._lock:
            self._frozen_at = None
            self._offset = timedelta(0)


def format_timestamp(moment: datetime) -> str:
    """Format a datetime as the RFC 3339 seconds timestamp Kubernetes uses (`2026-12-04T10:00:00Z`)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class StaticTokenValidator:
    """Accepts one fixed bearer token, as a GKE or AKS stand-in would."""

    def __init__(self, token: str):
        if not token:
            raise ValueError("a static token must not be empty")
        self.token = token

    def __call__(self, token: str) -> None:
        if token != self.token:
            raise InvalidToken("the bearer token does not match the cluster's static token")


def accept_any_token(token: str) -> None:
    """Accept every non-empty bearer token (the default of a cluster with no validator)."""


def encode_eks_token(presigned_url: str) -> str:
    """Build an EKS bearer token from a presigned STS GetCallerIdentity URL."""
    encoded = base64.urlsafe_b64encode(presigned_url.encode()).decode().rstrip("=")
    return EKS_TOKEN_PREFIX + encoded


class EksTokenValidator:
    """Checks the shape and lifetime of EKS tokens as aws-iam-authenticator does, without calling STS.

    A token is `k8s-aws-v1.` and the unpadded base64url of a presigned STS GetCallerIdentity URL
    that signs the `x-k8s-aws-id` header. It is expired once X-Amz-Date plus X-Amz-Expires is
    before `clock()`. The signature itself is not verified.
    """

    def __init__(self, clock: Callable[[], datetime] | None = None, *, require_https: bool = True):
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.require_https = require_https

    def __call__(self, token: str) -> None:
        url = self._decode(token)
        parts = urlsplit(url)
        if self.require_https:
            if parts.scheme != "https":
                raise InvalidToken(f"the presigned URL scheme is {parts.scheme!r}, expected https")
            if not _STS_HOST.match(parts.hostname or ""):
                raise InvalidToken(f"the presigned URL host {parts.hostname!r} is not an STS endpoint")
        query = {key.lower(): values[0] for key, values in parse_qs(parts.query).items()}
        if query.get("action") != "GetCallerIdentity":
            raise InvalidToken("the presigned URL is not an STS GetCallerIdentity request")
        for name in ("x-amz-signature", "x-amz-credential", "x-amz-date", "x-amz-expires", "x-amz-signedheaders"):
            if not query.get(name):
                raise InvalidToken(f"the presigned URL has no {name} parameter")
        if "x-k8s-aws-id" not in query["x-amz-signedheaders"].lower().split(";"):
            raise InvalidToken("the presigned URL does not sign the x-k8s-aws-id header")
        self._check_lifetime(query["x-amz-date"], query["x-amz-expires"])

    @staticmethod
    def _decode(token: str) -> str:
        if not token.startswith(EKS_TOKEN_PREFIX):
            raise InvalidToken(f"the token does not start with {EKS_TOKEN_PREFIX!r}")
        encoded = token[len(EKS_TOKEN_PREFIX):]
        if not encoded or "=" in encoded or not re.fullmatch(r"[A-Za-z0-9_-]+", encoded):
            raise InvalidToken("the token body is not unpadded base64url")
        try:
            return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError) as error:
            raise InvalidToken(f"the token body does not decode: {error}") from error

    def _check_lifetime(self, amz_date: str, amz_expires: str) -> None:
        try:
            signed_at = datetime.strptime(amz_date, _AMZ_DATE_FORMAT).replace(tzinfo=timezone.utc)
        except ValueError as error:
            raise InvalidToken(f"X-Amz-Date {amz_date!r} is not in the format YYYYMMDDTHHMMSSZ") from error
        if not amz_expires.isdigit() or not 0 < int(amz_expires) <= MAX_EKS_TOKEN_EXPIRES:
            raise InvalidToken(f"X-Amz-Expires {amz_expires!r} is not between 1 and {MAX_EKS_TOKEN_EXPIRES} seconds")
        now = self.clock()
        if now > signed_at + timedelta(seconds=int(amz_expires)):
            raise InvalidToken(f"the token expired: signed at {amz_date}, valid for {amz_expires} s")
        if signed_at - now > timedelta(seconds=MAX_EKS_TOKEN_EXPIRES):
            raise InvalidToken(f"the token's X-Amz-Date {amz_date} is in the future")
