"""Server-side apply of a set of manifests that writes nothing when the set is already applied.

Every object of a set carries the digest of the whole set in an annotation, and the set is
applied in order. When the last object already carries the digest of the set to apply, an
earlier run applied all of it, so rerunning a finished step reads one object and writes none.
NOTE: an object deleted inside the cluster after a complete apply is therefore not restored
by a rerun. Changing any manifest of the set (a new version, new values) applies it all again.
"""

import copy
import hashlib
import json
from dataclasses import dataclass, field

from engines.providers.kube.resources import describe

DIGEST_ANNOTATION = "aichor.ai/manifest-set-digest"


def set_digest(manifests: list[dict]) -> str:
    """Return the SHA-256 of the manifests' canonical JSON, in order."""
    canonical = json.dumps(manifests, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _annotated(manifest: dict, digest: str) -> dict:
    annotated = copy.deepcopy(manifest)
    annotated.setdefault("metadata", {}).setdefault("annotations", {})[DIGEST_ANNOTATION] = digest
    return annotated


@dataclass
class ApplyResult:
    applied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.applied)} applied, {len(self.unchanged)} unchanged"


def apply_manifests(kube, manifests: list[dict]) -> ApplyResult:
    """Apply manifests in order, unless the set with the same digest was applied before."""
    digest = set_digest(manifests)
    last = manifests[-1]
    metadata = last["metadata"]
    current = kube.get(last["apiVersion"], last["kind"], metadata["name"], metadata.get("namespace"))
    if ((current or {}).get("metadata", {}).get("annotations") or {}).get(DIGEST_ANNOTATION) == digest:
        return ApplyResult(unchanged=[describe(manifest) for manifest in manifests])

    result = ApplyResult()
    for manifest in manifests:
        kube.apply(_annotated(manifest, digest))
        result.applied.append(describe(manifest))
    return result
