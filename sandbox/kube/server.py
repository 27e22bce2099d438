"""Local stand-in for the Kubernetes API servers of many clusters, one path prefix per cluster.

URL layout, relative to `KubeSandbox.url`:

- `/clusters/<key>/...`: the Kubernetes API of cluster `<key>` (`/api/v1/...`, `/apis/<group>/<version>/...`,
  `/api`, `/apis`, `/version`). An unregistered key gets a 404 Status.
- `/sandbox/clusters`: GET lists the registered keys.
- `/sandbox/clusters/<key>`: POST registers a cluster (JSON body, all optional: `token`, `eks`, `region`,
  `latency`, `kubernetesVersion`, and `attributes`, an object kept as `Cluster.attributes`), DELETE removes it.
- `/sandbox/clusters/<key>/requests`: GET returns the cluster's request log.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import threading
import time
from typing import Callable, Iterable

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from . import api, errors
from .auth import EksTokenValidator, SandboxClock, StaticTokenValidator, TokenValidator
from .cluster import Cluster, HostnameFactory, JobHook

ClusterHook = Callable[[Cluster], None]

logger = logging.getLogger(__name__)

_CLUSTER_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_LOCAL_HOSTS = ("127.0.0.1", "localhost")


class _QuietRequestHandler(WSGIRequestHandler):
    """Request handler that leaves per-request logging to the sandbox's own debug log."""

    def log_request(self, code="-", size="-") -> None:
        pass


class KubeSandbox:
    """Threaded HTTP server that serves the Kubernetes API of registered sandbox clusters."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, clock: SandboxClock | None = None):
        if host not in _LOCAL_HOSTS:
            raise ValueError(f"the sandbox listens on 127.0.0.1 only, not on {host!r}")
        self.host = "127.0.0.1"
        self.port = port
        self.clock = clock or SandboxClock()
        self._clusters: dict[str, Cluster] = {}
        self._lock = threading.Lock()
        self._job_hooks: list[JobHook] = []
        self._cluster_hooks: list[ClusterHook] = []
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # Life cycle

    def start(self) -> "KubeSandbox":
        """Start serving in a background thread; with port 0, the system picks a free port."""
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        self._server = make_server(self.host, self.port, self.wsgi_app, threaded=True,
                                   request_handler=_QuietRequestHandler)
        self.port = self._server.server_port
        # A short poll interval keeps stop() fast: shutdown() waits for the current poll to end.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"kube-sandbox-{self.port}", daemon=True)
        self._thread.start()
        logger.info("Kubernetes sandbox listening on %s", self.url)
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (for `python -m sandbox.kube`)."""
        self._server = make_server(self.host, self.port, self.wsgi_app, threaded=True,
                                   request_handler=_QuietRequestHandler)
        self.port = self._server.server_port
        logger.info("Kubernetes sandbox listening on %s", self.url)
        try:
            # Werkzeug's serve_forever returns (without raising) on KeyboardInterrupt.
            self._server.serve_forever()
        finally:
            self._server.server_close()
            self._server = None
            logger.info("Kubernetes sandbox on port %s stopped", self.port)

    def stop(self) -> None:
        """Stop serving and wait for the server thread to end."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None
        logger.info("Kubernetes sandbox on port %s stopped", self.port)

    def __enter__(self) -> "KubeSandbox":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Return the base URL, such as `http://127.0.0.1:8443` (the port is known after start)."""
        return f"http://{self.host}:{self.port}"

    def cluster_url(self, key: str) -> str:
        """Return the API server URL of one cluster, to use as `kubernetes.client.Configuration.host`."""
        return f"{self.url}/clusters/{key}"

    # Clusters

    def add_cluster(self, key: str, token_validator: TokenValidator | None = None, *, token: str | None = None,
                    eks: bool = False, region: str = "us-east-1", hostname_factory: HostnameFactory | None = None,
                    latency: float = 0.0, kubernetes_version: str = "1.31", objects: Iterable[dict] = (),
                    attributes: dict | None = None) -> Cluster:
        """Register a cluster and return it.

        The first given of these sets authentication: `token_validator` (a callable that raises
        `InvalidToken`), `token` (one static bearer token), `eks=True` (EKS token shape, and expiry by
        the sandbox clock). With none of them, any bearer token is accepted. `hostname_factory(service)`
        returns the load-balancer hostname (or a whole ingress entry such as `{"ip": ...}`) of a
        LoadBalancer Service. `latency` delays every request, in seconds. `objects` are manifests
        created at registration, such as CRDs or a default StorageClass. `attributes` are free-form
        facts about the cluster (such as the EKS cluster it stands for) that cluster hooks may read.
        """
        if not _CLUSTER_KEY.match(key):
            raise ValueError(f"invalid cluster key {key!r}: use letters, digits, '.', '_' or '-' (at most 100)")
        if token_validator is None and token is not None:
            token_validator = StaticTokenValidator(token)
        elif token_validator is None and eks:
            token_validator = EksTokenValidator(clock=self.clock.now)
        cluster = Cluster(key, token_validator=token_validator, clock=self.clock, region=region,
                          hostname_factory=hostname_factory, latency=latency,
                          kubernetes_version=kubernetes_version, objects=objects)
        cluster.attributes = dict(attributes or {})
        for hook in self._job_hooks:
            cluster.on_job_created(hook)
        # Cluster hooks run before the cluster is served, so no request sees it without them.
        with self._lock:
            cluster_hooks = list(self._cluster_hooks)
        for hook in cluster_hooks:
            hook(cluster)
        with self._lock:
            if key in self._clusters:
                raise ValueError(f"cluster {key!r} is already registered")
            self._clusters[key] = cluster
        logger.info("registered sandbox cluster %s", key)
        return cluster

    def remove_cluster(self, key: str) -> None:
        """Forget a cluster and all of its objects; KeyError when it is not registered."""
        with self._lock:
            del self._clusters[key]
        logger.info("removed sandbox cluster %s", key)

    def cluster(self, key: str) -> Cluster:
        """Return a registered cluster; KeyError when it is not registered."""
        with self._lock:
            return self._clusters[key]

    @property
    def clusters(self) -> dict[str, Cluster]:
        """Return a snapshot of the registered clusters by key."""
        with self._lock:
            return dict(self._clusters)

    def on_job_created(self, callback: JobHook) -> None:
        """Register a Job hook (see `Cluster.on_job_created`) on every cluster, present and future."""
        with self._lock:
            self._job_hooks.append(callback)
            clusters = list(self._clusters.values())
        for cluster in clusters:
            cluster.on_job_created(callback)

    def on_cluster_added(self, callback: ClusterHook) -> None:
        """Call `callback(cluster)` for every cluster registered from now on (to attach hooks or settings)."""
        with self._lock:
            self._cluster_hooks.append(callback)

    # HTTP

    def wsgi_app(self, environ, start_response):
        """Serve one WSGI request."""
        request = Request(environ)
        try:
            response = self._dispatch(request)
        except Exception:
            logger.exception("sandbox request %s %s failed", request.method, request.path)
            response = api.status_response(errors.ApiError(500, "InternalError", "internal error in the sandbox"))
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        parts = request.path.split("/", 3)
        if len(parts) >= 3 and parts[1] == "clusters":
            key = parts[2]
            try:
                cluster = self.cluster(key)
            except KeyError:
                error = errors.ApiError(404, "NotFound", f'sandbox cluster "{key}" is not registered',
                                        {"name": key, "kind": "clusters"})
                return api.status_response(error)
            if cluster.latency:
                time.sleep(cluster.latency)
            path = "/" + (parts[3] if len(parts) > 3 else "")
            response = api.handle(cluster, request, path)
            logger.debug("cluster %s: %s %s -> %s", key, request.method, path, response.status_code)
            return response
        if request.path.startswith("/sandbox/clusters"):
            return self._admin(request)
        return api.status_response(errors.path_not_found())

    def _admin(self, request: Request) -> Response:
        parts = [part for part in request.path.split("/") if part][2:]
        if not parts:
            if request.method != "GET":
                return api.status_response(errors.method_not_allowed(request.method))
            return api.json_response({"clusters": sorted(self.clusters)})
        key = parts[0]
        if len(parts) == 2 and parts[1] == "requests" and request.method == "GET":
            try:
                recorded = self.cluster(key).requests
            except KeyError:
                return api.status_response(errors.not_found("", "clusters", key))
            return api.json_response({"requests": [dataclasses.asdict(r) for r in list(recorded)]})
        if len(parts) != 1:
            return api.status_response(errors.path_not_found())
        if request.method == "POST":
            return self._register_from_request(key, request)
        if request.method == "DELETE":
            try:
                self.remove_cluster(key)
            except KeyError:
                return api.status_response(errors.not_found("", "clusters", key))
            return api.json_response({"key": key, "status": "Removed"})
        return api.status_response(errors.method_not_allowed(request.method))

    def _register_from_request(self, key: str, request: Request) -> Response:
        raw = request.get_data()
        try:
            options = json.loads(raw) if raw.strip() else {}
        except ValueError as error:
            logger.warning("rejected registration of cluster %s: the body is not valid JSON: %s", key, error)
            return api.status_response(errors.bad_request(f"the registration body is not valid JSON: {error}"))
        if not isinstance(options, dict):
            return api.status_response(errors.bad_request("the registration body must be a JSON object"))
        if key in self.clusters:
            return api.status_response(errors.already_exists("", "clusters", key))
        attributes = options.get("attributes") or {}
        if not isinstance(attributes, dict):
            return api.status_response(errors.bad_request("the registration's attributes must be a JSON object"))
        try:
            self.add_cluster(key, token=options.get("token"), eks=bool(options.get("eks")),
                             region=options.get("region", "us-east-1"), latency=float(options.get("latency", 0)),
                             kubernetes_version=str(options.get("kubernetesVersion", "1.31")),
                             attributes=attributes)
        except (TypeError, ValueError) as error:
            logger.warning("rejected registration of cluster %s: %s", key, error)
            return api.status_response(errors.bad_request(str(error)))
        return api.json_response({"key": key, "url": self.cluster_url(key)}, 201)
