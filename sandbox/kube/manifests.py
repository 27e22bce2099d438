"""Manifests to seed sandbox clusters with: CRDs of add-ons that an imported cluster already runs."""

from __future__ import annotations

from typing import Iterable


def custom_resource_definition(group: str, kind: str, plural: str, *, scope: str = "Cluster",
                               versions: Iterable[str] = ("v1",), short_names: Iterable[str] = ()) -> dict:
    """Build a minimal CustomResourceDefinition with a status subresource and an open schema."""
    version_entries = []
    for index, version in enumerate(versions):
        version_entries.append({
            "name": version,
            "served": True,
            "storage": index == 0,
            "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
            "subresources": {"status": {}},
        })
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": scope,
            "names": {"kind": kind, "plural": plural, "singular": kind.lower(), "listKind": f"{kind}List",
                      "shortNames": list(short_names)},
            "versions": version_entries,
        },
    }


def karpenter_crds() -> list[dict]:
    """Build the CRDs of Karpenter v1 on AWS: NodePool, NodeClaim and EC2NodeClass (all cluster-scoped)."""
    return [
        custom_resource_definition("karpenter.sh", "NodePool", "nodepools"),
        custom_resource_definition("karpenter.sh", "NodeClaim", "nodeclaims"),
        custom_resource_definition("karpenter.k8s.aws", "EC2NodeClass", "ec2nodeclasses", short_names=["ec2nc"]),
    ]
