"""Object storage of one sandbox cluster: objects by resource, namespace and name."""

from __future__ import annotations

import copy
import itertools
import threading

from .selectors import Matcher

# (group, plural, namespace or "" for cluster-scoped objects, name)
ObjectKey = tuple[str, str, str, str]


class ObjectStore:
    """Dictionary of objects with the cluster-wide resourceVersion counter.

    Objects of every version of a resource share one entry, keyed by group and plural.
    Callers hold `lock` across a read-modify-write sequence; reads and writes copy the objects.
    """

    def __init__(self):
        self.lock = threading.RLock()
        self._objects: dict[ObjectKey, dict] = {}
        self._versions = itertools.count(1)
        self._last_version = 0

    def next_resource_version(self) -> str:
        """Allocate the next resourceVersion, a decimal string that only increases."""
        with self.lock:
            self._last_version = next(self._versions)
            return str(self._last_version)

    @property
    def resource_version(self) -> str:
        """Return the resourceVersion of the last write, as list documents report it."""
        return str(self._last_version)

    def get(self, key: ObjectKey) -> dict | None:
        """Return a copy of the object at `key`, or None."""
        with self.lock:
            obj = self._objects.get(key)
            return copy.deepcopy(obj) if obj is not None else None

    def put(self, key: ObjectKey, obj: dict) -> dict:
        """Store a copy of `obj` at `key` and return another copy."""
        with self.lock:
            self._objects[key] = copy.deepcopy(obj)
            return copy.deepcopy(obj)

    def pop(self, key: ObjectKey) -> dict | None:
        """Remove the object at `key` and return it, or None when absent."""
        with self.lock:
            return self._objects.pop(key, None)

    def select(self, group: str, plural: str, namespace: str | None = None,
               *matchers: Matcher) -> list[tuple[ObjectKey, dict]]:
        """Return copies of the objects of one resource, in one namespace or all, that match."""
        with self.lock:
            found = []
            for key, obj in sorted(self._objects.items()):
                if key[:2] != (group, plural):
                    continue
                if namespace is not None and key[2] != namespace:
                    continue
                if all(matcher(obj) for matcher in matchers):
                    found.append((key, copy.deepcopy(obj)))
            return found

    def keys_in_namespace(self, namespace: str) -> list[ObjectKey]:
        """Return the keys of every namespaced object in `namespace`."""
        with self.lock:
            return [key for key in self._objects if key[2] == namespace]

    def keys_owned_by(self, uid: str) -> list[ObjectKey]:
        """Return the keys of objects whose ownerReferences name `uid`."""
        with self.lock:
            owned = []
            for key, obj in self._objects.items():
                references = obj.get("metadata", {}).get("ownerReferences") or []
                if any(reference.get("uid") == uid for reference in references):
                    owned.append(key)
            return owned
