"""Read the customer role's own identity policies: the managed ones attached to it and its inline ones."""

from engines.providers.aws.policy_eval import Policy


def read_role_policies(iam, role_name: str) -> list[Policy]:
    """Return the role's attached managed policies (default versions) and inline policies, named."""
    policies = []
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role_name):
        for attached in page["AttachedPolicies"]:
            arn = attached["PolicyArn"]
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
            policies.append(Policy(name=attached["PolicyName"], document=document))

    for page in iam.get_paginator("list_role_policies").paginate(RoleName=role_name):
        for name in page["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
            policies.append(Policy(name=f"{name} (inline)", document=document))
    return policies
