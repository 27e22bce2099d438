"""The sandbox's additions to moto for EKS and EC2: a creation delay, an identity per cluster, tag lookups."""

import time

import pytest
import requests


@pytest.fixture
def eks_delay(aws_sandbox):
    """Set the sandbox's EKS creation delay for one test, and clear it afterwards."""

    def set_delay(seconds: float) -> None:
        response = requests.post(f"{aws_sandbox.endpoint}/_sandbox/eks-create-delay", json={"seconds": seconds},
                                 timeout=10)
        response.raise_for_status()

    yield set_delay
    set_delay(0)


def create_cluster(aws_sandbox, name: str) -> dict:
    iam = aws_sandbox.client("iam")
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return aws_sandbox.client("eks").create_cluster(name=name, roleArn=role,
                                                    resourcesVpcConfig={"subnetIds": []})["cluster"]


def test_new_cluster_creating_until_delay_passes(aws_sandbox, eks_delay):
    eks_delay(1.0)
    eks = aws_sandbox.client("eks")

    created = create_cluster(aws_sandbox, "delayed")
    during = eks.describe_cluster(name="delayed")["cluster"]["status"]
    time.sleep(1.1)
    after = eks.describe_cluster(name="delayed")["cluster"]["status"]

    assert created["status"] == "CREATING"
    assert during == "CREATING"
    assert after == "ACTIVE"


def test_cluster_active_at_once_without_delay(aws_sandbox):
    assert create_cluster(aws_sandbox, "prompt")["status"] == "ACTIVE"


def test_each_cluster_has_own_endpoint_and_issuer(aws_sandbox):
    first = create_cluster(aws_sandbox, "first")
    second = create_cluster(aws_sandbox, "second")

    assert first["endpoint"] != second["endpoint"]
    assert first["identity"]["oidc"]["issuer"] != second["identity"]["oidc"]["issuer"]
    assert first["endpoint"].endswith(".eu-west-1.eks.amazonaws.com")


def test_tag_filter_matches_exact_resource(aws_sandbox):
    ec2 = aws_sandbox.client("ec2")
    tagged = [ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "aichor:engine", "Value": value}]}])["Vpc"]["VpcId"]
        for value in ("eng-1", "eng-12")]

    found = ec2.describe_vpcs(Filters=[{"Name": "tag:aichor:engine", "Values": ["eng-1"]}])["Vpcs"]

    assert [vpc["VpcId"] for vpc in found] == [tagged[0]]
    assert found[0]["Tags"] == [{"Key": "aichor:engine", "Value": "eng-1"}]
