"""The EKS create policy covers exactly what the EKS plans do, proven by enforcement and by record.

By enforcement: the sandbox customer role has exactly the exported EKS create policy
and moto checks every call against it, so a create and a delete that succeed made no
call outside it. By record: every AWS call the plans make is recorded (botocore events)
and mapped to its IAM actions; each must be in the catalogue, and each catalogue action
must be used or carry a written reason below.
"""

import json
from collections import defaultdict

import pytest
from botocore.exceptions import ClientError

from engines.choices import EngineStatus, OperationStatus
from engines.providers.aws import clients
from engines.providers.aws.permissions import catalogue
from engines.providers.aws.permissions.operations import iam_actions
from engines.provisioning import registry
from engines.services.engines import start_engine_deletion
from organisations.permissions import Actor
from sandbox.aws import ACCOUNT_ID, CUSTOMER_ROLE_NAME
from tests.engines.helpers import make_sandbox_account
from tests.engines.test_eks_teardown import busy_engine  # noqa: F401  (a fixture of these tests)
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db(transaction=True)

CATALOGUE = catalogue("eks", "create")

# Catalogue groups whose actions serve other operations than the EKS create and delete plans.
GROUPS_FOR_OTHER_OPERATIONS = {
    "preflight": "Pre-flight checks, which run before a creation, not inside its plan.",
    "project_buckets": "Project storage buckets, made and deleted by project operations.",
    "project_object_lambda": "Object Lambda access points of project buckets (project operations).",
    "storage_lens": "Storage Lens reports on project buckets (project operations).",
    "s3_account_writes": "Public access blocks of project access points (project operations).",
    "s3_account_reads": "Finding project buckets and access points (project operations).",
    "project_registries": "Project container registries (project operations).",
    "registry_listing": "Finding project registries (project operations).",
    "project_storage_credentials": "Temporary credentials to a project's buckets (project operations).",
    "parameters": "SSM parameters: AIchor settings and public AMI ids, read by project and import work.",
    "parameter_listing": "Finding SSM parameters under /aichor/ (project and import work).",
    "decryption": "Decrypting SecureString parameters and encrypted objects (project work).",
    "eks_addons": "EKS add-ons: the plan does not install the EFS CSI driver add-on yet, and moto answers 404 "
                  "for the add-on API, so the sandbox could not exercise it.",
    "boundary_protection": "A Deny statement: it forbids changing the boundary policy, nothing calls it.",
}

# Single actions of the EKS groups that the sandbox run does not reach, and why.
ACTIONS_NOT_REACHED = {
    "eks:CreateAccessEntry": "Live mode only: moto has no access-entry API, so in sandbox mode the portal-access "
                             "step checks access through the Kubernetes stand-in instead.",
    "eks:AssociateAccessPolicy": "Live mode only, as eks:CreateAccessEntry.",
    "eks:ListAssociatedAccessPolicies": "Live mode only, as eks:CreateAccessEntry.",
    "eks:DeleteAccessEntry": "The entries die with the cluster; kept for import-mode teardown.",
    "eks:ListAccessEntries": "Import mode checks the access entries of an existing cluster.",
    "eks:UntagResource": "Re-tagging a cluster whose tags drifted; no step untags yet.",
    "ec2:DescribeInstanceTypes": "Checks the node instance types in the creation form, before the plan.",
    "ec2:DescribeAddresses": "Import mode checks that the NLB's address is an Elastic IP of the account.",
    "ec2:DeleteTags": "Removing a tag that drifted; no step removes tags yet.",
    "ec2:RevokeSecurityGroupIngress": "Teardown deletes the whole security group instead of its rules.",
    "ec2:DeleteLaunchTemplate": "The sweep deletes Karpenter's launch templates; the stand-in makes none.",
    "ec2:DeleteVolume": "The sweep deletes volumes left by claims; the stand-in deletes them with their claims.",
    "ec2:TerminateInstances": "Only when Karpenter leaves nodes for ten minutes, and for the sweep's leftovers.",
    "elasticloadbalancing:DeleteLoadBalancer": "Only when a load balancer outlives its Service by ten minutes, "
                                               "and for the sweep's leftovers.",
    "iam:GetOpenIDConnectProvider": "Import mode reads the OIDC provider of an existing cluster.",
    "iam:PutRolePermissionsBoundary": "Puts the boundary back on a role that lost it; no step does yet.",
    "iam:CreatePolicy": "Managed policies for project roles (project operations).",
    "iam:CreatePolicyVersion": "Managed policies for project roles (project operations).",
    "iam:DeletePolicy": "Managed policies for project roles (project operations).",
    "iam:DeletePolicyVersion": "Managed policies for project roles (project operations).",
    "iam:ListPolicyVersions": "Managed policies for project roles (project operations).",
    "iam:TagPolicy": "Managed policies for project roles (project operations).",
    "iam:UntagPolicy": "Managed policies for project roles (project operations).",
    "iam:UntagRole": "Re-tagging a role whose tags drifted; no step untags yet.",
    "iam:UpdateRole": "Project roles' session duration (project operations).",
    "iam:UpdateAssumeRolePolicy": "Karpenter's role gets a new trust policy only when its cluster's OIDC "
                                  "provider changed.",
    "iam:ListPolicies": "The sweep of project policies (project operations).",
    "sqs:SetQueueAttributes": "Only when the queue's attributes drifted from the plan's.",
    "events:ListTagsForResource": "Only when a rule already exists, to check it is the engine's; and the sweep.",
    "elasticfilesystem:DescribeMountTargetSecurityGroups": "Import mode reads the file system's security groups.",
    "elasticfilesystem:ListTagsForResource": "Import mode reads the file system's tags.",
    "eks:ListNodegroups": "The sweep lists node groups only of a cluster left without an inventory row; import "
                          "mode records the node groups of an existing cluster.",
    "elasticloadbalancing:DescribeTags": "Read only when load balancers exist once their Services are removed; "
                                         "the sandbox's controller deletes them with the Service.",
    "iam:ListOpenIDConnectProviderTags": "Read when an OIDC provider for the cluster's issuer already exists, and "
                                         "by the sweep for providers left behind.",
    "iam:ListRoleTags": "Read when a role of the engine's name already exists (a rerun), and by the sweep.",
    "sqs:ListQueueTags": "Read when the engine's queue already exists (a rerun), and by the sweep.",
    "tag:GetResources": "The tagging API skips IAM, EKS and EventBridge in moto, so the sweep lists each "
                        "service instead; kept for services that only it lists.",
}


def policy_documents_of_role(iam) -> list[dict]:
    """Return the customer role's policy documents: its attached managed policies' and its inline ones."""
    documents = []
    for attached in iam.list_attached_role_policies(RoleName=CUSTOMER_ROLE_NAME)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"])
        documents.append(version["PolicyVersion"]["Document"])
    for name in iam.list_role_policies(RoleName=CUSTOMER_ROLE_NAME)["PolicyNames"]:
        documents.append(iam.get_role_policy(RoleName=CUSTOMER_ROLE_NAME, PolicyName=name)["PolicyDocument"])
    return documents


def statements(documents: list[dict]) -> list[str]:
    """Return the documents' statements in a canonical, comparable form."""
    found = []
    for document in documents:
        document = json.loads(document) if isinstance(document, str) else document
        for statement in document["Statement"]:
            canonical = dict(statement)
            for key in ("Action", "Resource"):
                value = canonical.get(key)
                canonical[key] = sorted([value] if isinstance(value, str) else value)
            found.append(json.dumps(canonical, sort_keys=True))
    return sorted(found)


def test_customer_role_has_exported_policy(aws_sandbox):
    make_sandbox_account(make_organisation())

    held = policy_documents_of_role(aws_sandbox.client("iam"))

    assert statements(held) == statements(CATALOGUE.policy_documents("aws", ACCOUNT_ID))


def test_call_outside_policy_denied(aws_sandbox):
    account = make_sandbox_account(make_organisation())
    session = clients.customer_session(account, "eu-west-1")

    with pytest.raises(ClientError) as denied:
        clients.client(session, "iam", "eu-west-1").create_user(UserName="not-in-the-policy")

    assert denied.value.response["Error"]["Code"] == "AccessDenied"


class CallRecorder:
    """Records each AWS call made with a customer session, with the API parameters it carried."""

    def __init__(self, monkeypatch):
        self.calls: list[tuple[str, str, dict]] = []
        original = clients.customer_session

        def recording_session(*args, **kwargs):
            session = original(*args, **kwargs)
            if not getattr(session, "_aichor_recorded", False):
                session.events.register("before-parameter-build.*.*", self._keep_parameters)
                session.events.register("before-call.*.*", self._record)
                session._aichor_recorded = True
            return session

        monkeypatch.setattr(clients, "customer_session", recording_session)
        clients.clear_cache()

    @staticmethod
    def _keep_parameters(params, context, **kwargs):
        context["aichor_parameters"] = dict(params)

    def _record(self, model, context, **kwargs):
        self.calls.append((model.service_model.service_name, model.name, context.get("aichor_parameters", {})))

    def actions(self) -> dict[str, set[str]]:
        """Return each IAM action the recorded calls need, with the operations that needed it."""
        found = defaultdict(set)
        for service, operation, parameters in self.calls:
            for action in iam_actions(service, operation, parameters):
                found[action].add(f"{service}.{operation}")
        return found


def declared_actions(operation) -> dict[str, set[str]]:
    """Return the actions that the operation's finished steps declare because no call reveals them."""
    found = defaultdict(set)
    plan = registry.build_plan(operation)
    for step in operation.steps.filter(status="succeeded"):
        for action in plan.step(step.key).actions:
            found[action].add(f"step {step.key}")
    return found


def reasons() -> dict[str, str]:
    """Return the written reason of every catalogue action that the EKS plans may leave unused."""
    written = dict(ACTIONS_NOT_REACHED)
    for group in CATALOGUE.groups:
        if group.key in GROUPS_FOR_OTHER_OPERATIONS:
            for action in group.actions:
                written.setdefault(action, GROUPS_FOR_OTHER_OPERATIONS[group.key])
    return written


@pytest.fixture
def call_recorder(monkeypatch):
    return CallRecorder(monkeypatch)


def run_recorded_lifecycle(call_recorder, busy_engine):
    """Delete the busy engine (created while recording) and return the actions used, with who needed each."""
    engine, _, _ = busy_engine
    creation = engine.operations.get()
    deletion = start_engine_deletion(engine, actor=Actor.operator())
    engine.refresh_from_db()
    assert creation.status == OperationStatus.SUCCEEDED
    assert engine.status == EngineStatus.DELETED, engine.status_reason

    used = call_recorder.actions()
    for operation in (creation, deletion):
        for action, needers in declared_actions(operation).items():
            used[action] |= needers
    return used


def test_create_and_delete_pass_enforcement(call_recorder, busy_engine):
    engine, _, _ = busy_engine

    run_recorded_lifecycle(call_recorder, busy_engine)

    denied = [message for operation in engine.operations.all()
              for message in operation.log_lines.values_list("message", flat=True) if "AccessDenied" in message]
    assert denied == []
    assert len(call_recorder.calls) > 100


def test_record_matches_catalogue(call_recorder, busy_engine):
    used = run_recorded_lifecycle(call_recorder, busy_engine)
    used_names = {action.lower() for action in used}
    allowed = {action.lower() for action in CATALOGUE.actions()}
    written = reasons()

    missing = {action: sorted(needers) for action, needers in used.items() if action.lower() not in allowed}
    unexplained = [action for action in CATALOGUE.actions() if action.lower() not in used_names and action not in written]
    explained_but_used = [action for action in ACTIONS_NOT_REACHED if action.lower() in used_names]
    explained_but_unknown = [action for action in ACTIONS_NOT_REACHED if action.lower() not in allowed]

    assert missing == {}
    assert unexplained == []
    assert explained_but_used == []
    assert explained_but_unknown == []
    assert set(GROUPS_FOR_OTHER_OPERATIONS) <= {group.key for group in CATALOGUE.groups}
