"""Verbs of the Kubernetes API on one cluster's objects: get, list, create, update, patch, apply, delete."""

from __future__ import annotations

import copy
import logging
import secrets
import string
import uuid

from . import controllers, errors, patching
from .auth import format_timestamp
from .catalog import ResourceType
from .selectors import parse_field_selector, parse_label_selector
from .store import ObjectKey
from .validation import validate_name

logger = logging.getLogger(__name__)

# Namespaces that the API server refuses to delete.
PROTECTED_NAMESPACES = ("default", "kube-system", "kube-public")
_STALE_CAUSE = "the object has been modified; please apply your changes to the latest version and try again"


def object_key(resource_type: ResourceType, namespace: str | None, name: str) -> ObjectKey:
    """Build the store key of one object."""
    return (resource_type.group, resource_type.plural, namespace if resource_type.namespaced else "", name)


def _without_metadata_and_status(obj: dict) -> dict:
    return {key: value for key, value in obj.items() if key not in ("metadata", "status")}


class ResourceOperations:
    """Verb implementations shared by the HTTP layer and the Python API of a cluster.

    The class that mixes this in provides `store`, `catalog`, `clock` and `emit(event, type, obj)`.
    """

    def _init_operations(self) -> None:
        # Last configuration applied by each field manager, per object.
        self._applied: dict[ObjectKey, dict[str, dict]] = {}

    def now_timestamp(self) -> str:
        """Return the sandbox clock's current time as a Kubernetes timestamp."""
        return format_timestamp(self.clock.now())

    def _present(self, resource_type: ResourceType, obj: dict) -> dict:
        """Return the object as the requested version serves it."""
        obj["apiVersion"] = resource_type.api_version
        obj["kind"] = resource_type.kind
        return obj

    def _require(self, resource_type: ResourceType, namespace: str | None, name: str) -> dict:
        obj = self.store.get(object_key(resource_type, namespace, name))
        if obj is None:
            raise errors.not_found(resource_type.group, resource_type.plural, name)
        return obj

    def read(self, resource_type: ResourceType, namespace: str | None, name: str) -> dict:
        """Return one object, or raise 404."""
        return self._present(resource_type, self._require(resource_type, namespace, name))

    def list(self, resource_type: ResourceType, namespace: str | None = None,
             label_selector: str | None = None, field_selector: str | None = None) -> dict:
        """Return the list document of the matching objects, in one namespace or all.

        NOTE: `limit` and `continue` are not supported, so a list is always one complete page.
        """
        matchers = (parse_label_selector(label_selector), parse_field_selector(field_selector))
        with self.store.lock:
            found = self.store.select(resource_type.group, resource_type.plural, namespace, *matchers)
            version = self.store.resource_version
        items = [self._present(resource_type, obj) for _, obj in found]
        return {"kind": resource_type.list_kind, "apiVersion": resource_type.api_version,
                "metadata": {"resourceVersion": version}, "items": items}

    def create(self, resource_type: ResourceType, namespace: str | None, body: dict, *,
               keep_status: bool = False, dry_run: bool = False) -> dict:
        """Store a new object and return it; 409 AlreadyExists when its name is taken.

        The status in `body` is discarded for resources with a status subresource, as the API
        server does, unless `keep_status` is set (used to seed objects from Python).
        """
        obj = self._checked_body(resource_type, namespace, body)
        metadata = obj.setdefault("metadata", {})
        if not resource_type.stored:
            # Reviews (SelfSubjectAccessReview) are evaluated, never stored, and carry no name.
            controllers.prepare(self, resource_type, obj, None)
            return self._present(resource_type, obj)
        if not metadata.get("name"):
            if not metadata.get("generateName"):
                raise errors.invalid(resource_type.group, resource_type.kind, "", "metadata.name",
                                     "Required value: name or generateName is required")
            suffix = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(5))
            metadata["name"] = metadata["generateName"] + suffix
        name = metadata["name"]
        validate_name(resource_type, name)
        if "status" in resource_type.subresources and not keep_status:
            obj.pop("status", None)

        with self.store.lock:
            if resource_type.namespaced:
                self._require_namespace(namespace)
            key = object_key(resource_type, namespace, name)
            if self.store.get(key) is not None:
                raise errors.already_exists(resource_type.group, resource_type.plural, name)
            metadata.update({
                "uid": str(uuid.uuid4()),
                "creationTimestamp": self.now_timestamp(),
                "generation": 1,
            })
            for server_field in ("deletionTimestamp", "managedFields"):
                metadata.pop(server_field, None)
            controllers.prepare(self, resource_type, obj, None)
            if dry_run:
                return self._present(resource_type, obj)
            metadata["resourceVersion"] = self.store.next_resource_version()
            stored = self.store.put(key, obj)
            self.emit("ADDED", resource_type, stored)
            controllers.after_write(self, resource_type, stored, None)
        return self._present(resource_type, stored)

    def replace(self, resource_type: ResourceType, namespace: str | None, name: str, body: dict, *,
                subresource: str | None = None, dry_run: bool = False) -> dict:
        """Replace an object (PUT), or only its status when `subresource` is `status`."""
        obj = self._checked_body(resource_type, namespace, body, name)
        with self.store.lock:
            old = self._require(resource_type, namespace, name)
            return self._commit_update(resource_type, old, obj, subresource, dry_run)

    def patch(self, resource_type: ResourceType, namespace: str | None, name: str, patch: object,
              content_type: str, *, subresource: str | None = None, dry_run: bool = False) -> dict:
        """Apply a JSON merge, strategic merge or JSON patch to an object."""
        with self.store.lock:
            old = self._require(resource_type, namespace, name)
            new = patching.patch_object(old, patch, content_type)
            if new.get("metadata", {}).get("name", name) != name:
                raise errors.bad_request(f"the patch changes metadata.name of {name!r}, which is immutable")
            return self._commit_update(resource_type, old, new, subresource, dry_run)

    def apply(self, resource_type: ResourceType, namespace: str | None, name: str, body: object,
              field_manager: str | None, *, force: bool = False, dry_run: bool = False) -> tuple[dict, bool]:
        """Server-side apply `body` as `field_manager`; create the object when absent.

        Returns the object and whether it was created.
        """
        if not field_manager:
            raise errors.invalid("meta.k8s.io", "PatchOptions", "", "fieldManager",
                                 "Required value: is required for apply patch")
        if not isinstance(body, dict) or not body.get("apiVersion") or not body.get("kind"):
            raise errors.bad_request("an apply configuration must be an object with apiVersion and kind")
        metadata = body.get("metadata") or {}
        if metadata.get("name") != name:
            raise errors.bad_request(
                f"the name in the apply configuration ({metadata.get('name')!r}) does not match the URL ({name!r})")
        obj = self._checked_body(resource_type, namespace, body, name)
        key = object_key(resource_type, namespace, name)

        with self.store.lock:
            old = self.store.get(key)
            if old is None:
                created = self.create(resource_type, namespace, obj, dry_run=dry_run)
                if not dry_run:
                    self._applied[key] = {field_manager: copy.deepcopy(body)}
                return created, True
            managers = copy.deepcopy(self._applied.get(key, {}))
            merged = patching.apply_configuration(
                old, obj, field_manager, managers, force, (resource_type.group, resource_type.plural, name))
            updated = self._commit_update(resource_type, old, merged, None, dry_run)
            if not dry_run:
                self._applied[key] = managers
            return updated, False

    def delete(self, resource_type: ResourceType, namespace: str | None, name: str, *,
               propagation_policy: str | None = None, dry_run: bool = False) -> dict:
        """Delete an object, its dependents and, for a namespace, everything in it; return the object."""
        with self.store.lock:
            obj = self._require(resource_type, namespace, name)
            if resource_type.plural == "namespaces" and not resource_type.group and name in PROTECTED_NAMESPACES:
                raise errors.forbidden("", "namespaces", name, "this namespace may not be deleted")
            if dry_run:
                return self._present(resource_type, obj)
            if resource_type.plural == "namespaces" and not resource_type.group:
                for key in self.store.keys_in_namespace(name):
                    self._remove(key)
            # As in the API server, batch/v1 Jobs orphan their pods unless the request sets a propagation policy.
            policy = propagation_policy or ("Orphan" if resource_type.plural == "jobs" else "Background")
            self._remove(object_key(resource_type, namespace, name), cascade=policy != "Orphan")
        obj["metadata"]["deletionTimestamp"] = self.now_timestamp()
        if resource_type.plural == "namespaces" and not resource_type.group:
            obj.setdefault("status", {})["phase"] = "Terminating"
        return self._present(resource_type, obj)

    def delete_collection(self, resource_type: ResourceType, namespace: str | None,
                          label_selector: str | None = None, field_selector: str | None = None,
                          *, propagation_policy: str | None = None, dry_run: bool = False) -> dict:
        """Delete every matching object and return the list document of what was deleted."""
        with self.store.lock:
            document = self.list(resource_type, namespace, label_selector, field_selector)
            for item in document["items"]:
                metadata = item["metadata"]
                self.delete(resource_type, metadata.get("namespace"), metadata["name"],
                            propagation_policy=propagation_policy, dry_run=dry_run)
        return document

    def _remove(self, key: ObjectKey, cascade: bool = True) -> None:
        """Remove one stored object, then its dependents when `cascade` is set."""
        obj = self.store.pop(key)
        if obj is None:
            return
        self._applied.pop(key, None)
        resource_type = self.catalog.versions_of(key[0], key[1])
        if resource_type:
            self.emit("DELETED", resource_type[0], obj)
            controllers.after_delete(self, resource_type[0], obj)
        if cascade:
            for dependent in self.store.keys_owned_by(obj["metadata"]["uid"]):
                self._remove(dependent)

    def _require_namespace(self, namespace: str | None) -> None:
        if not namespace:
            raise errors.bad_request("a namespace is required for this resource")
        if self.store.get(("", "namespaces", "", namespace)) is None:
            raise errors.not_found("", "namespaces", namespace)

    def _checked_body(self, resource_type: ResourceType, namespace: str | None, body: object,
                      name: str | None = None) -> dict:
        """Check the kind, name and namespace of a request body against the URL; return a copy."""
        if not isinstance(body, dict):
            raise errors.bad_request(f"the request body must be a {resource_type.kind} object")
        obj = copy.deepcopy(body)
        kind = obj.get("kind")
        if kind and kind != resource_type.kind:
            raise errors.bad_request(f"the body is of kind {kind}, but the URL is for {resource_type.kind}")
        metadata = obj.setdefault("metadata", {})
        if not isinstance(metadata, dict):
            raise errors.bad_request("metadata must be an object")
        if name is not None and metadata.setdefault("name", name) != name:
            raise errors.bad_request(
                f"the name of the object ({metadata['name']}) does not match the name on the URL ({name})")
        if resource_type.namespaced:
            if metadata.setdefault("namespace", namespace) != namespace:
                raise errors.bad_request(
                    f"the namespace of the object ({metadata['namespace']}) does not match the namespace "
                    f"on the URL ({namespace})")
        else:
            metadata.pop("namespace", None)
        return self._present(resource_type, obj)

    def _commit_update(self, resource_type: ResourceType, old: dict, new: dict,
                       subresource: str | None, dry_run: bool) -> dict:
        """Store `new` in place of `old`, keeping the fields that the server owns."""
        name = old["metadata"]["name"]
        requested_version = new.get("metadata", {}).get("resourceVersion")
        if requested_version and requested_version != old["metadata"]["resourceVersion"]:
            raise errors.conflict(resource_type.group, resource_type.plural, name, _STALE_CAUSE)
        if subresource == "status":
            new = {**copy.deepcopy(old), "status": copy.deepcopy(new.get("status", {}))}
        elif "status" in resource_type.subresources:
            new = {**new, "status": copy.deepcopy(old.get("status"))}
            if new["status"] is None:
                del new["status"]
        metadata = new.setdefault("metadata", {})
        for server_field in ("uid", "creationTimestamp", "namespace", "generation"):
            if server_field in old["metadata"]:
                metadata[server_field] = old["metadata"][server_field]
        if _without_metadata_and_status(new) != _without_metadata_and_status(old):
            metadata["generation"] = old["metadata"].get("generation", 1) + 1
        self._present(resource_type, new)
        controllers.prepare(self, resource_type, new, old)
        if dry_run:
            return new
        metadata["resourceVersion"] = self.store.next_resource_version()
        stored = self.store.put(object_key(resource_type, metadata.get("namespace"), name), new)
        self.emit("MODIFIED", resource_type, stored)
        controllers.after_write(self, resource_type, stored, old)
        return self._present(resource_type, stored)

    def write_status(self, resource_type: ResourceType, namespace: str | None, name: str, status: dict) -> dict:
        """Replace the status of a stored object, as a controller of the cluster would."""
        with self.store.lock:
            old = self._require(resource_type, namespace, name)
            new = {**copy.deepcopy(old), "status": status}
            new["metadata"]["resourceVersion"] = self.store.next_resource_version()
            stored = self.store.put(object_key(resource_type, namespace, name), new)
            self.emit("MODIFIED", resource_type, stored)
            return self._present(resource_type, stored)
