"""Kubernetes API stand-in, exercised through the official `kubernetes` client."""

import base64
import json
import time

import boto3
import pytest
import requests
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient

from sandbox.kube import JobOutcome, KubeSandbox, encode_eks_token, karpenter_crds

TOKEN = "static-sandbox-token"


@pytest.fixture
def sandbox():
    kube = KubeSandbox().start()
    yield kube
    kube.stop()


@pytest.fixture
def cluster(sandbox):
    return sandbox.add_cluster("test-cluster", token=TOKEN, region="eu-west-1")


def api_client(sandbox, key="test-cluster", token=TOKEN):
    configuration = client.Configuration(host=sandbox.cluster_url(key), api_key={"authorization": f"Bearer {token}"})
    return client.ApiClient(configuration)


@pytest.fixture
def core(sandbox, cluster):
    return client.CoreV1Api(api_client(sandbox))


@pytest.fixture
def dynamic(sandbox, cluster, tmp_path):
    return DynamicClient(api_client(sandbox), cache_file=str(tmp_path / "discovery.json"))


def create_namespace(core, name, labels=None):
    return core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name, labels=labels)))


def status_body(error: ApiException) -> dict:
    return json.loads(error.body)


def deployment_manifest(replicas, image="nginx:1.27"):
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "apps", "labels": {"app": "web"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "web", "image": image}]}},
        },
    }


def presigned_eks_token(cluster_name="test-cluster", expires_in=60):
    """Build an EKS token the way aws-iam-authenticator clients do, signed offline with fake keys."""
    session = boto3.session.Session(aws_access_key_id="AKIDSANDBOXEXAMPLE", aws_secret_access_key="sandbox-secret",
                                    region_name="us-east-1")
    sts = session.client("sts", endpoint_url="https://sts.us-east-1.amazonaws.com")

    def add_cluster_header(request, **kwargs):
        request.headers["x-k8s-aws-id"] = cluster_name

    sts.meta.events.register("before-sign.sts.GetCallerIdentity", add_cluster_header)
    url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=expires_in, HttpMethod="GET")
    return encode_eks_token(url)


# Namespaces, errors and basic verbs


def test_namespace_create_get_list_delete(core):
    created = create_namespace(core, "team-a")
    assert created.metadata.uid
    assert created.metadata.resource_version
    assert created.metadata.creation_timestamp is not None
    assert created.status.phase == "Active"

    fetched = core.read_namespace("team-a")
    assert fetched.metadata.uid == created.metadata.uid

    names = [ns.metadata.name for ns in core.list_namespace().items]
    assert "team-a" in names
    assert "default" in names

    core.delete_namespace("team-a")
    with pytest.raises(ApiException) as error:
        core.read_namespace("team-a")
    assert error.value.status == 404


def test_resource_versions_increase(core):
    first = create_namespace(core, "first")
    second = create_namespace(core, "second")
    patched = core.patch_namespace("first", {"metadata": {"labels": {"tier": "gold"}}})
    assert int(first.metadata.resource_version) < int(second.metadata.resource_version)
    assert int(second.metadata.resource_version) < int(patched.metadata.resource_version)
    assert patched.metadata.labels["tier"] == "gold"


def test_duplicate_create_is_already_exists(core):
    create_namespace(core, "dup")
    with pytest.raises(ApiException) as error:
        create_namespace(core, "dup")
    assert error.value.status == 409
    assert error.value.reason == "Conflict"
    body = status_body(error.value)
    assert body["kind"] == "Status"
    assert body["apiVersion"] == "v1"
    assert body["status"] == "Failure"
    assert body["reason"] == "AlreadyExists"
    assert body["message"] == 'namespaces "dup" already exists'
    assert body["details"] == {"name": "dup", "kind": "namespaces"}
    assert body["code"] == 409


def test_missing_deployment_is_not_found(sandbox, cluster):
    apps = client.AppsV1Api(api_client(sandbox))
    with pytest.raises(ApiException) as error:
        apps.read_namespaced_deployment("absent", "default")
    assert error.value.status == 404
    body = status_body(error.value)
    assert body["reason"] == "NotFound"
    assert body["message"] == 'deployments.apps "absent" not found'
    assert body["details"] == {"name": "absent", "group": "apps", "kind": "deployments"}


def test_delete_missing_is_not_found(core):
    with pytest.raises(ApiException) as error:
        core.delete_namespaced_config_map("absent", "default")
    assert error.value.status == 404
    assert status_body(error.value)["reason"] == "NotFound"


def test_create_in_missing_namespace_is_not_found(core):
    with pytest.raises(ApiException) as error:
        core.create_namespaced_config_map("nowhere", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cm")))
    assert error.value.status == 404
    assert status_body(error.value)["message"] == 'namespaces "nowhere" not found'


def test_invalid_name_is_unprocessable(core):
    with pytest.raises(ApiException) as error:
        create_namespace(core, "Not_A_Label")
    assert error.value.status == 422
    body = status_body(error.value)
    assert body["reason"] == "Invalid"
    assert body["details"]["causes"][0]["field"] == "metadata.name"


def test_protected_namespace_delete_is_forbidden(core):
    with pytest.raises(ApiException) as error:
        core.delete_namespace("kube-system")
    assert error.value.status == 403
    assert core.read_namespace("kube-system").status.phase == "Active"


def test_unknown_cluster_is_not_found(sandbox):
    response = requests.get(f"{sandbox.url}/clusters/ghost/api/v1/namespaces",
                            headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert response.status_code == 404
    assert response.json()["kind"] == "Status"
    assert response.json()["reason"] == "NotFound"


def test_unknown_resource_path_is_not_found(sandbox, cluster):
    response = requests.get(f"{sandbox.cluster_url('test-cluster')}/apis/example.com/v1/widgets",
                            headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert response.status_code == 404
    assert response.json()["message"] == "the server could not find the requested resource"


def test_new_namespace_has_default_service_account(core):
    create_namespace(core, "fresh")
    accounts = [sa.metadata.name for sa in core.list_namespaced_service_account("fresh").items]
    assert accounts == ["default"]


def test_list_by_label_selector(core):
    for name, team in (("ns-a", "red"), ("ns-b", "blue"), ("ns-c", "red")):
        create_namespace(core, name, labels={"team": team, "managed-by": "aichor"})

    red = [ns.metadata.name for ns in core.list_namespace(label_selector="team=red").items]
    assert red == ["ns-a", "ns-c"]

    both = core.list_namespace(label_selector="managed-by=aichor,team!=red").items
    assert [ns.metadata.name for ns in both] == ["ns-b"]

    in_set = core.list_namespace(label_selector="team in (blue, green)").items
    assert [ns.metadata.name for ns in in_set] == ["ns-b"]

    unlabelled = core.list_namespace(label_selector="!team").items
    assert "default" in [ns.metadata.name for ns in unlabelled]


def test_list_by_field_selector(core):
    create_namespace(core, "picked")
    found = core.list_namespace(field_selector="metadata.name=picked").items
    assert [ns.metadata.name for ns in found] == ["picked"]


def test_replace_with_stale_resource_version_conflicts(core):
    create_namespace(core, "cm-home")
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="settings"), data={"a": "1"})
    created = core.create_namespaced_config_map("cm-home", body)

    created.data = {"a": "2"}
    replaced = core.replace_namespaced_config_map("settings", "cm-home", created)
    assert replaced.data == {"a": "2"}

    created.data = {"a": "3"}
    with pytest.raises(ApiException) as error:
        core.replace_namespaced_config_map("settings", "cm-home", created)
    assert error.value.status == 409
    assert status_body(error.value)["reason"] == "Conflict"


def test_json_patch_and_merge_patch(core):
    create_namespace(core, "patching")
    core.create_namespaced_config_map(
        "patching", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cm"), data={"keep": "1", "drop": "2"}))

    merged = core.patch_namespaced_config_map("cm", "patching", {"data": {"drop": None, "new": "3"}})
    assert merged.data == {"keep": "1", "new": "3"}

    operations = [{"op": "replace", "path": "/data/keep", "value": "9"}]
    patched = core.patch_namespaced_config_map("cm", "patching", operations,
                                               _content_type="application/json-patch+json")
    assert patched.data == {"keep": "9", "new": "3"}


# Workloads and server-side apply


def test_apply_creates_then_updates_deployment(sandbox, cluster, dynamic, core):
    create_namespace(core, "apps")
    deployments = dynamic.resources.get(api_version="apps/v1", kind="Deployment")

    created = dynamic.server_side_apply(deployments, body=deployment_manifest(2), namespace="apps",
                                        field_manager="aichor-portal")
    assert created.metadata.uid
    assert created.spec.replicas == 2
    assert created.status.availableReplicas == 2
    available = [c for c in created.status.conditions if c.type == "Available"]
    assert available[0].status == "True"

    updated = dynamic.server_side_apply(deployments, body=deployment_manifest(3, "nginx:1.28"), namespace="apps",
                                        field_manager="aichor-portal")
    assert updated.metadata.uid == created.metadata.uid
    assert updated.spec.replicas == 3
    assert updated.spec.template.spec.containers[0].image == "nginx:1.28"
    assert updated.status.availableReplicas == 3
    assert updated.metadata.generation == 2

    apply_calls = [r for r in cluster.requests_for(verb="patch", resource="deployments")]
    assert [r.query.get("fieldManager") for r in apply_calls] == ["aichor-portal", "aichor-portal"]
    assert {r.content_type for r in apply_calls} == {"application/apply-patch+yaml"}
    assert [r.status for r in apply_calls] == [201, 200]


def test_typed_client_reads_applied_deployment(sandbox, cluster, core):
    create_namespace(core, "apps")
    apps = client.AppsV1Api(api_client(sandbox))
    apps.patch_namespaced_deployment("web", "apps", deployment_manifest(1), field_manager="aichor-portal",
                                     _content_type="application/apply-patch+yaml")

    deployment = apps.read_namespaced_deployment("web", "apps")
    assert deployment.status.available_replicas == 1
    assert deployment.status.ready_replicas == 1
    conditions = {c.type: c.status for c in deployment.status.conditions}
    assert conditions == {"Available": "True", "Progressing": "True"}


def test_apply_yaml_body_through_call_api(sandbox, cluster, core):
    create_namespace(core, "apps")
    api = api_client(sandbox)
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\n  namespace: apps\ndata:\n  key: value\n"
    response = api.call_api(
        "PATCH", f"{sandbox.cluster_url('test-cluster')}/api/v1/namespaces/apps/configmaps/from-yaml"
                 "?fieldManager=aichor-portal",
        header_params={"Content-Type": "application/apply-patch+yaml",
                       "Authorization": f"Bearer {TOKEN}"},
        body=body)
    response.read()
    assert response.status == 201
    assert core.read_namespaced_config_map("from-yaml", "apps").data == {"key": "value"}


def test_apply_removes_fields_the_manager_dropped(sandbox, cluster, core):
    create_namespace(core, "apps")
    manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "apps"},
                "data": {"a": "1", "b": "2"}}
    cluster.apply_object(manifest, field_manager="aichor-portal")
    manifest["data"] = {"a": "1"}
    cluster.apply_object(manifest, field_manager="aichor-portal")
    assert core.read_namespaced_config_map("cm", "apps").data == {"a": "1"}


def test_apply_conflict_between_managers(sandbox, cluster, dynamic, core):
    create_namespace(core, "apps")
    deployments = dynamic.resources.get(api_version="apps/v1", kind="Deployment")
    dynamic.server_side_apply(deployments, body=deployment_manifest(2), namespace="apps", field_manager="portal")

    with pytest.raises(ApiException) as error:
        dynamic.server_side_apply(deployments, body=deployment_manifest(5), namespace="apps",
                                  field_manager="someone-else")
    assert error.value.status == 409
    body = status_body(error.value)
    assert body["reason"] == "Conflict"
    assert '"portal": .spec.replicas' in body["message"]

    forced = dynamic.server_side_apply(deployments, body=deployment_manifest(5), namespace="apps",
                                       field_manager="someone-else", force_conflicts=True)
    assert forced.spec.replicas == 5


def test_apply_without_field_manager_is_rejected(sandbox, cluster, core):
    create_namespace(core, "apps")
    apps = client.AppsV1Api(api_client(sandbox))
    with pytest.raises(ApiException) as error:
        apps.patch_namespaced_deployment("web", "apps", deployment_manifest(1),
                                         _content_type="application/apply-patch+yaml")
    assert error.value.status == 422


def test_delete_deployment_returns_success_status(sandbox, cluster, core):
    create_namespace(core, "apps")
    apps = client.AppsV1Api(api_client(sandbox))
    apps.create_namespaced_deployment("apps", deployment_manifest(1))
    status = apps.delete_namespaced_deployment("web", "apps")
    assert status["kind"] == "Status"
    assert status["status"] == "Success"
    assert status["details"]["name"] == "web"
    assert status["details"]["group"] == "apps"
    assert apps.list_namespaced_deployment("apps").items == []


def test_delete_collection_by_label(core):
    for name, app in (("a", "x"), ("b", "x"), ("c", "y")):
        core.create_namespaced_config_map("default", client.V1ConfigMap(
            metadata=client.V1ObjectMeta(name=name, labels={"app": app})))
    core.delete_collection_namespaced_config_map("default", label_selector="app=x")
    remaining = [cm.metadata.name for cm in core.list_namespaced_config_map("default").items]
    assert remaining == ["c", "kube-root-ca.crt"]


def test_dry_run_create_stores_nothing(core):
    created = core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="dry")), dry_run="All")
    assert created.metadata.name == "dry"
    with pytest.raises(ApiException) as error:
        core.read_namespace("dry")
    assert error.value.status == 404


def test_self_subject_access_review_is_allowed(sandbox, cluster):
    review = client.V1SelfSubjectAccessReview(spec=client.V1SelfSubjectAccessReviewSpec(
        resource_attributes=client.V1ResourceAttributes(verb="create", resource="namespaces")))
    answered = client.AuthorizationV1Api(api_client(sandbox)).create_self_subject_access_review(review)
    assert answered.status.allowed is True


def test_watch_is_rejected(core):
    with pytest.raises(ApiException) as error:
        core.list_namespace(watch=True)
    assert error.value.status == 405


def test_malformed_json_body_is_bad_request(sandbox, cluster):
    response = requests.post(f"{sandbox.cluster_url('test-cluster')}/api/v1/namespaces", data="{not json",
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert response.status_code == 400
    assert response.json()["reason"] == "BadRequest"


def test_load_balancer_service_gets_hostname(core, cluster):
    create_namespace(core, "ingress")
    service = client.V1Service(
        metadata=client.V1ObjectMeta(name="gateway"),
        spec=client.V1ServiceSpec(type="LoadBalancer", selector={"app": "gw"},
                                  ports=[client.V1ServicePort(port=443, target_port=8443)]))
    core.create_namespaced_service("ingress", service)

    stored = core.read_namespaced_service("gateway", "ingress")
    hostname = stored.status.load_balancer.ingress[0].hostname
    assert hostname.startswith("gateway-")
    assert hostname.endswith(".elb.eu-west-1.amazonaws.com")
    assert stored.spec.cluster_ip.startswith("10.100.")
    assert 30000 <= stored.spec.ports[0].node_port <= 32767

    core.patch_namespaced_service("gateway", "ingress", {"metadata": {"labels": {"x": "y"}}})
    again = core.read_namespaced_service("gateway", "ingress")
    assert again.status.load_balancer.ingress[0].hostname == hostname


def test_hostname_factory_sets_load_balancer_address(sandbox):
    def hostname_factory(service):
        return f"k8s-{service['metadata']['name']}-abc123.elb.us-east-1.amazonaws.com"

    sandbox.add_cluster("lb-cluster", token=TOKEN, hostname_factory=hostname_factory)
    core = client.CoreV1Api(api_client(sandbox, "lb-cluster"))
    service = client.V1Service(metadata=client.V1ObjectMeta(name="nlb"),
                               spec=client.V1ServiceSpec(type="LoadBalancer", ports=[client.V1ServicePort(port=80)]))
    created = core.create_namespaced_service("default", service)
    assert created.status.load_balancer.ingress[0].hostname == "k8s-nlb-abc123.elb.us-east-1.amazonaws.com"


def test_hostname_factory_may_return_ip_entry(sandbox):
    sandbox.add_cluster("gke", token=TOKEN, hostname_factory=lambda service: {"ip": "34.120.0.10"})
    core = client.CoreV1Api(api_client(sandbox, "gke"))
    service = client.V1Service(metadata=client.V1ObjectMeta(name="lb"),
                               spec=client.V1ServiceSpec(type="LoadBalancer", ports=[client.V1ServicePort(port=80)]))
    ingress = core.create_namespaced_service("default", service).status.load_balancer.ingress[0]
    assert ingress.ip == "34.120.0.10"
    assert ingress.hostname is None


def test_cluster_ip_service_has_no_ingress(core):
    service = client.V1Service(metadata=client.V1ObjectMeta(name="internal"),
                               spec=client.V1ServiceSpec(ports=[client.V1ServicePort(port=80)]))
    created = core.create_namespaced_service("default", service)
    assert created.spec.type == "ClusterIP"
    assert created.status.load_balancer.ingress is None


def test_job_completes_with_hooked_log(sandbox, cluster, core):
    seen = []

    def probe_outcome(hooked_cluster, job):
        seen.append((hooked_cluster.key, job["metadata"]["name"]))
        if job["metadata"]["name"] == "egress-probe":
            return JobOutcome(succeeded=True, log="reached https://example.com: 200\n")
        return None

    cluster.on_job_created(probe_outcome)
    create_namespace(core, "probes")
    batch = client.BatchV1Api(api_client(sandbox))
    job = client.V1Job(metadata=client.V1ObjectMeta(name="egress-probe"),
                       spec=client.V1JobSpec(template=client.V1PodTemplateSpec(
                           spec=client.V1PodSpec(restart_policy="Never",
                                                 containers=[client.V1Container(name="probe", image="curl")]))))
    batch.create_namespaced_job("probes", job)

    stored = batch.read_namespaced_job("egress-probe", "probes")
    assert stored.status.succeeded == 1
    assert {c.type: c.status for c in stored.status.conditions}["Complete"] == "True"
    assert seen == [("test-cluster", "egress-probe")]

    pods = core.list_namespaced_pod("probes", label_selector="job-name=egress-probe").items
    assert len(pods) == 1
    assert pods[0].status.phase == "Succeeded"
    log = core.read_namespaced_pod_log(pods[0].metadata.name, "probes")
    assert log == "reached https://example.com: 200\n"


def test_failed_job_reports_failed_condition(sandbox, cluster, core):
    cluster.on_job_created(lambda hooked_cluster, job: JobOutcome(succeeded=False, log="blocked\n"))
    batch = client.BatchV1Api(api_client(sandbox))
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "probe"},
           "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}}
    batch.create_namespaced_job("default", job)
    stored = batch.read_namespaced_job("probe", "default")
    assert stored.status.failed == 1
    assert {c.type: c.status for c in stored.status.conditions}["Failed"] == "True"

    batch.delete_namespaced_job("probe", "default", propagation_policy="Background")
    assert core.list_namespaced_pod("default", label_selector="job-name=probe").items == []


def test_namespace_deletion_cascades(sandbox, cluster, core):
    create_namespace(core, "doomed")
    core.create_namespaced_config_map("doomed", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cm")))
    core.create_namespaced_secret("doomed", client.V1Secret(metadata=client.V1ObjectMeta(name="s"),
                                                            string_data={"k": "v"}))
    rbac = client.RbacAuthorizationV1Api(api_client(sandbox))
    rbac.create_namespaced_role("doomed", client.V1Role(metadata=client.V1ObjectMeta(name="reader"), rules=[]))
    create_namespace(core, "survivor")
    core.create_namespaced_config_map("survivor", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cm")))

    response = core.delete_namespace("doomed")
    assert response is not None

    assert cluster.list_objects("v1", "configmaps", "doomed") == []
    assert cluster.list_objects("v1", "secrets", "doomed") == []
    assert cluster.list_objects("rbac.authorization.k8s.io/v1", "roles", "doomed") == []
    assert cluster.list_objects("v1", "serviceaccounts", "doomed") == []
    assert [cm.metadata.name for cm in core.list_namespaced_config_map("survivor").items] == [
        "cm", "kube-root-ca.crt"]


def test_secret_string_data_is_encoded(core):
    core.create_namespaced_secret("default", client.V1Secret(metadata=client.V1ObjectMeta(name="creds"),
                                                             string_data={"password": "hunter2"}))
    secret = core.read_namespaced_secret("creds", "default")
    assert secret.data == {"password": "aHVudGVyMg=="}
    assert secret.type == "Opaque"


def test_cluster_scoped_rbac_and_storage(sandbox, cluster):
    rbac = client.RbacAuthorizationV1Api(api_client(sandbox))
    role = client.V1ClusterRole(metadata=client.V1ObjectMeta(name="aichor:reader"),
                                rules=[client.V1PolicyRule(api_groups=[""], resources=["pods"], verbs=["get"])])
    rbac.create_cluster_role(role)
    binding = client.V1ClusterRoleBinding(
        metadata=client.V1ObjectMeta(name="aichor:reader"),
        role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name="aichor:reader"),
        subjects=[client.RbacV1Subject(kind="ServiceAccount", name="default", namespace="default")])
    rbac.create_cluster_role_binding(binding)
    assert rbac.read_cluster_role_binding("aichor:reader").role_ref.name == "aichor:reader"

    storage = client.StorageV1Api(api_client(sandbox))
    storage.create_storage_class(client.V1StorageClass(metadata=client.V1ObjectMeta(name="gp3"),
                                                       provisioner="ebs.csi.aws.com"))
    assert [sc.metadata.name for sc in storage.list_storage_class().items] == ["gp3"]


def test_service_account_token_request_authenticates(sandbox, cluster, core):
    core.create_namespaced_service_account("default", client.V1ServiceAccount(
        metadata=client.V1ObjectMeta(name="portal")))
    request = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[],
                                                                                expiration_seconds=3600))
    issued = core.create_namespaced_service_account_token("portal", "default", request)
    token = issued.status.token

    as_account = client.CoreV1Api(api_client(sandbox, token=token))
    assert as_account.read_namespace("default").metadata.name == "default"

    sandbox.clock.advance(3601)
    with pytest.raises(ApiException) as error:
        as_account.read_namespace("default")
    assert error.value.status == 401


def test_service_account_token_secret_authenticates(sandbox, cluster, core):
    core.create_namespaced_service_account("default", client.V1ServiceAccount(
        metadata=client.V1ObjectMeta(name="portal")))
    secret = client.V1Secret(type="kubernetes.io/service-account-token", metadata=client.V1ObjectMeta(
        name="portal-token", annotations={"kubernetes.io/service-account.name": "portal"}))
    core.create_namespaced_secret("default", secret)

    stored = core.read_namespaced_secret("portal-token", "default")
    assert set(stored.data) == {"token", "namespace", "ca.crt"}
    token = base64.b64decode(stored.data["token"]).decode()
    as_account = client.CoreV1Api(api_client(sandbox, token=token))
    assert as_account.read_namespace("default").metadata.name == "default"


# Custom resources


def test_custom_objects_after_crd_creation(sandbox, cluster):
    extensions = client.ApiextensionsV1Api(api_client(sandbox))
    for crd in karpenter_crds():
        extensions.create_custom_resource_definition(crd)
    custom = client.CustomObjectsApi(api_client(sandbox))

    node_pool = {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "default"},
                 "spec": {"template": {"spec": {"nodeClassRef": {"group": "karpenter.k8s.aws",
                                                                 "kind": "EC2NodeClass", "name": "default"}}}}}
    created = custom.create_cluster_custom_object("karpenter.sh", "v1", "nodepools", node_pool)
    assert created["metadata"]["uid"]

    node_class = {"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass", "metadata": {"name": "default"},
                  "spec": {"role": "KarpenterNodeRole-test", "amiSelectorTerms": [{"alias": "al2023@latest"}]}}
    custom.create_cluster_custom_object("karpenter.k8s.aws", "v1", "ec2nodeclasses", node_class)

    patched = custom.patch_cluster_custom_object("karpenter.sh", "v1", "nodepools", "default",
                                                 {"spec": {"limits": {"cpu": "100"}}})
    assert patched["spec"]["limits"] == {"cpu": "100"}
    listed = custom.list_cluster_custom_object("karpenter.k8s.aws", "v1", "ec2nodeclasses")
    assert [item["metadata"]["name"] for item in listed["items"]] == ["default"]

    with pytest.raises(ApiException) as error:
        custom.create_cluster_custom_object("karpenter.sh", "v1", "nodepools", node_pool)
    assert status_body(error.value)["details"] == {"name": "default", "group": "karpenter.sh", "kind": "nodepools"}

    custom.delete_cluster_custom_object("karpenter.sh", "v1", "nodepools", "default")
    assert custom.list_cluster_custom_object("karpenter.sh", "v1", "nodepools")["items"] == []


def test_custom_object_status_subresource(sandbox):
    sandbox.add_cluster("karpenter", token=TOKEN, objects=karpenter_crds())
    custom = client.CustomObjectsApi(api_client(sandbox, "karpenter"))
    node_pool = {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "gpu"},
                 "spec": {"weight": 1}, "status": {"ignored": "on create"}}
    created = custom.create_cluster_custom_object("karpenter.sh", "v1", "nodepools", node_pool)
    assert "status" not in created

    custom.patch_cluster_custom_object_status("karpenter.sh", "v1", "nodepools", "gpu",
                                              {"status": {"nodes": 2}})
    custom.patch_cluster_custom_object("karpenter.sh", "v1", "nodepools", "gpu",
                                       {"spec": {"weight": 5}, "status": {"nodes": 99}})
    stored = custom.get_cluster_custom_object("karpenter.sh", "v1", "nodepools", "gpu")
    assert stored["spec"]["weight"] == 5
    assert stored["status"] == {"nodes": 2}
    assert stored["metadata"]["generation"] == 2


def test_namespaced_custom_object_of_any_crd(sandbox, cluster):
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "widgets.example.com"},
           "spec": {"group": "example.com", "scope": "Namespaced",
                    "names": {"kind": "Widget", "plural": "widgets"},
                    "versions": [{"name": "v1alpha1", "served": True, "storage": True}]}}
    cluster.create_object(crd)
    custom = client.CustomObjectsApi(api_client(sandbox))
    widget = {"apiVersion": "example.com/v1alpha1", "kind": "Widget", "metadata": {"name": "w1", "labels": {"a": "b"}},
              "spec": {"size": 3}}
    custom.create_namespaced_custom_object("example.com", "v1alpha1", "default", "widgets", widget)
    listed = custom.list_namespaced_custom_object("example.com", "v1alpha1", "default", "widgets", label_selector="a=b")
    assert [item["spec"]["size"] for item in listed["items"]] == [3]

    extensions = client.ApiextensionsV1Api(api_client(sandbox))
    extensions.delete_custom_resource_definition("widgets.example.com")
    with pytest.raises(ApiException) as error:
        custom.list_namespaced_custom_object("example.com", "v1alpha1", "default", "widgets")
    assert error.value.status == 404


def test_seeded_karpenter_crds_in_discovery(sandbox, tmp_path):
    sandbox.add_cluster("karpenter", token=TOKEN, objects=karpenter_crds())
    dynamic = DynamicClient(api_client(sandbox, "karpenter"), cache_file=str(tmp_path / "discovery.json"))
    node_classes = dynamic.resources.get(api_version="karpenter.k8s.aws/v1", kind="EC2NodeClass")
    assert node_classes.namespaced is False

    manifest = {"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass", "metadata": {"name": "default"},
                "spec": {"role": "node-role"}}
    applied = dynamic.server_side_apply(node_classes, body=manifest, field_manager="aichor-portal")
    assert applied.spec.role == "node-role"
    crd = dynamic.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
    established = dynamic.get(crd, name="nodepools.karpenter.sh").status.conditions
    assert {c.type: c.status for c in established}["Established"] == "True"


def test_discovery_documents(sandbox, cluster):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    base = sandbox.cluster_url("test-cluster")
    assert requests.get(f"{base}/api", headers=headers, timeout=5).json()["versions"] == ["v1"]
    groups = {g["name"] for g in requests.get(f"{base}/apis", headers=headers, timeout=5).json()["groups"]}
    assert {"apps", "batch", "rbac.authorization.k8s.io", "storage.k8s.io", "apiextensions.k8s.io"} <= groups
    core_resources = requests.get(f"{base}/api/v1", headers=headers, timeout=5).json()["resources"]
    namespaces = [r for r in core_resources if r["name"] == "namespaces"][0]
    assert namespaces["namespaced"] is False
    assert namespaces["kind"] == "Namespace"
    version = client.VersionApi(api_client(sandbox)).get_code()
    assert version.major == "1"


# Authentication


def test_eks_token_is_accepted(sandbox):
    sandbox.add_cluster("eks", eks=True)
    core = client.CoreV1Api(api_client(sandbox, "eks", presigned_eks_token("eks")))
    assert core.read_namespace("default").metadata.name == "default"


@pytest.mark.parametrize("token", [
    "not-an-eks-token",
    "k8s-aws-v1.",
    "k8s-aws-v1.!!!",
    encode_eks_token("https://sts.amazonaws.com/?Action=GetCallerIdentity") + "=",
    encode_eks_token("http://sts.amazonaws.com/?Action=GetCallerIdentity&X-Amz-Signature=a&X-Amz-Credential=c"
                     "&X-Amz-Date=20990101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"),
    encode_eks_token("https://sts.amazonaws.com/?Action=ListUsers&X-Amz-Signature=a&X-Amz-Credential=c"
                     "&X-Amz-Date=20990101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"),
    encode_eks_token("https://sts.amazonaws.com/?Action=GetCallerIdentity&X-Amz-Credential=c"
                     "&X-Amz-Date=20990101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"),
    encode_eks_token("https://sts.amazonaws.com/?Action=GetCallerIdentity&X-Amz-Signature=a&X-Amz-Credential=c"
                     "&X-Amz-Date=20990101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host"),
    encode_eks_token("https://evil.example.com/?Action=GetCallerIdentity&X-Amz-Signature=a&X-Amz-Credential=c"
                     "&X-Amz-Date=20990101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"),
], ids=["no-prefix", "empty", "not-base64url", "padded", "http", "wrong-action", "no-signature",
        "header-not-signed", "not-sts-host"])
def test_eks_token_shape_is_rejected(sandbox, token):
    eks = sandbox.add_cluster("eks", eks=True)
    core = client.CoreV1Api(api_client(sandbox, "eks", token))
    with pytest.raises(ApiException) as error:
        core.read_namespace("default")
    assert error.value.status == 401
    body = status_body(error.value)
    assert body["reason"] == "Unauthorized"
    assert body["kind"] == "Status"
    assert eks.requests[-1].status == 401
    assert eks.requests[-1].auth_error


def test_expired_eks_token_is_rejected(sandbox):
    eks = sandbox.add_cluster("eks", eks=True)
    core = client.CoreV1Api(api_client(sandbox, "eks", presigned_eks_token("eks", expires_in=60)))
    core.read_namespace("default")

    sandbox.clock.advance(61)
    with pytest.raises(ApiException) as error:
        core.read_namespace("default")
    assert error.value.status == 401
    assert "expired" in eks.requests[-1].auth_error


def test_static_token_rejects_other_tokens(sandbox, cluster):
    core = client.CoreV1Api(api_client(sandbox, token="wrong"))
    with pytest.raises(ApiException) as error:
        core.list_namespace()
    assert error.value.status == 401


def test_missing_authorization_is_unauthorized(sandbox, cluster):
    response = requests.get(f"{sandbox.cluster_url('test-cluster')}/api/v1/namespaces", timeout=5)
    assert response.status_code == 401
    assert response.json()["reason"] == "Unauthorized"


def test_forced_unauthorized_lets_client_renew_token(sandbox, cluster):
    configuration = client.Configuration(host=sandbox.cluster_url("test-cluster"),
                                         api_key={"authorization": "Bearer stale"})
    renewals = []

    def renew(config):
        renewals.append(1)
        config.api_key["authorization"] = f"Bearer {TOKEN}"

    core = client.CoreV1Api(client.ApiClient(configuration))
    cluster.force_unauthorized(2)
    for _ in range(2):
        with pytest.raises(ApiException) as error:
            core.list_namespace()
        assert error.value.status == 401

    configuration.refresh_api_key_hook = renew
    assert core.list_namespace().items
    assert renewals
    assert [r.status for r in cluster.requests] == [401, 401, 200]
    assert [r.auth_error for r in cluster.requests[:2]] == ["rejected by force_unauthorized()"] * 2


# Sandbox control


def test_request_log_records_verbs(sandbox, cluster, core):
    cluster.clear_requests()
    create_namespace(core, "logged")
    core.read_namespace("logged")
    core.list_namespace(label_selector="a=b")
    core.delete_namespace("logged")

    assert [(r.method, r.verb, r.resource, r.name) for r in cluster.requests] == [
        ("POST", "create", "namespaces", None),
        ("GET", "get", "namespaces", "logged"),
        ("GET", "list", "namespaces", None),
        ("DELETE", "delete", "namespaces", "logged"),
    ]
    assert cluster.requests[0].path == "/api/v1/namespaces"
    assert cluster.requests[0].status == 201
    assert cluster.requests[0].content_type is None
    assert cluster.requests[2].query == {"labelSelector": "a=b"}


def test_clusters_are_isolated(sandbox, cluster, core):
    other = sandbox.add_cluster("other", token=TOKEN)
    create_namespace(core, "only-here")
    assert other.get_object("v1", "namespaces", "only-here") is None
    assert cluster.get_object("v1", "namespaces", "only-here") is not None
    assert other.requests == []


def test_register_and_remove_cluster_over_http(sandbox):
    response = requests.post(f"{sandbox.url}/sandbox/clusters/via-http", json={"token": "t1"}, timeout=5)
    assert response.status_code == 201
    assert response.json()["url"] == sandbox.cluster_url("via-http")
    again = requests.post(f"{sandbox.url}/sandbox/clusters/via-http", json={}, timeout=5)
    assert again.status_code == 409

    core = client.CoreV1Api(api_client(sandbox, "via-http", "t1"))
    assert core.read_namespace("default").status.phase == "Active"
    log = requests.get(f"{sandbox.url}/sandbox/clusters/via-http/requests", timeout=5).json()["requests"]
    assert log[-1]["verb"] == "get"

    assert requests.delete(f"{sandbox.url}/sandbox/clusters/via-http", timeout=5).status_code == 200
    with pytest.raises(ApiException) as error:
        core.read_namespace("default")
    assert error.value.status == 404


def test_removed_cluster_is_forgotten_in_python(sandbox, cluster):
    sandbox.remove_cluster("test-cluster")
    assert "test-cluster" not in sandbox.clusters
    with pytest.raises(KeyError):
        sandbox.cluster("test-cluster")


def test_cluster_latency_delays_requests(sandbox):
    sandbox.add_cluster("slow", token=TOKEN, latency=0.2)
    core = client.CoreV1Api(api_client(sandbox, "slow"))
    started = time.monotonic()
    core.read_namespace("default")
    assert time.monotonic() - started >= 0.2


def test_sandbox_binds_loopback_only():
    with pytest.raises(ValueError):
        KubeSandbox(host="0.0.0.0")
