"""Name rules that the Kubernetes API server enforces on `metadata.name`."""

from __future__ import annotations

import re

from . import errors
from .catalog import ResourceType

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")

# Resources whose names only have to be valid URL path segments (RBAC names such as `system:node`).
_PATH_SEGMENT_NAMED = {"roles", "rolebindings", "clusterroles", "clusterrolebindings"}
# Resources whose names must be RFC 1123 labels, or RFC 1035 labels for services.
_LABEL_NAMED = {"namespaces"}
_DNS1035_NAMED = {"services"}


def _problem(resource_type: ResourceType, name: str) -> str | None:
    if resource_type.plural in _PATH_SEGMENT_NAMED:
        if name in (".", "..") or "/" in name or "%" in name:
            return "may not be '.' or '..' and may not contain '/' or '%'"
        return None
    if resource_type.plural in _LABEL_NAMED and not resource_type.group:
        if len(name) > 63 or not _DNS1123_LABEL.match(name):
            return ("a lowercase RFC 1123 label must consist of at most 63 lower case alphanumeric "
                    "characters or '-', and must start and end with an alphanumeric character")
        return None
    if resource_type.plural in _DNS1035_NAMED and not resource_type.group:
        if len(name) > 63 or not _DNS1035_LABEL.match(name):
            return ("a DNS-1035 label must consist of at most 63 lower case alphanumeric characters or '-', "
                    "start with an alphabetic character, and end with an alphanumeric character")
        return None
    if len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name):
        return ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                "and must start and end with an alphanumeric character")
    return None


def validate_name(resource_type: ResourceType, name: str) -> None:
    """Raise 422 Invalid when `name` breaks the naming rule of the resource."""
    problem = _problem(resource_type, name)
    if problem:
        raise errors.invalid(resource_type.group, resource_type.kind, name, "metadata.name",
                             f'Invalid value: "{name}": {problem}')
