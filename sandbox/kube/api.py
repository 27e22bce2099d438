"""HTTP layer of one sandbox cluster: maps Kubernetes API paths and methods to cluster verbs."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Callable

import yaml
from werkzeug.wrappers import Request, Response

from . import errors, patching
from .auth import format_timestamp
from .catalog import Catalog, ResourceType
from .cluster import Cluster, RecordedRequest

logger = logging.getLogger(__name__)

_TRUE_VALUES = ("true", "1")
_NAMESPACE_SUBRESOURCES = ("status", "finalize")


@dataclass
class Route:
    """Target of a request path: a discovery document or a verb on a resource."""

    verb: str
    document: Callable[[], object] | None = None
    resource_type: ResourceType | None = None
    group: str | None = None
    version: str | None = None
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None


def json_response(document: object, status: int = 200) -> Response:
    """Serialize a document as an `application/json` response.

    The status line carries the standard reason phrase (`409 Conflict`) as the Go API server sends it,
    because clients expose it as `ApiException.reason`. Werkzeug alone would send `409 CONFLICT`.
    """
    status_line = f"{status} {HTTPStatus(status).phrase}"
    return Response(json.dumps(document), status=status_line, mimetype="application/json")


def status_response(error: errors.ApiError) -> Response:
    """Render an ApiError as its metav1.Status response."""
    return json_response(error.to_status(), error.code)


def _version_document(cluster: Cluster) -> dict:
    major, _, minor = cluster.kubernetes_version.partition(".")
    return {"major": major, "minor": minor, "gitVersion": f"v{cluster.kubernetes_version}.0-sandbox",
            "gitCommit": "sandbox", "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
            "goVersion": "go1.22", "compiler": "gc", "platform": "linux/amd64"}


def resolve(cluster: Cluster, method: str, path: str, query) -> Route:
    """Parse a path below the cluster prefix into a Route, or raise 404 or 405."""
    parts = [part for part in path.split("/") if part]
    catalog = cluster.catalog
    is_resource_path = (parts[:2] == ["api", "v1"] and len(parts) >= 3) or (parts[:1] == ["apis"] and len(parts) >= 4)
    if method != "GET" and not is_resource_path:
        raise errors.method_not_allowed(method)
    if not parts:
        return Route("get", lambda: {"paths": ["/api", "/api/v1", "/apis", "/healthz", "/version"]})
    if parts == ["version"]:
        return Route("get", lambda: _version_document(cluster))
    if parts[0] in ("healthz", "livez", "readyz") and len(parts) == 1:
        return Route("get", lambda: "ok")
    if parts == ["api"]:
        return Route("get", catalog.api_versions)
    if parts == ["apis"]:
        return Route("get", catalog.api_group_list)
    if parts[0] == "apis" and len(parts) == 2:
        return Route("get", lambda: catalog.api_group(parts[1]), group=parts[1])
    if parts[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", parts[2:]
    elif parts[0] == "apis" and len(parts) >= 3:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise errors.path_not_found()
    if not rest:
        return Route("get", lambda: catalog.resource_list(group, version), group=group, version=version)
    return _resource_route(catalog, method, group, version, rest, query)


def _resource_route(catalog: Catalog, method: str, group: str, version: str, rest: list[str], query) -> Route:
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces" and not (group == "" and rest[2] in _NAMESPACE_SUBRESOURCES):
        namespaced_type = catalog.find(group, version, rest[2])
        if namespaced_type is not None and namespaced_type.namespaced:
            namespace, rest = rest[1], rest[2:]
    if len(rest) > 3:
        raise errors.path_not_found()
    resource_type = catalog.require(group, version, rest[0])
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else None
    if namespace is None and len(rest) == 1 and method == "POST" and resource_type.namespaced:
        raise errors.method_not_allowed(method)
    if subresource and subresource not in resource_type.subresources:
        raise errors.path_not_found()
    verb = _verb(method, name, subresource, query)
    if verb not in resource_type.verbs and not subresource:
        raise errors.method_not_allowed(method)
    return Route(verb, resource_type=resource_type, group=group, version=version, namespace=namespace,
                 name=name, subresource=subresource)


def _verb(method: str, name: str | None, subresource: str | None, query) -> str:
    if method == "GET":
        if name:
            return "get"
        if query.get("watch", "").lower() in _TRUE_VALUES:
            raise errors.ApiError(405, "MethodNotAllowed", "the sandbox Kubernetes API does not support watch requests")
        return "list"
    if method == "POST" and (not name or subresource == "token"):
        return "create"
    if method == "PUT" and name and subresource != "log":
        return "update"
    if method == "PATCH" and name and subresource != "log":
        return "patch"
    if method == "DELETE" and not subresource:
        return "delete" if name else "deletecollection"
    raise errors.method_not_allowed(method)


def _json_body(request: Request) -> object:
    raw = request.get_data()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as error:
        raise errors.bad_request(f"the request body is not valid JSON: {error}") from error


def _content_type(request: Request) -> str:
    return (request.headers.get("Content-Type") or "application/json").split(";")[0].strip().lower()


def _dry_run(request: Request, options: dict | None = None) -> bool:
    if "All" in request.args.getlist("dryRun"):
        return True
    return "All" in ((options or {}).get("dryRun") or [])


def execute(cluster: Cluster, route: Route, request: Request) -> Response:
    """Run the verb of a resolved route and build its response."""
    if route.document is not None:
        document = route.document()
        if isinstance(document, str):
            return Response(document, mimetype="text/plain")
        return json_response(document)

    resource_type, namespace, name = route.resource_type, route.namespace, route.name
    args = request.args
    if route.verb == "get" and route.subresource == "log":
        return _pod_log(cluster, resource_type, namespace, name, args)
    if route.verb == "get":
        return json_response(cluster.read(resource_type, namespace, name))
    if route.verb == "list":
        document = cluster.list(resource_type, namespace, args.get("labelSelector"), args.get("fieldSelector"))
        return json_response(document)

    if route.verb == "create" and route.subresource == "token":
        return json_response(_token_request(cluster, resource_type, namespace, name, _json_body(request)), 201)
    if route.verb == "create":
        created = cluster.create(resource_type, namespace, _json_body(request), dry_run=_dry_run(request))
        return json_response(created, 201)
    if route.verb == "update":
        subresource = route.subresource if route.subresource == "status" else None
        updated = cluster.replace(resource_type, namespace, name, _json_body(request), subresource=subresource,
                                  dry_run=_dry_run(request))
        return json_response(updated)
    if route.verb == "patch":
        return _patch(cluster, route, request)
    return _delete(cluster, route, request)


def _delete(cluster: Cluster, route: Route, request: Request) -> Response:
    resource_type, args = route.resource_type, request.args
    options = _json_body(request) or {}
    policy = args.get("propagationPolicy") or options.get("propagationPolicy")
    if args.get("orphanDependents", "").lower() in _TRUE_VALUES or options.get("orphanDependents"):
        policy = "Orphan"
    dry_run = _dry_run(request, options)
    if route.verb == "deletecollection":
        deleted = cluster.delete_collection(resource_type, route.namespace, args.get("labelSelector"),
                                            args.get("fieldSelector"), propagation_policy=policy, dry_run=dry_run)
        return json_response(deleted)

    deleted = cluster.delete(resource_type, route.namespace, route.name, propagation_policy=policy, dry_run=dry_run)
    # The API server returns a namespace (now Terminating) and a pod themselves, and a Status for other kinds.
    if (resource_type.group, resource_type.plural) in (("", "namespaces"), ("", "pods")):
        return json_response(deleted)
    details = {"name": route.name, "kind": resource_type.plural, "uid": deleted["metadata"]["uid"]}
    if resource_type.group:
        details["group"] = resource_type.group
    return json_response({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                          "details": details})


def _patch(cluster: Cluster, route: Route, request: Request) -> Response:
    content_type = _content_type(request)
    subresource = route.subresource if route.subresource == "status" else None
    dry_run = _dry_run(request)
    if content_type == patching.APPLY_PATCH:
        if subresource:
            raise errors.bad_request("the sandbox does not support server-side apply to the status subresource")
        try:
            body = yaml.safe_load(request.get_data(as_text=True))
        except yaml.YAMLError as error:
            raise errors.bad_request(f"the apply configuration is not valid YAML or JSON: {error}") from error
        force = request.args.get("force", "").lower() in _TRUE_VALUES
        obj, created = cluster.apply(route.resource_type, route.namespace, route.name, body,
                                     request.args.get("fieldManager"), force=force, dry_run=dry_run)
        return json_response(obj, 201 if created else 200)
    if content_type == "application/json":
        # A PATCH without a patch content type gets the 415 that the API server returns for unknown formats.
        raise errors.unsupported_media_type(content_type)
    patched = cluster.patch(route.resource_type, route.namespace, route.name, _json_body(request), content_type,
                            subresource=subresource, dry_run=dry_run)
    return json_response(patched)


def _pod_log(cluster: Cluster, resource_type: ResourceType, namespace: str, name: str, args) -> Response:
    cluster.read(resource_type, namespace, name)
    log = cluster.pod_logs.get((namespace, name), "")
    tail = args.get("tailLines")
    if tail and tail.isdigit():
        lines = log.splitlines(keepends=True)
        log = "".join(lines[-int(tail):]) if int(tail) else ""
    return Response(log, mimetype="text/plain")


def _token_request(cluster: Cluster, resource_type: ResourceType, namespace: str, name: str, body: object) -> dict:
    cluster.read(resource_type, namespace, name)
    spec = dict((body or {}).get("spec") or {})
    seconds = int(spec.get("expirationSeconds") or 3600)
    if seconds < 600:
        raise errors.invalid("authentication.k8s.io", "TokenRequest", name, "spec.expirationSeconds",
                             f"Invalid value: {seconds}: may not specify a duration less than 10 minutes")
    spec["expirationSeconds"] = seconds
    spec.setdefault("audiences", ["https://kubernetes.default.svc"])
    token = cluster.issue_service_account_token(namespace, name, seconds)
    expiry = cluster.clock.now() + timedelta(seconds=seconds)
    return {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": format_timestamp(cluster.clock.now())},
            "spec": spec, "status": {"token": token, "expirationTimestamp": format_timestamp(expiry)}}


def handle(cluster: Cluster, request: Request, path: str) -> Response:
    """Authenticate, route and run one request on a cluster, and record it in the cluster's log."""
    route, route_error = None, None
    try:
        route = resolve(cluster, request.method, path, request.args)
    except errors.ApiError as error:
        route_error = error
    auth_error = None
    try:
        cluster.authenticate(request.headers.get("Authorization"))
        if route_error is not None:
            raise route_error
        response = execute(cluster, route, request)
    except errors.ApiError as error:
        auth_error = error.auth_error
        response = status_response(error)
    resource_type = route.resource_type if route else None
    cluster.record(RecordedRequest(
        method=request.method, path=path, verb=route.verb if route else request.method.lower(),
        status=response.status_code, group=route.group if route else None,
        version=route.version if route else None, resource=resource_type.plural if resource_type else None,
        subresource=route.subresource if route else None, namespace=route.namespace if route else None,
        name=route.name if route else None, content_type=request.headers.get("Content-Type"),
        query=request.args.to_dict(), auth_error=auth_error))
    return response
