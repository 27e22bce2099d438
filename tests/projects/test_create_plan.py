"""The project create plan against the moto server and the Kubernetes stand-in.

moto stores bucket policies but ignores their conditions, so the policy is checked as
a document. Every other setting is read back through the S3, ECR, IAM and Kubernetes APIs.
"""

import json

import pytest
from django.utils import timezone

from engines.choices import OperationStatus, ResourceState
from engines.models import Operation
from engines.providers.aws import clients
from engines.provisioning import runner
from organisations.permissions import Actor
from projects import naming
from projects.kube import kube_client_for
from projects.models import ProjectStatus
from projects.services.projects import update_project_settings
from tests.engines.faults import FaultInjector, SimulatedCrash
from tests.factories import make_organisation
from tests.projects import cloud_state
from tests.projects.helpers import new_project, ready_engine

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "vault"])

CREATE_STEPS = [
    "bucket-inputs", "bucket-outputs", "registry", "storage-role", "environment-variables", "workload-role-eng-{id}",
    "namespace-eng-{id}", "service-account-eng-{id}", "environment-secret-eng-{id}", "bucket-policy",
]
# The size check of the runtime variables makes no cloud call, so no fault can be injected into it.
CLOUD_STEPS = [step for step in CREATE_STEPS if step != "environment-variables"]
RESOURCE_TYPES = {
    "bucket-inputs": "s3_bucket",
    "bucket-outputs": "s3_bucket",
    "registry": "ecr_repository",
    "storage-role": "iam_role",
    "workload-role-eng-{id}": "iam_role",
    "namespace-eng-{id}": "k8s_namespace",
    "service-account-eng-{id}": "k8s_service_account",
    "environment-secret-eng-{id}": "k8s_secret",
}


def keys_for(engine, templates) -> list[str]:
    return [template.format(id=engine.pk) for template in templates]


def run_to_end(operation: Operation) -> Operation:
    """Advance an operation as workers would, until it ends; a crashed worker's lease runs out."""
    for _ in range(60):
        try:
            runner.advance(operation.pk)
        except SimulatedCrash:
            Operation.objects.filter(pk=operation.pk).update(lease_until=timezone.now())
            continue
        operation.refresh_from_db()
        if operation.status in OperationStatus.terminal():
            return operation
    raise AssertionError(f"operation {operation.pk} still {operation.status}")


@pytest.fixture
def project(cloud, sync_tasks):
    project = new_project(cloud.organisation, cloud.engine, labels={"team": "vision"})
    project.refresh_from_db()
    return project


def test_create_reaches_ready(project, cloud):
    operation = project.operations.get()

    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert project.status == ProjectStatus.READY
    assert [step.key for step in operation.steps.all()] == keys_for(cloud.engine, CREATE_STEPS)
    expected = {key.format(id=cloud.engine.pk): kind for key, kind in RESOURCE_TYPES.items()}
    assert dict(project.resources.values_list("key", "type")) == expected
    assert set(project.resources.values_list("state", flat=True)) == {ResourceState.PRESENT}


def test_buckets_strictly_configured(project, cloud):
    s3 = cloud.aws.client("s3")

    for purpose, name in project.bucket_names().items():
        assert name == f"aichor-{project.namespace}-{purpose}"
        encryption = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
        assert encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                         "RestrictPublicBuckets": True}
        ownership = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
        assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
        assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"


def test_bucket_tags_name_project_not_engine(project, cloud):
    for name in project.bucket_names().values():
        tags = cloud_state.bucket_tags(cloud.aws, name)

        assert tags["aichor:project"] == project.tag_value
        assert tags["aichor:organisation"] == cloud.organisation.slug
        assert tags["team"] == "vision"
        assert "aichor:engine" not in tags


def test_bucket_policy_document(project, cloud):
    account = cloud.engine.cloud_account
    allowed = [
        account.role_arn,
        f"arn:aws:iam::{account.aws_account_id}:role/aichor/{naming.storage_role_name(project)}",
        f"arn:aws:iam::{account.aws_account_id}:role/aichor/{naming.workload_role_name(project, cloud.engine)}",
    ]

    for name in project.bucket_names().values():
        policy = cloud_state.bucket_policy(cloud.aws, name)
        statements = {statement["Sid"]: statement for statement in policy["Statement"]}
        resources = [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]

        tls = statements["DenyInsecureTransport"]
        assert (tls["Effect"], tls["Principal"], tls["Action"]) == ("Deny", "*", "s3:*")
        assert tls["Resource"] == resources
        assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        others = statements["DenyEveryOtherPrincipal"]
        assert (others["Effect"], others["Principal"], others["Action"]) == ("Deny", "*", "s3:*")
        assert others["Resource"] == resources
        assert others["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": allowed}}
        assert len(statements) == 2


def test_registry_configured(project, cloud):
    ecr = cloud.aws.client("ecr", "eu-west-1")

    repository = ecr.describe_repositories(repositoryNames=[project.repository_name])["repositories"][0]
    lifecycle = json.loads(ecr.get_lifecycle_policy(repositoryName=project.repository_name)["lifecyclePolicyText"])
    tags = {tag["Key"]: tag["Value"] for tag in ecr.list_tags_for_resource(
        resourceArn=repository["repositoryArn"])["tags"]}

    assert project.repository_name == f"aichor-{project.namespace}"
    assert repository["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository["encryptionConfiguration"]["encryptionType"] == "AES256"
    assert [rule["action"]["type"] for rule in lifecycle["rules"]] == ["expire", "expire"]
    assert tags["aichor:project"] == project.tag_value
    assert "aichor:engine" not in tags


def test_workload_role_trusts_service_account(project, cloud):
    iam = cloud.aws.client("iam")
    name = naming.workload_role_name(project, cloud.engine)
    provider = cloud.engine.resources.get(type="oidc_provider")
    issuer = provider.data["issuer"].removeprefix("https://")

    role = iam.get_role(RoleName=name)["Role"]
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]

    assert role["Path"] == "/aichor/"
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith(":policy/aichor/AIchorPermissionsBoundary")
    assert statement["Principal"] == {"Federated": provider.cloud_id}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"]["StringEquals"] == {
        f"{issuer}:sub": f"system:serviceaccount:{project.namespace}:aichor-workload",
        f"{issuer}:aud": "sts.amazonaws.com",
    }
    assert cloud_state.role_tags(cloud.aws, name)["aichor:project"] == project.tag_value


def test_workload_role_allows_only_project_storage(project, cloud):
    iam = cloud.aws.client("iam")
    name = naming.workload_role_name(project, cloud.engine)

    document = iam.get_role_policy(RoleName=name, PolicyName="aichor-project-access")["PolicyDocument"]
    resources = {resource for statement in document["Statement"] for resource in
                 ([statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"])}

    buckets = list(project.bucket_names().values())
    repository = f"arn:aws:ecr:eu-west-1:{cloud.engine.cloud_account.aws_account_id}:repository/{project.repository_name}"
    assert resources == {
        *(f"arn:aws:s3:::{bucket}" for bucket in buckets),
        *(f"arn:aws:s3:::{bucket}/*" for bucket in buckets),
        repository,
        "*",
    }
    wildcard = [statement for statement in document["Statement"] if statement["Resource"] == "*"]
    assert [statement["Action"] for statement in wildcard] == ["ecr:GetAuthorizationToken"]


def test_storage_role_trusts_customer_role(project, cloud):
    account = cloud.engine.cloud_account
    role = cloud.aws.client("iam").get_role(RoleName=naming.storage_role_name(project))["Role"]
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]

    assert role["Path"] == "/aichor/"
    assert statement["Principal"] == {"AWS": [
        account.role_arn, f"arn:aws:sts::{account.aws_account_id}:assumed-role/AIchorPortalRole/aichor-portal",
    ]}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": account.external_id}}
    assert role["MaxSessionDuration"] == 3600


def test_namespace_and_service_account(project, cloud):
    namespace = cloud_state.namespace(cloud.engine, project)
    account = cloud_state.service_account(cloud.engine, project)
    role_arn = project.resources.get(key=f"workload-role-eng-{cloud.engine.pk}").cloud_id

    assert namespace["metadata"]["labels"]["aichor.ai/project"] == project.tag_value
    assert namespace["metadata"]["labels"]["team"] == "vision"
    assert account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == role_arn


def test_no_acl_call(cloud, sync_tasks, monkeypatch):
    calls = []
    original = clients.customer_session

    def recording_session(*args, **kwargs):
        session = original(*args, **kwargs)
        if not getattr(session, "_acl_recorder", False):
            session.events.register("before-call.*.*", lambda model, params, **_: calls.append((model.name, params)))
            session._acl_recorder = True
        return session

    monkeypatch.setattr(clients, "customer_session", recording_session)
    clients.clear_cache()

    project = new_project(cloud.organisation, cloud.engine)

    project.refresh_from_db()
    assert project.status == ProjectStatus.READY
    names = [name for name, _ in calls]
    assert "CreateBucket" in names
    assert [name for name in names if "Acl" in name] == []
    create_calls = [params for name, params in calls if name == "CreateBucket"]
    assert all(not any(key.startswith(("ACL", "Grant")) for key in params) for params in create_calls)


def test_us_east_1_bucket_has_no_location_constraint(aws_sandbox, kube_sandbox, sync_tasks):
    organisation = make_organisation()
    engine = ready_engine(aws_sandbox, organisation, region="us-east-1")

    project = new_project(organisation, engine)

    project.refresh_from_db()
    assert project.status == ProjectStatus.READY, project.status_reason
    for name in project.bucket_names().values():
        assert aws_sandbox.client("s3").get_bucket_location(Bucket=name)["LocationConstraint"] is None


def test_rerun_after_crash_creates_no_duplicate(cloud, monkeypatch, fast_retries):
    steps = keys_for(cloud.engine, CLOUD_STEPS)
    injector = FaultInjector(monkeypatch, steps=steps, fault="crash")
    project = new_project(cloud.organisation, cloud.engine)

    operation = run_to_end(project.operations.get())

    assert sorted(injector.fired) == sorted(steps)
    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert len(cloud_state.existing_buckets(cloud.aws, project)) == 2
    assert cloud_state.existing_repositories(cloud.aws, project) == [project.repository_name]
    assert cloud_state.existing_roles(cloud.aws, project) == sorted(
        [naming.storage_role_name(project), naming.workload_role_name(project, cloud.engine)]
    )
    assert project.resources.count() == len(RESOURCE_TYPES)


def test_transient_error_in_each_step_is_retried(cloud, monkeypatch, fast_retries):
    steps = keys_for(cloud.engine, CLOUD_STEPS)
    injector = FaultInjector(monkeypatch, steps=steps, fault="transient")
    project = new_project(cloud.organisation, cloud.engine)

    operation = run_to_end(project.operations.get())

    assert sorted(injector.fired) == sorted(steps)
    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    attempts = dict(operation.steps.values_list("key", "attempts"))
    assert {step: attempts[step] for step in steps} == {step: 2 for step in steps}


def test_foreign_bucket_fails_the_step(cloud):
    project = new_project(cloud.organisation, cloud.engine)
    name = project.bucket_names()["inputs"]
    cloud.aws.client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})

    operation = run_to_end(project.operations.get())

    assert operation.status == OperationStatus.FAILED
    assert name in operation.failure_reason
    assert "aichor:project" in operation.failure_reason
    assert cloud_state.bucket_policy_or_none(cloud.aws, name) is None


def test_bucket_tagged_for_project_is_adopted(cloud):
    project = new_project(cloud.organisation, cloud.engine)
    name = project.bucket_names()["inputs"]
    s3 = cloud.aws.client("s3")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "aichor:project", "Value": project.tag_value}]})

    operation = run_to_end(project.operations.get())

    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert "Adopted" in operation.steps.get(key="bucket-inputs").detail


def test_foreign_namespace_fails_the_step(cloud):
    project = new_project(cloud.organisation, cloud.engine)
    kube_client_for(cloud.engine).apply({"apiVersion": "v1", "kind": "Namespace",
                                         "metadata": {"name": project.namespace, "labels": {"owner": "someone"}}})

    operation = run_to_end(project.operations.get())

    assert operation.status == OperationStatus.FAILED
    assert operation.steps.get(key=f"namespace-eng-{cloud.engine.pk}").error_code == "NamespaceNotOwned"
    assert "owner" in cloud_state.namespace(cloud.engine, project)["metadata"]["labels"]


def test_changed_labels_reach_tags_and_namespace(project, cloud):
    update_project_settings(project, actor=Actor.operator(), description="", repository_url=project.repository_url,
                            labels={"stage": "prod"})

    project.refresh_from_db()
    reconcile = project.operations.order_by("-id").first()
    assert reconcile.kind == "reconcile"
    assert reconcile.status == OperationStatus.SUCCEEDED, reconcile.failure_reason
    tags = cloud_state.bucket_tags(cloud.aws, project.bucket_names()["inputs"])
    assert tags["stage"] == "prod"
    assert "team" not in tags
    labels = cloud_state.namespace(cloud.engine, project)["metadata"]["labels"]
    assert labels["stage"] == "prod"
    assert "team" not in labels
    role_tags = cloud_state.role_tags(cloud.aws, naming.storage_role_name(project))
    assert role_tags["stage"] == "prod"
    assert "team" not in role_tags
