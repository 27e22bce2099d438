"""Helpers for project tests: a Ready EKS engine in the sandbox, and a project created on it.

The engine's cluster and IAM OIDC provider are made in moto by the sandbox administrator
and recorded in the engine's inventory as the EKS plan records them, so that these tests
exercise the project plans alone.
"""

from engines.choices import EngineStatus, ResourceState
from engines.models import EngineResource
from organisations.permissions import Actor
from projects.services.projects import create_project
from tests.engines.helpers import make_sandbox_account
from tests.factories import make_engine

REPOSITORY = "https://github.com/acme/research"
OIDC_THUMBPRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"


def ready_engine(aws_sandbox, organisation, *, account=None, name: str = "research", region: str = "eu-west-1"):
    """Create a Ready EKS engine whose cluster and OIDC provider exist in the sandbox account."""
    account = account or make_sandbox_account(organisation, region=region)
    eks = aws_sandbox.client("eks", region)
    cluster = eks.create_cluster(
        name=name,
        roleArn=f"arn:aws:iam::{account.aws_account_id}:role/aichor/{name}-cluster",
        resourcesVpcConfig={"subnetIds": []},
    )["cluster"]
    issuer = cluster["identity"]["oidc"]["issuer"]
    provider_arn = aws_sandbox.client("iam").create_open_id_connect_provider(
        Url=issuer, ClientIDList=["sts.amazonaws.com"], ThumbprintList=[OIDC_THUMBPRINT]
    )["OpenIDConnectProviderArn"]

    engine = make_engine(account, name=name, region=region, status=EngineStatus.READY)
    EngineResource.objects.create(
        engine=engine, key="eks-cluster", type="eks_cluster", cloud_id=cluster["arn"], state=ResourceState.PRESENT,
        region=region, data={"name": name, "endpoint": cluster["endpoint"], "oidc_issuer": issuer},
    )
    EngineResource.objects.create(
        engine=engine, key="oidc-provider", type="oidc_provider", cloud_id=provider_arn, state=ResourceState.PRESENT,
        region=region, data={"issuer": issuer},
    )
    return engine


def new_project(organisation, engine, *, name: str = "Vision", actor=None, engines=None, **fields):
    """Create a project whose default engine is `engine`, through the service."""
    fields.setdefault("repository_url", REPOSITORY)
    return create_project(
        organisation, actor=actor or Actor.operator(), name=name, engines=engines or [engine], default_engine=engine,
        **fields,
    )
