"""Tests for parsing IAM role ARNs and region names."""

import pytest

from engines.providers.aws.arn import (
    AwsValueError,
    InvalidRegionError,
    InvalidRoleArnError,
    Region,
    RoleArn,
    known_partitions,
    parse_region,
    parse_role_arn,
    regions_of,
)


def test_role_arn_simple():
    parsed = parse_role_arn("arn:aws:iam::123456789012:role/AIchorPortalRole")

    assert parsed == RoleArn(partition="aws", account_id="123456789012", path="/", name="AIchorPortalRole")
    assert parsed.arn == "arn:aws:iam::123456789012:role/AIchorPortalRole"


def test_role_arn_strips_whitespace():
    parsed = parse_role_arn("  arn:aws:iam::123456789012:role/Portal\n")

    assert parsed.arn == "arn:aws:iam::123456789012:role/Portal"


def test_role_arn_keeps_leading_zeros():
    parsed = parse_role_arn("arn:aws:iam::000123456789:role/Portal")

    assert parsed.account_id == "000123456789"
    assert isinstance(parsed.account_id, str)


def test_role_arn_with_path():
    parsed = parse_role_arn("arn:aws:iam::123456789012:role/aichor/x/Name")

    assert parsed.path == "/aichor/x/"
    assert parsed.name == "Name"
    assert str(parsed) == "arn:aws:iam::123456789012:role/aichor/x/Name"


def test_role_arn_name_characters():
    name = "a+=,.@_-Z9"
    parsed = parse_role_arn(f"arn:aws:iam::123456789012:role/{name}")

    assert parsed.name == name


def test_role_arn_name_of_64_characters():
    name = "n" * 64

    assert parse_role_arn(f"arn:aws:iam::123456789012:role/{name}").name == name


def test_role_arn_other_partition_when_configured():
    parsed = parse_role_arn("arn:aws-cn:iam::123456789012:role/Portal", partition="aws-cn")

    assert parsed.partition == "aws-cn"


@pytest.mark.parametrize(
    ("value", "in_message"),
    [
        ("", "six fields"),
        ("not an arn", "six fields"),
        ("arn:aws:iam::123456789012", "six fields"),
        ("arn:aws-cn:iam::123456789012:role/Portal", "cannot assume a role in another partition"),
        ("arn:aws-us-gov:iam::123456789012:role/Portal", "cannot assume a role in another partition"),
        ("arn:AWS:iam::123456789012:role/Portal", "partition 'AWS' is unknown"),
        ("arn:aws:s3:::123456789012:role/Portal", "service field is 's3'"),
        ("arn:aws:iam:us-east-1:123456789012:role/Portal", "region field must be empty"),
        ("arn:aws:iam::12345678901:role/Portal", "exactly 12 digits"),
        ("arn:aws:iam::1234567890123:role/Portal", "exactly 12 digits"),
        ("arn:aws:iam::12345678901a:role/Portal", "exactly 12 digits"),
        ("arn:aws:iam::123456789012:user/Portal", "must be 'role/NAME'"),
        ("arn:aws:iam::123456789012:role/", "must be 'role/NAME'"),
        ("arn:aws:iam::123456789012:role/a/", "role name ''"),
        ("arn:aws:iam::123456789012:role/" + "n" * 65, "1 to 64 characters"),
        ("arn:aws:iam::123456789012:role/Por tal", "1 to 64 characters"),
        ("arn:aws:iam::123456789012:role/Portál", "1 to 64 characters"),
        ("arn:aws:iam::123456789012:role/pa th/Portal", "role path '/pa th/'"),
        ("arn:aws:iam::123456789012:role/" + "p" * 511 + "/Portal", "at most 512"),
        ("arn:aws:sts::123456789012:assumed-role/Portal/session", "assumed-role session"),
    ],
)
def test_role_arn_invalid(value, in_message):
    with pytest.raises(InvalidRoleArnError) as caught:
        parse_role_arn(value)

    assert in_message in str(caught.value)
    assert caught.value.value == value.strip()


def test_role_arn_error_names_value_rule_and_fix():
    with pytest.raises(InvalidRoleArnError) as caught:
        parse_role_arn("arn:aws:iam:eu-west-1:123456789012:role/Portal")

    error = caught.value
    assert isinstance(error, ValueError)
    assert isinstance(error, AwsValueError)
    assert "arn:aws:iam:eu-west-1:123456789012:role/Portal" in str(error)
    assert "global service" in error.rule
    assert error.fix == "Remove the region: arn:aws:iam::123456789012:role/Portal."


def test_role_arn_assumed_role_suggests_role():
    with pytest.raises(InvalidRoleArnError) as caught:
        parse_role_arn("arn:aws:sts::123456789012:assumed-role/Portal/session")

    assert "arn:aws:iam::123456789012:role/Portal" in caught.value.fix


def test_region_valid():
    assert parse_region("eu-west-1") == Region(name="eu-west-1", partition="aws")


def test_region_strips_whitespace():
    assert parse_region(" us-east-1 ").name == "us-east-1"


def test_region_opt_in_accepted():
    assert parse_region("af-south-1").name == "af-south-1"
    assert parse_region("ap-east-1").name == "ap-east-1"


def test_region_of_other_partition_when_configured():
    assert parse_region("cn-north-1", partition="aws-cn").partition == "aws-cn"


def test_region_upper_case_suggests_lower():
    with pytest.raises(InvalidRegionError) as caught:
        parse_region("US-EAST-1")

    assert "lower case" in caught.value.rule
    assert "'us-east-1'" in caught.value.fix


def test_region_availability_zone_suggests_region():
    with pytest.raises(InvalidRegionError) as caught:
        parse_region("us-east-1a")

    assert "availability zone" in caught.value.rule
    assert "'us-east-1'" in caught.value.fix


def test_region_local_zone_suggests_region():
    with pytest.raises(InvalidRegionError) as caught:
        parse_region("us-west-2-lax-1a")

    assert "'us-west-2'" in caught.value.fix


def test_region_near_miss_suggests_closest():
    with pytest.raises(InvalidRegionError) as caught:
        parse_region("eu-wset-1")

    assert caught.value.fix == "Did you mean 'eu-west-1'?"


def test_region_tie_suggests_both():
    with pytest.raises(InvalidRegionError) as caught:
        parse_region("us-est-1")

    assert "'us-east-1'" in caught.value.fix
    assert "'us-west-1'" in caught.value.fix


def test_region_of_another_partition_rejected():
    with pytest.raises(InvalidRegionError) as caught:
        parse_region("cn-north-1")

    assert "partition 'aws-cn'" in caught.value.rule


def test_region_unknown_lists_regions():
    with pytest.raises(InvalidRegionError) as caught:
        parse_region("mars")

    assert "us-east-1" in caught.value.fix


def test_region_empty_rejected():
    with pytest.raises(InvalidRegionError) as caught:
        parse_region("  ")

    assert "missing" in caught.value.rule


def test_region_unknown_partition_rejected():
    with pytest.raises(InvalidRegionError) as caught:
        parse_region("us-east-1", partition="aws-mars")

    assert "aws-mars" in str(caught.value)


def test_partitions_from_botocore():
    assert {"aws", "aws-cn", "aws-us-gov"} <= set(known_partitions())
    assert "us-east-1" in regions_of("aws")
    assert "aws-global" not in regions_of("aws")
