"""Patch formats of the Kubernetes API: JSON merge, strategic merge, JSON patch, server-side apply."""

from __future__ import annotations

import copy

import jsonpatch

from . import errors

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

Path = tuple[str, ...]


def merge_patch(target: object, patch: object) -> object:
    """Apply an RFC 7386 JSON merge patch and return the result (the inputs stay unchanged)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(target: dict, operations: object) -> dict:
    """Apply an RFC 6902 JSON patch, raising 422 when an operation does not apply."""
    if not isinstance(operations, list):
        raise errors.bad_request("a JSON patch must be a list of operations")
    try:
        return jsonpatch.apply_patch(target, operations)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as error:
        raise errors.ApiError(422, "Invalid", f"the JSON patch could not be applied: {error}") from error


def patch_object(target: dict, patch: object, content_type: str) -> dict:
    """Apply a merge, strategic merge or JSON patch according to its content type.

    NOTE: a strategic merge patch is applied as a JSON merge patch, so lists are replaced
    whole instead of merged by key, and `$patch` directives are kept as plain fields.
    """
    if content_type == JSON_PATCH:
        return json_patch(target, patch)
    if content_type in (MERGE_PATCH, STRATEGIC_MERGE_PATCH):
        if not isinstance(patch, dict):
            raise errors.bad_request("a merge patch must be a JSON object")
        return merge_patch(target, patch)
    raise errors.unsupported_media_type(content_type)


def leaf_paths(document: object, prefix: Path = ()) -> dict[Path, object]:
    """Flatten a document into its leaf fields; lists count as single (atomic) leaves."""
    if isinstance(document, dict) and document:
        leaves: dict[Path, object] = {}
        for key, value in document.items():
            leaves.update(leaf_paths(value, prefix + (key,)))
        return leaves
    return {prefix: document} if prefix else {}


def _value_at(document: dict, path: Path) -> object:
    value: object = document
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _remove_path(document: dict, path: Path) -> None:
    """Delete one field and every map that the deletion leaves empty."""
    parents = [document]
    for key in path[:-1]:
        child = parents[-1].get(key)
        if not isinstance(child, dict):
            return
        parents.append(child)
    parents[-1].pop(path[-1], None)
    for depth in range(len(parents) - 1, 0, -1):
        if not parents[depth]:
            parents[depth - 1].pop(path[depth - 1], None)


def _format_path(path: Path) -> str:
    return "".join(f".{key}" for key in path)


# Fields the server owns: an apply never takes them over nor conflicts on them.
_SERVER_FIELDS = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace"),
                  ("metadata", "resourceVersion"), ("metadata", "uid")}


def apply_configuration(live: dict, applied: dict, manager: str, managers: dict[str, dict],
                        force: bool, describe: tuple[str, str, str]) -> dict:
    """Merge an apply configuration into the live object as field manager `manager`.

    `managers` maps each apply field manager to the configuration it applied last; it is
    updated in place. Fields that `manager` applied before and omits now are removed unless
    another manager applied them too. A field that another manager applied with a different
    value is a 409 Conflict unless `force` is set, which moves the field to `manager`.
    NOTE: ownership is tracked for apply field managers only (create, update and patch own no
    fields here), and lists are atomic, whereas a real server merges lists such as containers by key.
    """
    group, resource, name = describe
    new_leaves = {path: value for path, value in leaf_paths(applied).items() if path not in _SERVER_FIELDS}
    conflicts = []
    for other, other_config in managers.items():
        if other == manager:
            continue
        for path in leaf_paths(other_config):
            if path in new_leaves and path not in _SERVER_FIELDS and _value_at(live, path) != new_leaves[path]:
                conflicts.append((other, path))
    if conflicts and not force:
        listed = "; ".join(f'conflict with "{other}": {_format_path(path)}' for other, path in conflicts)
        count = len(conflicts)
        cause = f"Apply failed with {count} conflict{'s' if count > 1 else ''}: {listed}"
        raise errors.conflict(group, resource, name, cause)
    for other, path in conflicts:
        _remove_path(managers[other], path)

    result = copy.deepcopy(live)
    previous = managers.get(manager, {})
    still_applied = set()
    for other, other_config in managers.items():
        if other != manager:
            still_applied.update(leaf_paths(other_config))
    for path in leaf_paths(previous):
        if path not in new_leaves and path not in still_applied and path not in _SERVER_FIELDS:
            _remove_path(result, path)
    result = merge_patch(result, applied)
    managers[manager] = copy.deepcopy(applied)
    return result
