"""The footprint check of a re-check: the portal's namespace, service account and RBAC are still in the cluster."""

from django.utils import timezone

from engines.choices import ResourceOwner, ResourceState
from engines.providers.aws.eks.footprint import footprint_manifests
from engines.providers.aws.eks_import.base import Outcome, cluster_name, kube


def footprint_present(context) -> Outcome:
    client = kube(context)
    missing = []
    for key, _, manifest in footprint_manifests(context.engine):
        metadata = manifest["metadata"]
        found = client.get(manifest["apiVersion"], manifest["kind"], metadata["name"], metadata.get("namespace"))
        state = ResourceState.PRESENT if found is not None else ResourceState.MISSING
        context.engine.resources.filter(key=key, owner=ResourceOwner.PORTAL).update(state=state, updated_at=timezone.now())
        if found is None:
            where = f"{metadata['namespace']}/" if metadata.get("namespace") else ""
            missing.append(f"{manifest['kind']} {where}{metadata['name']}")
    if missing:
        return Outcome.failed(
            f"The portal's objects are missing from cluster {cluster_name(context)}: {', '.join(missing)}.",
            "Delete this engine (it removes only the portal's objects) and import the cluster again, which "
            "creates them anew.",
        )
    return Outcome.passed(f"The portal's namespace, service account and RBAC are in cluster {cluster_name(context)}")
