"""Errors of the Kubernetes API stand-in, rendered as metav1.Status bodies."""

from __future__ import annotations


class ApiError(Exception):
    """Failure that the API server returns as a `Status` body with an HTTP code."""

    def __init__(self, code: int, reason: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.auth_error: str | None = None  # why a token was rejected: logged and recorded, never sent

    def to_status(self) -> dict:
        """Build the metav1.Status body that the Kubernetes API server sends."""
        status = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            status["details"] = self.details
        return status


def _qualified(group: str, resource: str) -> str:
    return f"{resource}.{group}" if group else resource


def _details(group: str, kind: str, name: str) -> dict:
    details = {"name": name, "kind": kind}
    if group:
        details["group"] = group
    return details


def not_found(group: str, resource: str, name: str) -> ApiError:
    """Build the 404 for a missing object, as in `deployments.apps "web" not found`."""
    message = f'{_qualified(group, resource)} "{name}" not found'
    return ApiError(404, "NotFound", message, _details(group, resource, name))


def path_not_found() -> ApiError:
    """Build the 404 for a path that names no known resource."""
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(group: str, resource: str, name: str) -> ApiError:
    """Build the 409 for a create of an object that exists."""
    message = f'{_qualified(group, resource)} "{name}" already exists'
    return ApiError(409, "AlreadyExists", message, _details(group, resource, name))


def conflict(group: str, resource: str, name: str, cause: str) -> ApiError:
    """Build the 409 Conflict for a stale resourceVersion or an apply conflict."""
    message = f'Operation cannot be fulfilled on {_qualified(group, resource)} "{name}": {cause}'
    return ApiError(409, "Conflict", message, _details(group, resource, name))


def invalid(group: str, kind: str, name: str, field: str, cause: str) -> ApiError:
    """Build the 422 Invalid for a field value that fails validation."""
    message = f'{kind} "{name}" is invalid: {field}: {cause}'
    details = _details(group, kind, name)
    details["causes"] = [{"reason": "FieldValueInvalid", "message": cause, "field": field}]
    return ApiError(422, "Invalid", message, details)


def bad_request(message: str) -> ApiError:
    """Build the 400 for a body or a parameter that cannot be used."""
    return ApiError(400, "BadRequest", message)


def forbidden(group: str, resource: str, name: str, cause: str) -> ApiError:
    """Build the 403 for an action that the server never allows on this object."""
    message = f'{_qualified(group, resource)} "{name}" is forbidden: {cause}'
    return ApiError(403, "Forbidden", message, _details(group, resource, name))


def unauthorized(auth_error: str | None = None) -> ApiError:
    """Build the 401 that the API server sends for a missing or rejected token."""
    error = ApiError(401, "Unauthorized", "Unauthorized")
    error.auth_error = auth_error
    return error


def method_not_allowed(method: str) -> ApiError:
    """Build the 405 for a verb the resource path does not support."""
    return ApiError(405, "MethodNotAllowed", f"the server does not allow this method on the requested resource: {method}")


def unsupported_media_type(content_type: str) -> ApiError:
    """Build the 415 for a patch or body type the server cannot decode."""
    return ApiError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format: {content_type}")
