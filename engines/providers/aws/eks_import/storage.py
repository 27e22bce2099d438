"""The storage checks: an EFS file system reachable from every zone of the cluster, and the storage class."""

import difflib

from engines.choices import ResourceOwner, ResourceState
from engines.providers.aws.eks_import.base import Outcome, cluster_data, cluster_name, kube, mark_missing, record_found

MOUNT_TARGET_PREFIX = "efs-mount-target-"
# CSI drivers and provisioners whose volumes many nodes can mount at once (ReadWriteMany).
SHARED_PROVISIONERS = {
    "efs.csi.aws.com": "EFS",
    "fsx.csi.aws.com": "FSx for Lustre",
    "fsx.openzfs.csi.aws.com": "FSx for OpenZFS",
    "nfs.csi.k8s.io": "NFS",
    "cluster.local/nfs-subdir-external-provisioner": "NFS",
}
# Block-storage provisioners: a volume attaches to one node (ReadWriteOnce).
SINGLE_NODE_PROVISIONERS = {
    "ebs.csi.aws.com": "EBS",
    "ebs.csi.eks.amazonaws.com": "EBS (EKS Auto Mode)",
    "kubernetes.io/aws-ebs": "EBS (in-tree)",
}


def _zones(context) -> dict[str, str]:
    """Return the availability zone of each of the cluster's subnets, as the subnet check recorded them."""
    subnets = context.engine.resources.filter(type="subnet", owner=ResourceOwner.ADMINISTRATOR).exclude(
        state=ResourceState.MISSING)
    return {subnet.cloud_id: subnet.data.get("zone", "") for subnet in subnets}


def _candidates(context, vpc_id: str) -> list[tuple[dict, list[dict]]]:
    """Return the available file systems with mount targets in the VPC, each with those mount targets."""
    efs = context.cloud.client("efs")
    found = []
    for page in efs.get_paginator("describe_file_systems").paginate():
        for file_system in page["FileSystems"]:
            if file_system.get("LifeCycleState") != "available":
                continue
            targets = efs.describe_mount_targets(FileSystemId=file_system["FileSystemId"])["MountTargets"]
            in_vpc = [target for target in targets if target.get("VpcId") == vpc_id]
            if in_vpc:
                found.append((file_system, in_vpc))
    return found


def efs_file_system(context) -> Outcome:
    vpc_id = cluster_data(context).get("vpc_id", "")
    zones = set(_zones(context).values())
    candidates = _candidates(context, vpc_id)
    if not candidates:
        mark_missing(context, prefix="efs")
        return Outcome.failed(f"No EFS file system has mount targets in the cluster's VPC {vpc_id}.",
                              f"Create an EFS file system with a mount target in each of {', '.join(sorted(zones))} "
                              "(security group allowing NFS, port 2049, from the VPC), then retry.")

    def covered(candidate) -> set[str]:
        return {target.get("AvailabilityZoneName", "") for target in candidate[1]
                if target.get("LifeCycleState") == "available"}

    file_system, targets = max(candidates, key=lambda candidate: len(covered(candidate) & zones))
    file_system_id = file_system["FileSystemId"]
    record_found(context, "efs", "efs", file_system_id, arn=file_system.get("FileSystemArn", ""),
                 encrypted=bool(file_system.get("Encrypted")), name=file_system.get("Name", ""))
    keys = []
    for index, target in enumerate(sorted(targets, key=lambda item: item.get("AvailabilityZoneName", "")), start=1):
        keys.append(f"{MOUNT_TARGET_PREFIX}{index}")
        record_found(context, keys[-1], "efs_mount_target", target["MountTargetId"], file_system=file_system_id,
                     subnet=target.get("SubnetId", ""), zone=target.get("AvailabilityZoneName", ""))
    mark_missing(context, prefix=MOUNT_TARGET_PREFIX, keep=keys)

    uncovered = sorted(zones - covered((file_system, targets)))
    if uncovered:
        return Outcome.failed(f"EFS file system {file_system_id} has no available mount target in "
                              f"{', '.join(uncovered)}, where the cluster has subnets.",
                              f"Create a mount target of {file_system_id} in a subnet of each of those zones, "
                              "then retry.")
    return Outcome.passed(f"EFS file system {file_system_id} has mount targets in {', '.join(sorted(zones))}")


def shared_access(storage_class: dict) -> tuple[bool | None, str]:
    """Tell whether a storage class can serve ReadWriteMany volumes (None: unknown), and why."""
    provisioner = storage_class.get("provisioner", "")
    if provisioner in SHARED_PROVISIONERS:
        return True, f"{SHARED_PROVISIONERS[provisioner]} volumes can be mounted by many nodes (ReadWriteMany)"
    if provisioner in SINGLE_NODE_PROVISIONERS:
        return False, (f"{SINGLE_NODE_PROVISIONERS[provisioner]} volumes attach to one node at a time, so it cannot "
                       "serve ReadWriteMany")
    return None, f"the portal does not know whether provisioner {provisioner} serves ReadWriteMany"


def storage_class(context) -> Outcome:
    expected = context.engine.parameters.get("storage_class", "")
    classes = kube(context).list("storage.k8s.io/v1", "StorageClass")
    names = sorted(item["metadata"]["name"] for item in classes)
    found = next((item for item in classes if item["metadata"]["name"] == expected), None)

    if found is None:
        mark_missing(context, keys=["storage-class"])
        listed = ", ".join(names) if names else "none"
        close = difflib.get_close_matches(expected, names, n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        return Outcome.failed(
            f"Storage class {expected} does not exist in cluster {cluster_name(context)}. Its storage classes: "
            f"{listed}.{hint}",
            "Delete this engine and import the cluster again with one of those storage classes, or create "
            f"storage class {expected} in the cluster and retry.",
        )

    shared, reason = shared_access(found)
    provisioner = found.get("provisioner", "")
    record_found(context, "storage-class", "kube_storage_class", expected, provisioner=provisioner,
                 read_write_many=shared)
    detail = f"Storage class {expected} exists (provisioner {provisioner}): {reason}"
    if shared:
        return Outcome.passed(detail)
    return Outcome.warning(detail, "Projects that share a volume between pods on several nodes need a "
                                   "ReadWriteMany class, such as one of the EFS CSI driver (efs.csi.aws.com).")
