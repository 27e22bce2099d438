"""One sandbox cluster: its objects, authentication, request log and hooks."""

from __future__ import annotations

import functools
import logging
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterable

from . import errors
from .auth import InvalidToken, SandboxClock, TokenValidator, accept_any_token
from .catalog import Catalog, ResourceType
from .controllers import Allocator, default_load_balancer_hostname
from .jobs import JobOutcome
from .operations import ResourceOperations
from .store import ObjectStore

logger = logging.getLogger(__name__)

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")

JobHook = Callable[["Cluster", dict], "JobOutcome | None"]
EventHook = Callable[[str, ResourceType, dict], None]
HostnameFactory = Callable[[dict], "str | dict"]


@dataclass
class RecordedRequest:
    """One request that reached a cluster, as tests inspect it."""

    method: str
    path: str  # below the cluster prefix, such as /apis/apps/v1/namespaces/ns/deployments
    verb: str  # Kubernetes verb: get, list, create, update, patch, delete, deletecollection
    status: int
    group: str | None = None
    version: str | None = None
    resource: str | None = None
    subresource: str | None = None
    namespace: str | None = None
    name: str | None = None
    content_type: str | None = None
    query: dict = field(default_factory=dict)
    auth_error: str | None = None  # why the token was rejected, for 401 responses


class Cluster(ResourceOperations):
    """State and settings of one cluster that a KubeSandbox serves under `/clusters/<key>`."""

    def __init__(self, key: str, *, token_validator: TokenValidator | None = None, clock: SandboxClock | None = None,
                 region: str = "us-east-1", hostname_factory: HostnameFactory | None = None,
                 latency: float = 0.0, kubernetes_version: str = "1.31", objects: Iterable[dict] = ()):
        self.key = key
        self.token_validator = token_validator or accept_any_token
        self.clock = clock or SandboxClock()
        self.region = region
        self.hostname_factory = hostname_factory or functools.partial(default_load_balancer_hostname, region, key)
        self.latency = latency
        self.kubernetes_version = kubernetes_version
        # Free-form facts about the cluster, such as the EKS cluster it stands for.
        self.attributes: dict = {}
        self.store = ObjectStore()
        self.catalog = Catalog()
        self.allocator = Allocator()
        self.pod_logs: dict[tuple[str, str], str] = {}
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._forced_unauthorized = 0
        self._issued_tokens: dict[str, tuple[str, str, datetime | None]] = {}
        self._job_hooks: list[JobHook] = []
        self._event_hooks: list[EventHook] = []
        self._init_operations()
        namespace_type = self.catalog.require("", "v1", "namespaces")
        for namespace in SYSTEM_NAMESPACES:
            self.create(namespace_type, None, {"metadata": {"name": namespace}})
        for manifest in objects:
            self.create_object(manifest)

    # Authentication

    def authenticate(self, authorization: str | None) -> None:
        """Check an Authorization header; raise the 401 ApiError, with `auth_error` set, when rejected."""
        with self._lock:
            if self._forced_unauthorized > 0:
                self._forced_unauthorized -= 1
                raise self._rejection("rejected by force_unauthorized()")
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise self._rejection("the request has no 'Authorization: Bearer <token>' header")
        if self._service_account_token_valid(token):
            return
        try:
            self.token_validator(token)
        except InvalidToken as error:
            raise self._rejection(str(error)) from error

    def _rejection(self, reason: str) -> errors.ApiError:
        logger.info("cluster %s rejected a request: %s", self.key, reason)
        return errors.unauthorized(reason)

    def force_unauthorized(self, count: int = 1) -> None:
        """Reject the next `count` requests with 401 Unauthorized, whatever their token."""
        with self._lock:
            self._forced_unauthorized = count

    def issue_service_account_token(self, namespace: str, account: str,
                                    expiration_seconds: int | None = 3600) -> str:
        """Issue a bearer token for a service account that this cluster accepts until it expires."""
        token = f"sandbox-sa.{self.key}.{secrets.token_urlsafe(24)}"
        expiry = self.clock.now() + timedelta(seconds=expiration_seconds) if expiration_seconds else None
        with self._lock:
            self._issued_tokens[token] = (namespace, account, expiry)
        return token

    def token_expiry(self, token: str) -> datetime | None:
        """Return when an issued service-account token expires (None: never)."""
        with self._lock:
            return self._issued_tokens[token][2]

    def _service_account_token_valid(self, token: str) -> bool:
        with self._lock:
            issued = self._issued_tokens.get(token)
        if issued is None:
            return False
        expiry = issued[2]
        return expiry is None or self.clock.now() < expiry

    # Request log

    def record(self, request: RecordedRequest) -> None:
        """Append one request to the log."""
        with self._lock:
            self.requests.append(request)

    def clear_requests(self) -> None:
        """Empty the request log."""
        with self._lock:
            self.requests.clear()

    def requests_for(self, verb: str | None = None, resource: str | None = None) -> list[RecordedRequest]:
        """Return the logged requests with this verb and resource (None matches any)."""
        with self._lock:
            return [r for r in self.requests
                    if (verb is None or r.verb == verb) and (resource is None or r.resource == resource)]

    # Hooks

    def on_job_created(self, callback: JobHook) -> None:
        """Register `callback(cluster, job)`, which may return a JobOutcome for a new Job.

        The first hook that returns an outcome decides it. Without one, the Job succeeds with an empty log.
        NOTE: hooks run while the cluster's lock is held, so a hook may call this cluster's methods
        directly but must not send HTTP requests to the sandbox, which would wait on that lock forever.
        """
        self._job_hooks.append(callback)

    def on_event(self, callback: EventHook) -> None:
        """Register `callback(event_type, resource_type, obj)` for ADDED, MODIFIED and DELETED objects.

        Event hooks run under the cluster's lock, like Job hooks.
        """
        self._event_hooks.append(callback)

    def job_outcome(self, job: dict) -> JobOutcome:
        """Ask the job hooks for the outcome of a new Job."""
        for hook in list(self._job_hooks):
            outcome = hook(self, job)
            if outcome is not None:
                return outcome
        return JobOutcome()

    def emit(self, event_type: str, resource_type: ResourceType, obj: dict) -> None:
        """Call the event hooks; an exception in a hook is logged and does not fail the request."""
        for hook in list(self._event_hooks):
            try:
                hook(event_type, resource_type, obj)
            except Exception:
                logger.exception("event hook %r of cluster %s failed on %s %s/%s", hook, self.key, event_type,
                                 resource_type.plural, obj.get("metadata", {}).get("name"))

    # Python API by apiVersion and kind or plural

    def resource_type(self, api_version: str, kind_or_plural: str) -> ResourceType:
        """Return the type of `kind_or_plural` (`Deployment` or `deployments`) in `api_version`."""
        group, _, version = api_version.rpartition("/")
        resource_type = self.catalog.find(group, version, kind_or_plural) or self.catalog.by_kind(
            api_version, kind_or_plural)
        if resource_type is None:
            raise KeyError(f"cluster {self.key} serves no {kind_or_plural} in {api_version}")
        return resource_type

    def create_object(self, manifest: dict) -> dict:
        """Create an object from a manifest, keeping its status (for seeding a cluster)."""
        resource_type = self.resource_type(manifest["apiVersion"], manifest["kind"])
        namespace = manifest.get("metadata", {}).get("namespace") if resource_type.namespaced else None
        return self.create(resource_type, namespace, manifest, keep_status=True)

    def apply_object(self, manifest: dict, field_manager: str = "sandbox", force: bool = True) -> dict:
        """Server-side apply a manifest and return the stored object."""
        resource_type = self.resource_type(manifest["apiVersion"], manifest["kind"])
        metadata = manifest["metadata"]
        namespace = metadata.get("namespace") if resource_type.namespaced else None
        obj, _ = self.apply(resource_type, namespace, metadata["name"], manifest, field_manager, force=force)
        return obj

    def get_object(self, api_version: str, kind_or_plural: str, name: str, namespace: str | None = None) -> dict | None:
        """Return one object, or None when it does not exist."""
        try:
            return self.read(self.resource_type(api_version, kind_or_plural), namespace, name)
        except errors.ApiError as error:
            if error.code == 404:
                return None
            raise

    def list_objects(self, api_version: str, kind_or_plural: str, namespace: str | None = None,
                     label_selector: str | None = None) -> list[dict]:
        """Return the objects of one resource, in one namespace or all."""
        return self.list(self.resource_type(api_version, kind_or_plural), namespace, label_selector)["items"]

    def delete_object(self, api_version: str, kind_or_plural: str, name: str, namespace: str | None = None) -> dict:
        """Delete one object (404 ApiError when absent) and return it."""
        return self.delete(self.resource_type(api_version, kind_or_plural), namespace, name)
