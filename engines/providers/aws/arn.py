"""Parse and validate IAM role ARNs and AWS region names typed by an administrator."""

from __future__ import annotations

import difflib
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import botocore
import botocore.session

DEFAULT_PARTITION = "aws"

# IAM limits for CreateRole: RoleName matches [\w+=,.@-]+ (ASCII) with 1 to 64 characters,
# and Path is "/" or "/" + printable ASCII characters + "/" with at most 512 characters.
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
_ROLE_PATH = re.compile(r"/|/[\x21-\x7e]+/")
_ROLE_PATH_MAX_LENGTH = 512
_ACCOUNT_ID = re.compile(r"\d{12}")


class AwsValueError(ValueError):
    """An administrator's value that breaks an AWS naming rule.

    The message names the value, the rule it breaks and how to fix it. The same parts are
    kept as attributes so that a form can show them separately.
    """

    subject = "value"

    def __init__(self, value: str, rule: str, fix: str) -> None:
        self.value = value
        self.rule = rule
        self.fix = fix
        super().__init__(f"Invalid {self.subject} {value!r}: {rule}. {fix}")


class InvalidRoleArnError(AwsValueError):
    """A role ARN that the portal cannot assume."""

    subject = "IAM role ARN"


class InvalidRegionError(AwsValueError):
    """A region name that is not a region of the portal's partition."""

    subject = "AWS region"


@dataclass(frozen=True)
class RoleArn:
    """An IAM role ARN split into its parts. The account id keeps its leading zeros."""

    partition: str
    account_id: str
    path: str
    name: str

    @property
    def arn(self) -> str:
        """Return the ARN in canonical form."""
        return f"arn:{self.partition}:iam::{self.account_id}:role{self.path}{self.name}"

    def __str__(self) -> str:
        return self.arn


@dataclass(frozen=True)
class Region:
    """An AWS region and the partition it belongs to."""

    name: str
    partition: str

    def __str__(self) -> str:
        return self.name


@functools.cache
def _partitions() -> dict[str, frozenset[str]]:
    """Return every partition in botocore's data with its regions, opt-in regions included.

    botocore's partitions.json lists regions that its EC2 endpoint data may not list yet,
    and the other way round, so both sources are merged.
    """
    data_path = Path(botocore.__file__).parent / "data" / "partitions.json"
    partitions = json.loads(data_path.read_text())["partitions"]
    session = botocore.session.get_session()
    regions_by_partition = {}
    for partition in partitions:
        name = partition["id"]
        regions = {region for region in partition["regions"] if not region.endswith("-global")}
        regions.update(session.get_available_regions("ec2", partition_name=name))
        regions_by_partition[name] = frozenset(regions)
    return regions_by_partition


def known_partitions() -> list[str]:
    """Return the partition names in botocore's data, sorted."""
    return sorted(_partitions())


def regions_of(partition: str = DEFAULT_PARTITION) -> list[str]:
    """Return the sorted region names of a partition, or raise KeyError for an unknown one."""
    return sorted(_partitions()[partition])


def parse_role_arn(value: str, partition: str = DEFAULT_PARTITION) -> RoleArn:
    """Parse an IAM role ARN that a portal running in `partition` can assume.

    Surrounding whitespace is ignored. Raises InvalidRoleArnError naming the broken rule.
    """
    text = value.strip()
    example = f"arn:{partition}:iam::123456789012:role/AIchorPortalRole"

    def fail(rule: str, fix: str) -> InvalidRoleArnError:
        return InvalidRoleArnError(text, rule, fix)

    fields = text.split(":", 5)
    if len(fields) != 6 or fields[0] != "arn":
        raise fail(
            "an IAM role ARN has six fields separated by ':' and starts with 'arn:'",
            f"Copy the role's ARN from the IAM console, for example {example}.",
        )
    _, arn_partition, service, region, account_id, resource = fields

    if arn_partition != partition:
        if arn_partition in _partitions():
            raise fail(
                f"the role is in partition {arn_partition!r} but the portal runs in {partition!r}, "
                "and an IAM principal cannot assume a role in another partition",
                f"Use a role of an account in partition {partition!r}.",
            )
        raise fail(
            f"partition {arn_partition!r} is unknown",
            f"Write the partition exactly as {partition!r}, for example {example}.",
        )
    if service == "sts" and resource.startswith("assumed-role/"):
        role_name = resource.split("/")[1]
        raise fail(
            "this is the ARN of an assumed-role session, not of the role",
            f"Use the role's ARN: arn:{partition}:iam::{account_id}:role/{role_name}.",
        )
    if service != "iam":
        raise fail(
            f"the service field is {service!r} but a role ARN names 'iam'",
            f"Use an ARN of the form {example}.",
        )
    if region:
        raise fail(
            f"the region field must be empty because IAM is a global service, but it is {region!r}",
            f"Remove the region: arn:{partition}:iam::{account_id}:{resource}.",
        )
    if not _ACCOUNT_ID.fullmatch(account_id):
        raise fail(
            f"the account id must be exactly 12 digits, but it is {account_id!r}",
            "Copy the account id with its leading zeros, for example 012345678901.",
        )
    resource_type, _, role_path_and_name = resource.partition("/")
    if resource_type != "role" or not role_path_and_name:
        raise fail(
            f"the resource must be 'role/NAME' or 'role/PATH/NAME', but it is {resource!r}",
            f"Use the ARN of an IAM role, for example {example}.",
        )

    path_body, _, name = role_path_and_name.rpartition("/")
    path = f"/{path_body}/" if path_body else "/"
    if not _ROLE_NAME.fullmatch(name):
        raise fail(
            f"the role name {name!r} must have 1 to 64 characters among letters, digits and +=,.@_-",
            "Check the name in the IAM console and copy the ARN again.",
        )
    if len(path) > _ROLE_PATH_MAX_LENGTH or not _ROLE_PATH.fullmatch(path):
        raise fail(
            f"the role path {path!r} must have at most {_ROLE_PATH_MAX_LENGTH} characters "
            "of printable ASCII without spaces",
            "Check the path in the IAM console and copy the ARN again.",
        )
    return RoleArn(partition=partition, account_id=account_id, path=path, name=name)


def parse_region(value: str, partition: str = DEFAULT_PARTITION) -> Region:
    """Parse a region name of `partition`, written exactly as AWS writes it.

    Surrounding whitespace is ignored. Raises InvalidRegionError with the region to use
    when the value is in upper case, names an availability zone or local zone, is a region
    of another partition, or is close to a known region.
    """
    text = value.strip()
    regions = _partitions().get(partition)
    if regions is None:
        raise InvalidRegionError(
            text,
            f"the portal's partition {partition!r} is unknown",
            f"Set the partition to one of: {', '.join(known_partitions())}.",
        )
    if text in regions:
        return Region(name=text, partition=partition)

    def fail(rule: str, fix: str) -> InvalidRegionError:
        return InvalidRegionError(text, rule, fix)

    if not text:
        raise fail("the region is missing", "Enter a region such as us-east-1.")
    lowered = text.lower()
    if lowered in regions:
        raise fail("region names are lower case", f"Use {lowered!r}.")

    zone_region = _region_of_zone(lowered, regions)
    if zone_region:
        raise fail(
            "this is an availability zone or local zone, not a region",
            f"Use its region {zone_region!r}.",
        )
    for other_partition, other_regions in _partitions().items():
        if lowered in other_regions:
            raise fail(
                f"the region belongs to partition {other_partition!r} "
                f"but the portal runs in {partition!r}",
                f"Choose a region of partition {partition!r}.",
            )
    close = _closest(lowered, regions)
    if close:
        raise fail(
            f"no region of partition {partition!r} has this name",
            f"Did you mean {' or '.join(repr(region) for region in close)}?",
        )
    raise fail(
        f"no region of partition {partition!r} has this name",
        f"Use one of: {', '.join(sorted(regions))}.",
    )


def _region_of_zone(zone: str, regions: frozenset[str]) -> str | None:
    """Return the region of an availability zone (us-east-1a) or local zone (us-east-1-bos-1a)."""
    for region in sorted(regions, key=len, reverse=True):
        rest = zone.removeprefix(region)
        if rest == zone or not rest:
            continue
        if re.fullmatch(r"[a-z]|-[a-z]+-\d+[a-z]", rest):
            return region
    return None


def _closest(text: str, regions: frozenset[str]) -> list[str]:
    """Return the regions most similar to `text`, several when they tie (us-est-1)."""
    scores = {}
    for region in regions:
        scores[region] = difflib.SequenceMatcher(None, text, region).ratio()
    best = max(scores.values())
    if best < 0.6:
        return []
    return sorted(region for region, score in scores.items() if score == best)
