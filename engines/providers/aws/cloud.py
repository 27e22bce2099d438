"""The AWS handle a step receives: clients in the customer role, for the operation's region."""

from engines.providers.aws import clients


class AwsCloud:
    """Clients for one operation, made once per task and signed with the customer role's session."""

    def __init__(self, operation):
        from engines.provisioning.registry import account_of

        self.account = account_of(operation)
        if operation.project_id:
            self.region = operation.project.default_engine.region
        elif operation.engine_id:
            self.region = operation.engine.region
        else:
            self.region = self.account.default_region

    @property
    def session(self):
        return clients.customer_session(self.account, self.region)

    @property
    def account_id(self) -> str:
        return self.account.aws_account_id

    @property
    def partition(self) -> str:
        return self.account.role_arn.split(":")[1] if self.account.role_arn else "aws"

    def client(self, service: str):
        return clients.client(self.session, service, self.region)

    def kubernetes(self, cluster_name: str, *, cluster: dict | None = None):
        """Return a Kubernetes client for an EKS cluster of this account and region (see kube.eks)."""
        from engines.providers.kube.eks import eks_client

        return eks_client(self, cluster_name, cluster=cluster)
