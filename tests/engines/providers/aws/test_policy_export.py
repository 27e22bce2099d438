"""Tests for the policy JSON and the CloudFormation template, deployed in moto in-process."""

import json
import re

import boto3
import pytest
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count

from engines.providers.aws.permissions import boundary_policy_document, catalogue
from engines.providers.aws.policy_export import (
    boundary_policy_json,
    cloudformation_template,
    policy_json,
)

PORTAL_PRINCIPAL = "arn:aws:iam::111122223333:role/aichor-portal"
REGION = "eu-west-1"
MOTO_ACCOUNT_ID = "123456789012"
ALLOWED_INTRINSICS = {"Ref", "Fn::Sub", "Fn::GetAtt"}


def deploy(template, parameters=()):
    """Create a stack in moto and return its outputs by key."""
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(
        StackName="aichor-portal-role",
        TemplateBody=template,
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in parameters],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    stack = cloudformation.describe_stacks(StackName="aichor-portal-role")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    return {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}


def policy_document(iam, policy_arn):
    version = iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
    return iam.get_policy_version(PolicyArn=policy_arn, VersionId=version)["PolicyVersion"]["Document"]


def intrinsic_functions(value):
    """Return the names of the intrinsic functions used anywhere in a template fragment."""
    found = set()
    if isinstance(value, dict):
        found.update(key for key in value if key == "Ref" or key.startswith("Fn::"))
        for item in value.values():
            found |= intrinsic_functions(item)
    elif isinstance(value, list):
        for item in value:
            found |= intrinsic_functions(item)
    return found


def test_policy_json_is_array_of_documents():
    documents = json.loads(policy_json("eks", "create", account_id="123456789012"))

    assert documents == catalogue("eks", "create").policy_documents("aws", "123456789012")
    assert all(document["Version"] == "2012-10-17" for document in documents)


def test_policy_json_compact():
    text = policy_json("eks", "import", indent=None)

    assert "\n" not in text
    assert json.loads(text)


def test_boundary_policy_json():
    assert json.loads(boundary_policy_json("aws-cn", "123456789012")) == boundary_policy_document(
        "aws-cn", "123456789012"
    )


def test_template_structure():
    template = json.loads(cloudformation_template("eks", "create", PORTAL_PRINCIPAL, external_id="ext-123"))
    documents = catalogue("eks", "create").policy_documents()
    resources = template["Resources"]

    assert template["Parameters"]["ExternalId"]["Default"] == "ext-123"
    assert template["Parameters"]["RoleName"]["Default"] == "AIchorPortalRole"
    assert template["Parameters"]["RolePath"]["Default"] == "/"
    assert len(resources) == len(documents) + 2
    assert resources["PermissionsBoundary"]["Properties"]["Path"] == "/aichor/"
    assert resources["PermissionsBoundary"]["Properties"]["ManagedPolicyName"] == "AIchorPermissionsBoundary"
    trust = resources["PortalRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"AWS": PORTAL_PRINCIPAL}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
    assert template["Outputs"]["RoleArn"]["Value"] == {"Fn::GetAtt": ["PortalRole", "Arn"]}


def test_template_without_external_id_has_no_default():
    template = json.loads(cloudformation_template("eks", "import", PORTAL_PRINCIPAL))

    assert "Default" not in template["Parameters"]["ExternalId"]


def test_template_uses_resolvable_intrinsics():
    template = json.loads(cloudformation_template("eks", "create", PORTAL_PRINCIPAL, external_id="ext-123"))

    assert intrinsic_functions(template) <= ALLOWED_INTRINSICS
    substituted = re.findall(r"\$\{[^}]*\}", json.dumps(template))
    assert set(substituted) <= {"${AWS::Partition}", "${AWS::AccountId}", "${RoleName}"}


def test_role_path_pattern_excludes_aichor():
    template = json.loads(cloudformation_template("eks", "import", PORTAL_PRINCIPAL))
    pattern = re.compile(template["Parameters"]["RolePath"]["AllowedPattern"])

    assert pattern.fullmatch("/")
    assert pattern.fullmatch("/customers/aichor/")
    assert not pattern.fullmatch("/aichor/")
    assert not pattern.fullmatch("/aichor/portal/")
    assert not pattern.fullmatch("customers/")


@pytest.mark.parametrize(
    ("arguments", "in_message"),
    [
        ({"portal_principal_arn": "111122223333"}, "IAM ARN"),
        ({"portal_principal_arn": PORTAL_PRINCIPAL, "external_id": "x"}, "2 to 1224"),
        ({"portal_principal_arn": PORTAL_PRINCIPAL, "external_id": "has space"}, "2 to 1224"),
        ({"portal_principal_arn": PORTAL_PRINCIPAL, "role_name": "bad name"}, "1 to 64"),
    ],
)
def test_template_invalid_arguments(arguments, in_message):
    with pytest.raises(ValueError) as caught:
        cloudformation_template("eks", "create", **arguments)

    assert in_message in str(caught.value)


@mock_aws
def test_template_deploys_in_moto():
    eks_create = catalogue("eks", "create")
    outputs = deploy(cloudformation_template("eks", "create", PORTAL_PRINCIPAL, external_id="ext-123"))
    iam = boto3.client("iam", region_name=REGION)

    role = iam.get_role(RoleName="AIchorPortalRole")["Role"]
    assert outputs["RoleArn"] == role["Arn"] == f"arn:aws:iam::{MOTO_ACCOUNT_ID}:role/AIchorPortalRole"
    assert role["Path"] == "/"
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"AWS": PORTAL_PRINCIPAL}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": "ext-123"}}

    attached = iam.list_attached_role_policies(RoleName="AIchorPortalRole")["AttachedPolicies"]
    attached.sort(key=lambda policy: policy["PolicyName"])
    documents = [policy_document(iam, policy["PolicyArn"]) for policy in attached]
    assert [json.loads(json.dumps(document)) for document in documents] == eks_create.policy_documents(
        "aws", MOTO_ACCOUNT_ID
    )

    boundary_arn = f"arn:aws:iam::{MOTO_ACCOUNT_ID}:policy/aichor/AIchorPermissionsBoundary"
    assert outputs["PermissionsBoundaryArn"] == boundary_arn
    assert policy_document(iam, boundary_arn) == boundary_policy_document("aws", MOTO_ACCOUNT_ID)
    assert boundary_arn not in {policy["PolicyArn"] for policy in attached}


@mock_aws
def test_template_parameters_in_moto():
    template = cloudformation_template("eks", "import", PORTAL_PRINCIPAL, role_name="CustomerRole")
    outputs = deploy(template, [("ExternalId", "from-parameter"), ("RolePath", "/platform/")])
    iam = boto3.client("iam", region_name=REGION)

    role = iam.get_role(RoleName="CustomerRole")["Role"]
    assert outputs["RoleArn"] == f"arn:aws:iam::{MOTO_ACCOUNT_ID}:role/platform/CustomerRole"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": "from-parameter"}
    }
    attached = iam.list_attached_role_policies(RoleName="CustomerRole")["AttachedPolicies"]
    assert len(attached) == len(catalogue("eks", "import").policy_documents())


# Six calls run before moto starts checking credentials: the setup below, with the stack.
@set_initial_no_auth_action_count(6)
@mock_aws
def test_role_requires_external_id_in_moto():
    iam = boto3.client("iam", region_name=REGION)
    iam.create_user(UserName="portal")
    assume_only = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    }
    iam.put_user_policy(UserName="portal", PolicyName="assume", PolicyDocument=json.dumps(assume_only))
    key = iam.create_access_key(UserName="portal")["AccessKey"]
    portal_arn = iam.get_user(UserName="portal")["User"]["Arn"]
    role_arn = deploy(cloudformation_template("eks", "import", portal_arn, external_id="right-id"))["RoleArn"]
    sts = boto3.client(
        "sts",
        region_name=REGION,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )

    with pytest.raises(sts.exceptions.ClientError) as caught:
        sts.assume_role(RoleArn=role_arn, RoleSessionName="aichor-portal", ExternalId="wrong-id")
    assert caught.value.response["Error"]["Code"] == "AccessDenied"

    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="aichor-portal", ExternalId="right-id")[
        "Credentials"
    ]
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )
    assert session.client("ec2").describe_regions()["Regions"]
    with pytest.raises(sts.exceptions.ClientError) as refused:
        session.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")
    assert refused.value.response["Error"]["Code"] in ("AccessDenied", "UnauthorizedOperation")
