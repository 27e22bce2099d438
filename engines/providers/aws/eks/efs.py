"""The engine's shared file system: an encrypted EFS file system with a mount target in each zone.

Each mount target sits in one of the plan's subnets (one per availability zone) behind a
security group that admits NFS from the VPC only.
"""

from botocore.exceptions import ClientError

from engines.provisioning.steps import Done, PermanentError, Wait
from engines.providers.aws.errors import error_code
from engines.providers.aws.eks import network
from engines.providers.aws.naming import ENGINE_TAG, resource_tags, tag_filters, tag_list, tag_specifications

NFS_PORT = 2049
POLL_SECONDS = 10
MISSING_FILE_SYSTEM = "FileSystemNotFound"
MISSING_MOUNT_TARGET = "MountTargetNotFound"


def creation_token(engine) -> str:
    """Return the idempotency token of the engine's file system: a retried create returns the same one."""
    return f"aichor-{engine.tag_value}-efs"


def mount_target_key(index: int) -> str:
    return f"efs-mount-target-{index}"


def create_security_group(context):
    ec2 = context.cloud.client("ec2")
    vpc_id = context.cloud_id("vpc")
    cidr = network.vpc_cidr(context)
    found = ec2.describe_security_groups(Filters=tag_filters(context, "efs-security-group"))["SecurityGroups"]
    if found:
        group = found[0]
        context.log(f"Adopted security group {group['GroupId']}, found by its tags")
    else:
        group_id = ec2.create_security_group(
            GroupName=f"aichor-{context.engine.tag_value}-efs",
            Description=f"NFS from the VPC of {context.engine.name} to its EFS mount targets",
            VpcId=vpc_id,
            TagSpecifications=tag_specifications("security-group", context, "efs-security-group"),
        )["GroupId"]
        group = {"GroupId": group_id, "IpPermissions": []}
    group_id = group["GroupId"]
    context.record("efs-security-group", "security_group", group_id, data={"name": f"aichor-{context.engine.tag_value}-efs"})

    allowed = any(
        permission.get("IpProtocol") == "tcp" and permission.get("FromPort") == NFS_PORT
        and any(ip_range.get("CidrIp") == cidr for ip_range in permission.get("IpRanges", []))
        for permission in group.get("IpPermissions", [])
    )
    if not allowed:
        ec2.authorize_security_group_ingress(
            GroupId=group_id,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": NFS_PORT, "ToPort": NFS_PORT,
                            "IpRanges": [{"CidrIp": cidr, "Description": "NFS from the engine's VPC"}]}],
        )
    return Done(f"{group_id} admits NFS from {cidr}")


def create_file_system(context):
    efs = context.cloud.client("efs")
    token = creation_token(context.engine)
    found = efs.describe_file_systems(CreationToken=token)["FileSystems"]
    if found:
        file_system = found[0]
        tags = {tag["Key"]: tag["Value"] for tag in file_system.get("Tags", [])}
        if tags.get(ENGINE_TAG) != context.engine.tag_value:
            raise PermanentError(
                f"EFS file system {file_system['FileSystemId']} has this engine's creation token but not its tag.",
                code="FileSystemAlreadyExists",
                fix="Delete that file system in the account, then retry.",
            )
    else:
        file_system = efs.create_file_system(
            CreationToken=token,
            Encrypted=True,
            PerformanceMode="generalPurpose",
            ThroughputMode="elastic",
            Tags=tag_list(resource_tags(context, "efs")),
        )
    file_system_id = file_system["FileSystemId"]
    context.record("efs", "efs", file_system_id, data={"arn": file_system.get("FileSystemArn", ""), "encrypted": True})

    state = file_system.get("LifeCycleState")
    if state == "creating":
        return Wait(f"EFS file system {file_system_id} to become available", POLL_SECONDS)
    if state != "available":
        raise PermanentError(
            f"EFS file system {file_system_id} is {state}.",
            code=f"FileSystem{state}",
            fix="Look at the file system in the EFS console, delete this engine, and create it again.",
        )
    return Done(f"{file_system_id} (encrypted)")


def create_mount_targets(context):
    efs = context.cloud.client("efs")
    file_system_id = context.cloud_id("efs")
    group_id = context.cloud_id("efs-security-group")
    existing = {target["SubnetId"]: target for target in efs.describe_mount_targets(FileSystemId=file_system_id)["MountTargets"]}

    pending = []
    for index in range(1, network.zone_count(context) + 1):
        subnet_id = context.cloud_id(f"subnet-{index}")
        target = existing.get(subnet_id)
        if target is None:
            target = efs.create_mount_target(FileSystemId=file_system_id, SubnetId=subnet_id, SecurityGroups=[group_id])
        context.record(
            mount_target_key(index), "efs_mount_target", target["MountTargetId"],
            data={"file_system": file_system_id, "subnet": subnet_id, "zone": target.get("AvailabilityZoneName", ""),
                  "ip_address": target.get("IpAddress", "")},
        )
        if target.get("LifeCycleState") != "available":
            pending.append(target["MountTargetId"])
    if pending:
        return Wait(f"EFS mount targets {', '.join(pending)} to become available", POLL_SECONDS)
    return Done(f"{network.zone_count(context)} mount targets, one per availability zone")


def delete_mount_target(context, resource):
    efs = context.cloud.client("efs")
    try:
        target = efs.describe_mount_targets(MountTargetId=resource.cloud_id)["MountTargets"][0]
    except ClientError as error:
        if error_code(error) == MISSING_MOUNT_TARGET:
            return None
        raise
    if target.get("LifeCycleState") != "deleting":
        efs.delete_mount_target(MountTargetId=resource.cloud_id)
    try:
        efs.describe_mount_targets(MountTargetId=resource.cloud_id)
    except ClientError as error:
        if error_code(error) == MISSING_MOUNT_TARGET:
            return None
        raise
    return Wait(f"EFS mount target {resource.cloud_id} to be deleted", POLL_SECONDS)


def delete_file_system(context, resource):
    """Delete the file system once its mount targets are gone (EFS refuses before: FileSystemInUse)."""
    efs = context.cloud.client("efs")
    try:
        file_system = efs.describe_file_systems(FileSystemId=resource.cloud_id)["FileSystems"][0]
    except ClientError as error:
        if error_code(error) == MISSING_FILE_SYSTEM:
            return None
        raise
    if file_system.get("NumberOfMountTargets"):
        for target in efs.describe_mount_targets(FileSystemId=resource.cloud_id)["MountTargets"]:
            if target.get("LifeCycleState") != "deleting":
                efs.delete_mount_target(MountTargetId=target["MountTargetId"])
        return Wait(f"the mount targets of EFS file system {resource.cloud_id} to be deleted", POLL_SECONDS)
    if file_system.get("LifeCycleState") != "deleting":
        efs.delete_file_system(FileSystemId=resource.cloud_id)
    try:
        efs.describe_file_systems(FileSystemId=resource.cloud_id)
    except ClientError as error:
        if error_code(error) == MISSING_FILE_SYSTEM:
            return None
        raise
    return Wait(f"EFS file system {resource.cloud_id} to be deleted", POLL_SECONDS)


def delete_security_group(context, resource) -> None:
    """Delete the security group; DependencyViolation (mount targets' interfaces still there) is retried."""
    try:
        context.cloud.client("ec2").delete_security_group(GroupId=resource.cloud_id)
    except ClientError as error:
        if error_code(error) != "InvalidGroup.NotFound":
            raise


def sweep(context, found):
    """Delete file systems tagged with the engine that the inventory missed.

    Returns the ids deleted, and a Wait while mount targets are still being deleted.
    """
    efs = context.cloud.client("efs")
    swept = []
    for file_system in efs.describe_file_systems()["FileSystems"]:
        tags = {tag["Key"]: tag["Value"] for tag in file_system.get("Tags", [])}
        if tags.get(ENGINE_TAG) != context.engine.tag_value:
            continue
        waiting = delete_file_system(context, found(file_system["FileSystemId"]))
        if waiting is not None:
            return swept, waiting
        swept.append(file_system["FileSystemId"])
    return swept, None
