"""Quota check for create mode: room for one more VPC and for the node groups' vCPUs.

Applied values come from Service Quotas. Where it returns none (a quota never changed, or
a Service Quotas without EC2 codes, as moto's), the AWS default is asked for, and failing
that an assumed value is used and the row is a warning.
"""

import re
from dataclasses import dataclass

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from engines.choices import CheckResult

from .base import Outcome, worst

THROTTLING_CODES = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}

# The create form's defaults, used when a pre-flight names no node group.
DEFAULT_NODE_INSTANCE_TYPE = "m6i.large"
DEFAULT_NODE_MAX = 3
PLANNED_VPCS = 1
QUOTA_FIX = (
    "Request an increase in the Service Quotas console (quota {code}), or free capacity, then run pre-flight again."
)


@dataclass(frozen=True)
class Quota:
    """A Service Quotas quota, with the value assumed when none can be read."""

    service: str
    code: str
    name: str
    assumed: float


# NOTE: the assumed values are what AWS applies to a new account; AWS raises them with use,
# so an established account usually has more. They matter only when no value can be read.
VPCS = Quota("vpc", "L-F678F1CE", "VPCs per Region", 5)
STANDARD_VCPUS = Quota("ec2", "L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", 5)
G_VCPUS = Quota("ec2", "L-DB2E81BA", "Running On-Demand G and VT instances", 0)
P_VCPUS = Quota("ec2", "L-417A185B", "Running On-Demand P instances", 0)

# Instance families by the letters their type names start with (m6i.large: m; g5.xlarge: g).
VCPU_QUOTA_OF_FAMILY = {
    **{family: STANDARD_VCPUS for family in ("a", "c", "d", "h", "i", "m", "r", "t", "z")},
    "g": G_VCPUS,
    "gr": G_VCPUS,
    "vt": G_VCPUS,
    "p": P_VCPUS,
}
GPU_QUOTAS = (G_VCPUS, P_VCPUS)


@dataclass(frozen=True)
class QuotaValue:
    value: float
    source: str
    known: bool


def family(instance_type: str) -> str:
    """Return an instance type's family letters: "m" for m6i.large, "inf" for inf2.xlarge."""
    match = re.match(r"[a-z]+", instance_type)
    return match.group(0) if match else instance_type


def quotas_allow_engine(context, target) -> Outcome:
    """Compare each quota the create plan uses with current usage plus what the plan adds."""
    parameters = target.operation.parameters
    node_type = parameters.get("node_instance_type", DEFAULT_NODE_INSTANCE_TYPE)
    planned_types = {node_type: int(parameters.get("node_max", DEFAULT_NODE_MAX))}
    gpu_type = parameters.get("gpu_instance_type")
    if gpu_type:
        planned_types[gpu_type] = planned_types.get(gpu_type, 0) + int(parameters.get("gpu_max", 2))

    ec2 = target.client("ec2")
    service_quotas = target.single_attempt_client("service-quotas")
    vcpus = _vcpus_per_type(ec2, set(planned_types) | _running_types(ec2))
    unknown = sorted(set(planned_types) - set(vcpus))
    if unknown:
        return Outcome.failed(
            f"Instance type(s) {', '.join(unknown)} are not offered in {target.region}.",
            "Choose instance types that the region offers.",
        )

    lines = [_line(VPCS, _read_quota(service_quotas, VPCS), len(ec2.describe_vpcs()["Vpcs"]), PLANNED_VPCS)]
    usage = _vcpu_usage(ec2, vcpus)
    needed: dict[Quota, int] = {}
    for instance_type, count in planned_types.items():
        quota = VCPU_QUOTA_OF_FAMILY.get(family(instance_type))
        if quota is None:
            lines.append((CheckResult.WARN, f"No vCPU quota is known to the portal for {instance_type}: not checked.",
                          ""))
            continue
        needed[quota] = needed.get(quota, 0) + count * vcpus[instance_type]
    for quota, vcpu_count in needed.items():
        lines.append(_line(quota, _read_quota(service_quotas, quota), usage.get(quota, 0), vcpu_count, unit=" vCPUs"))
    for quota in GPU_QUOTAS:
        if quota not in needed:
            lines.append(_gpu_note(quota, _read_quota(service_quotas, quota), usage.get(quota, 0)))

    result = worst([line[0] for line in lines])
    fixes = sorted({line[2] for line in lines if line[0] != CheckResult.PASS and line[2]})
    return Outcome(result, "\n".join(line[1] for line in lines), " ".join(fixes))


def _read_quota(service_quotas, quota: Quota) -> QuotaValue:
    try:
        value = service_quotas.get_service_quota(ServiceCode=quota.service, QuotaCode=quota.code)["Quota"]["Value"]
        return QuotaValue(value, "applied", True)
    except (ClientError, ResponseParserError) as error:
        _raise_throttling(error)
        applied_error = _describe_error(error)
    try:
        value = service_quotas.get_aws_default_service_quota(
            ServiceCode=quota.service, QuotaCode=quota.code
        )["Quota"]["Value"]
        return QuotaValue(value, "AWS default", True)
    except (ClientError, ResponseParserError) as error:
        _raise_throttling(error)
        return QuotaValue(
            quota.assumed,
            f"assumed, because Service Quotas returned {applied_error} for the applied value and "
            f"{_describe_error(error)} for the AWS default",
            False,
        )


def _line(quota: Quota, value: QuotaValue, used: int, planned: int, unit: str = "") -> tuple[str, str, str]:
    """Return (result, text, fix) for one quota against usage plus what the plan adds."""
    total = used + planned
    text = (f"{quota.name} ({quota.code}): {used}{unit} in use + {planned}{unit} planned = {total}{unit}, "
            f"quota {value.value:g}{unit} ({value.source}).")
    fix = QUOTA_FIX.format(code=quota.code)
    if total <= value.value:
        if value.known:
            return CheckResult.PASS, text, ""
        return CheckResult.WARN, text, fix
    if value.known:
        return CheckResult.FAIL, text + " The quota is too low.", fix
    return CheckResult.WARN, text + " The assumed quota would be too low.", fix


def _gpu_note(quota: Quota, value: QuotaValue, used: int) -> tuple[str, str, str]:
    """Return a line about a GPU quota that the plan does not use yet (a GPU pool is optional)."""
    text = f"{quota.name} ({quota.code}): {used} vCPUs in use, quota {value.value:g} vCPUs ({value.source})."
    if value.value <= used:
        text += " A GPU node group of this family cannot start until the quota is raised."
    return CheckResult.PASS, text, ""


def _vcpus_per_type(ec2, instance_types: set[str]) -> dict[str, int]:
    """Return the default vCPU count of each instance type that the region offers."""
    vcpus = {}
    for instance_type in sorted(instance_types):
        try:
            found = ec2.describe_instance_types(InstanceTypes=[instance_type])["InstanceTypes"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "InvalidInstanceType":
                raise
            continue
        for offered in found:
            vcpus[offered["InstanceType"]] = offered["VCpuInfo"]["DefaultVCpus"]
    return vcpus


def _running_types(ec2) -> set[str]:
    return {instance["InstanceType"] for instance in _running_instances(ec2)}


def _running_instances(ec2):
    filters = [{"Name": "instance-state-name", "Values": ["pending", "running"]}]
    for page in ec2.get_paginator("describe_instances").paginate(Filters=filters):
        for reservation in page["Reservations"]:
            yield from reservation["Instances"]


def _vcpu_usage(ec2, vcpus: dict[str, int]) -> dict[Quota, int]:
    """Add up the vCPUs of pending and running instances per vCPU quota."""
    usage: dict[Quota, int] = {}
    for instance in _running_instances(ec2):
        quota = VCPU_QUOTA_OF_FAMILY.get(family(instance["InstanceType"]))
        if quota is None:
            continue
        options = instance.get("CpuOptions") or {}
        count = options.get("CoreCount", 0) * options.get("ThreadsPerCore", 1) or vcpus.get(instance["InstanceType"], 0)
        usage[quota] = usage.get(quota, 0) + count
    return usage


def _raise_throttling(error: Exception) -> None:
    """Re-raise a throttling error, so that the runner retries the check instead of assuming a value."""
    if isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in THROTTLING_CODES:
        raise error


def _describe_error(error: Exception) -> str:
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "an error")
        return f"HTTP {code}" if code.isdigit() else code
    return "an invalid response"
