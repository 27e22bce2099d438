"""The sandbox AWS account: moto's server on 127.0.0.1, in its IAM authorisation mode.

After the bootstrap, every request must be signed by a known access key and is
checked against that key's IAM policies, as AWS does:

- the sandbox administrator (`aichor-sandbox-admin`) may do anything: it plays
  the customer's administrator and lets scripts inspect the account;
- the portal's own identity (`aichor-portal`) may only call `sts:AssumeRole`,
  so everything the portal does in the account goes through the customer role.

The key pairs are fixed by the caller, so they survive a reset of moto's state.
"""

import json
import logging
import os
import secrets
import string
import threading
from dataclasses import dataclass

import boto3
from botocore.config import Config
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from sandbox.ec2 import read_tags_by_resource_id
from sandbox.eks import EksCreationDelay, give_each_cluster_its_own_identity

logger = logging.getLogger(__name__)

# AWS-managed policies that the portal attaches to the roles it creates. moto can load all
# of them, but that takes about 2 s per reset, so the sandbox loads these only.
MANAGED_POLICY_NAMES = (
    "AmazonEKSClusterPolicy",
    "AmazonEKSVPCResourceController",
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore",
    "AmazonEBSCSIDriverPolicy",
    "AmazonEFSCSIDriverPolicy",
)

ACCOUNT_ID = "123456789012"
ADMIN_USER = "aichor-sandbox-admin"
PORTAL_USER = "aichor-portal"
CUSTOMER_ROLE_NAME = "AIchorPortalRole"
CUSTOMER_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/{CUSTOMER_ROLE_NAME}"
CONTROL_PREFIX = "/_sandbox/"

ALLOW_EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
ALLOW_ASSUME_ROLE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
}


@dataclass(frozen=True)
class KeyPair:
    access_key_id: str
    secret_access_key: str

    @classmethod
    def generate(cls) -> "KeyPair":
        alphabet = string.ascii_uppercase + string.digits
        key_id = "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16))
        return cls(key_id, secrets.token_urlsafe(30)[:40])


class SandboxAWS:
    """moto's server with the sandbox's two IAM users, in IAM authorisation mode."""

    def __init__(self, admin_keys: KeyPair, portal_keys: KeyPair, *, port: int = 0, host: str = "127.0.0.1"):
        self.admin_keys = admin_keys
        self.portal_keys = portal_keys
        self._host = host
        self._port = port
        self._server = None
        self._thread = None
        self._lock = threading.Lock()
        self.eks_delay = EksCreationDelay()

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        """Start the server in a thread and bootstrap the account."""
        _load_only_used_managed_policies()
        _sign_bodiless_requests_as_empty()
        _match_scoped_statements_on_unknown_resources()
        give_each_cluster_its_own_identity()
        read_tags_by_resource_id()
        _authorise_instance_profile_actions_on_the_profile()
        _deny_assuming_missing_roles()
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        moto_app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(
            self._host, self._port, self._control(moto_app), threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-aws", daemon=True)
        self._thread.start()
        self.reset()
        logger.info("Sandbox AWS started on %s", self.endpoint)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def reset(self) -> None:
        """Empty the account, then create the administrator and the portal identity again."""
        from moto import settings as moto_settings
        from moto.moto_api._internal.models import moto_api_backend

        with self._lock:
            moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
            moto_api_backend.reset()
            self.eks_delay.reset()
            self._create_user(ADMIN_USER, ALLOW_EVERYTHING, self.admin_keys)
            self._create_user(PORTAL_USER, ALLOW_ASSUME_ROLE, self.portal_keys)
            moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0

    def _create_user(self, name: str, policy: dict, keys: KeyPair) -> None:
        from moto.iam.models import iam_backends

        iam = self.client("iam", KeyPair("AKIABOOTSTRAP0000000", "bootstrap"))
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName=f"{name}-policy", PolicyDocument=json.dumps(policy))
        created = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]

        # Give the key the caller's fixed values, so that keys survive a reset.
        backend = iam_backends[ACCOUNT_ID]["aws"]
        access_key = backend.access_keys.pop(created)
        access_key.access_key_id = keys.access_key_id
        access_key.secret_access_key = keys.secret_access_key
        backend.access_keys[keys.access_key_id] = access_key

    def client(self, service: str, keys: KeyPair | None = None, region: str = "us-east-1"):
        """Return a boto3 client for this sandbox, signed with the given keys (the administrator's by default)."""
        keys = keys or self.admin_keys
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint,
            aws_access_key_id=keys.access_key_id,
            aws_secret_access_key=keys.secret_access_key,
            config=Config(retries={"max_attempts": 2, "mode": "standard"}),
        )

    def _control(self, moto_app):
        """Wrap moto's application with the sandbox's own control endpoints."""

        def application(environ, start_response):
            request = Request(environ)
            if not request.path.startswith(CONTROL_PREFIX):
                if self.eks_delay.handles(environ):
                    return self.eks_delay(moto_app, environ, start_response)
                return moto_app(environ, start_response)
            if request.method == "POST" and request.path == CONTROL_PREFIX + "reset":
                self.reset()
                response = Response(json.dumps({"reset": True}), content_type="application/json")
            elif request.method == "POST" and request.path == CONTROL_PREFIX + "eks-create-delay":
                self.eks_delay.seconds = float(request.get_json(force=True).get("seconds", 0))
                response = Response(json.dumps({"seconds": self.eks_delay.seconds}), content_type="application/json")
            else:
                response = Response(json.dumps({"error": f"unknown control path {request.path}"}), status=404)
            return response(environ, start_response)

        return application


def _load_only_used_managed_policies() -> None:
    """Make moto's IAM backends know the AWS-managed policies in MANAGED_POLICY_NAMES."""
    from moto.iam import models as iam_models

    if getattr(iam_models.IAMBackend, "_aichor_patched", False):
        return
    data = json.loads(iam_models.aws_managed_policies_data)
    used = {name: data[name] for name in MANAGED_POLICY_NAMES}

    def init_aws_policies(backend):
        return [
            iam_models.AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, document)
            for name, document in used.items()
        ]

    iam_models.IAMBackend._init_aws_policies = init_aws_policies
    iam_models.IAMBackend._aichor_patched = True


def _sign_bodiless_requests_as_empty() -> None:
    """Make moto check the signature of a request without a body against an empty payload.

    moto 5.2.5 signs the request's parsed parameters when the body is empty; for the
    GET calls of REST-JSON services (EKS's DescribeCluster, ListClusters) those are the
    headers, so every correctly signed request fails with SignatureDoesNotMatch.
    """
    from botocore.awsrequest import AWSRequest
    from moto.iam import access_control

    base = access_control.IAMRequestBase
    if getattr(base, "_aichor_patched", False):
        return
    original = base._create_aws_request

    def create_aws_request(self):
        if self._body or self._method not in ("GET", "HEAD", "DELETE"):
            return original(self)
        signed = self._get_string_between("SignedHeaders=", ",", self._headers["Authorization"]).split(";")
        headers = self._create_headers_for_aws_request(signed, self._headers)
        request = AWSRequest(method=self._method, url=self._path, data=b"", headers=headers)
        request.context["timestamp"] = headers["X-Amz-Date"]
        return request

    base._create_aws_request = create_aws_request
    base._aichor_patched = True


def _match_scoped_statements_on_unknown_resources() -> None:
    """Let a resource-scoped statement match a request whose resource moto does not know.

    moto 5.2.5 checks most requests against the resource `*`, so a statement scoped to
    `role/aichor/*` never matches and the published policy would deny what it allows.
    With this change the sandbox enforces actions exactly and resources where moto
    knows them: a pass here is necessary, not sufficient, for a pass on AWS.
    """
    from moto.iam import access_control

    statement = access_control.IAMPolicyStatement
    if getattr(statement, "_aichor_patched", False):
        return
    original = statement._check_element_matches

    def check_element_matches(self, element, value):
        # A scoped Deny stays scoped: matching it against `*` would deny everything.
        if element == "Resource" and value == "*" and self._statement.get("Effect") == "Allow":
            return True
        return original(self, element, value)

    statement._check_element_matches = check_element_matches
    statement._aichor_patched = True


# IAM authorises these actions on the instance profile, although their requests name a role.
INSTANCE_PROFILE_ACTIONS = ("AddRoleToInstanceProfile", "RemoveRoleFromInstanceProfile")


def _authorise_instance_profile_actions_on_the_profile() -> None:
    """Check AddRoleToInstanceProfile and RemoveRoleFromInstanceProfile against the instance profile.

    moto 5.2.5 checks every IAM request that carries a RoleName against that role, so a
    policy scoped to `instance-profile/aichor/*`, as the published one is, would be refused.
    """
    from moto.iam.exceptions import NotFoundException
    from moto.iam.responses import IamResponse

    if getattr(IamResponse, "_aichor_patched", False):
        return
    original = IamResponse._determine_resource

    def determine_resource(self):
        if self._get_action() not in INSTANCE_PROFILE_ACTIONS:
            return original(self)
        name = self.data.get("InstanceProfileName", [""])[0]
        try:
            return self.backend.get_instance_profile(name).arn
        except NotFoundException:
            return "*"

    IamResponse._determine_resource = determine_resource
    IamResponse._aichor_patched = True


def _deny_assuming_missing_roles() -> None:
    """Deny sts:AssumeRole on a role that does not exist, as AWS does (AccessDenied).

    moto 5.2.5 checks a role's trust policy only when the role exists, and otherwise
    hands out credentials for it, so a mistyped role ARN would look assumable.
    """
    from moto.iam.access_control import IAMRequestBase
    from moto.iam.exceptions import NotFoundException

    if getattr(IAMRequestBase, "_aichor_missing_roles_patched", False):
        return
    original = IAMRequestBase._is_assuming_role_operation

    def is_assuming_role_operation(self, resource_arn):
        if self._action == "sts:AssumeRole" and ":role" in resource_arn.lower():
            try:
                self.backend.get_role_by_arn(resource_arn)
            except NotFoundException:
                self._raise_access_denied()
        return original(self, resource_arn)

    IAMRequestBase._is_assuming_role_operation = is_assuming_role_operation
    IAMRequestBase._aichor_missing_roles_patched = True


def main() -> None:
    """Run the sandbox AWS account alone, for tests: print one JSON line with the endpoint, then serve.

    The key pairs come from the environment (`SANDBOX_ADMIN_KEYS` and
    `SANDBOX_PORTAL_KEYS`, each `KEY_ID:SECRET`). Stops on SIGTERM or end of input.
    """
    import argparse
    import os
    import signal
    import sys

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--eks-create-seconds", type=float, default=0.0,
                        help="Report each new EKS cluster CREATING for this many seconds (default 0: ACTIVE at once).")
    arguments = parser.parse_args()

    admin = KeyPair(*os.environ["SANDBOX_ADMIN_KEYS"].split(":", 1))
    portal = KeyPair(*os.environ["SANDBOX_PORTAL_KEYS"].split(":", 1))
    sandbox = SandboxAWS(admin, portal, port=arguments.port)
    sandbox.eks_delay.seconds = arguments.eks_create_seconds
    sandbox.start()
    print(json.dumps({"endpoint": sandbox.endpoint}), flush=True)

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stopped.set()), daemon=True).start()
    stopped.wait()
    sandbox.stop()


if __name__ == "__main__":
    main()
