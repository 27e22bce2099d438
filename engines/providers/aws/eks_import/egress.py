"""The egress check: the hostnames the cluster must reach, and a probe Job that reports which it reached.

The hostnames come from settings: the Auth0 domain, the portal's own host (unless it is a
local address, as in the sandbox), and AICHOR_EGRESS_HOSTNAMES. A `*.` entry is listed for
the administrator's allow-list but cannot be probed. The probe is a Job in the `default`
namespace that opens a TCP connection to port 443 of each hostname and prints
`reached HOST` or `unreachable HOST`. The check waits for the Job, reads its pod's log and
deletes it.
"""

import ipaddress
import time
from urllib.parse import quote, urlsplit

from django.conf import settings
from kubernetes.client.exceptions import ApiException

from engines.providers.aws.eks_import.base import Outcome, cluster_name, kube
from engines.providers.kube.client import REQUEST_TIMEOUT
from engines.provisioning.steps import Wait

NAMESPACE = "default"
PROBE_LABEL = "aichor-egress-probe"
PORT = 443
POLL_SECONDS = 5
# Pulling a small image and trying each host for 5 seconds takes well under this.
TIMEOUT_SECONDS = 300
# NOTE: `nc -z` needs BusyBox's netcat with its extra options, which the official busybox
# images are built with. The script has run against the sandbox only, never a real image.
SCRIPT = (
    'for host in $PROBE_HOSTNAMES; do '
    'if nc -z -w 5 "$host" "$PROBE_PORT" >/dev/null 2>&1; then echo "reached $host"; '
    'else echo "unreachable $host"; fi; done'
)


def egress_hostnames() -> list[str]:
    """Return the hostnames an engine's cluster must reach, without duplicates, in settings order."""
    names = []
    if settings.AUTH0_DOMAIN:
        names.append(settings.AUTH0_DOMAIN)
    portal_host = urlsplit(settings.AICHOR_PORTAL_URL or "").hostname
    if portal_host:
        names.append(portal_host)
    names += settings.AICHOR_EGRESS_HOSTNAMES
    unique = {}
    for name in names:
        name = name.strip().lower().rstrip(".")
        if name and not _local(name):
            unique.setdefault(name, None)
    return list(unique)


def _local(name: str) -> bool:
    """Tell whether a hostname can only mean the portal's own machine (a sandbox portal on 127.0.0.1)."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return not ipaddress.ip_address(name).is_global
    except ValueError:
        return False


def probe_job(name: str, engine, hostnames: list[str]) -> dict:
    """Return the probe Job's manifest; it runs as an unprivileged user and keeps nothing."""
    labels = {"app.kubernetes.io/name": PROBE_LABEL, "app.kubernetes.io/managed-by": "aichor-portal",
              "aichor.ai/engine": engine.tag_value}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": TIMEOUT_SECONDS,
            "ttlSecondsAfterFinished": 600,
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "restartPolicy": "Never",
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 65534,
                                        "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{
                        "name": "probe",
                        "image": settings.AICHOR_EGRESS_PROBE_IMAGE,
                        "command": ["sh", "-c", SCRIPT],
                        "env": [{"name": "PROBE_HOSTNAMES", "value": " ".join(hostnames)},
                                {"name": "PROBE_PORT", "value": str(PORT)}],
                        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                            "capabilities": {"drop": ["ALL"]}},
                        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "32Mi"}},
                    }],
                },
            },
        },
    }


def _job_path(name: str | None = None) -> str:
    path = f"/apis/batch/v1/namespaces/{NAMESPACE}/jobs"
    return f"{path}/{quote(name, safe='')}" if name else path


def _finished(job: dict) -> str | None:
    """Return "Complete" or "Failed" once the Job has finished, else None."""
    for condition in (job.get("status") or {}).get("conditions", []):
        if condition.get("type") in ("Complete", "Failed") and condition.get("status") == "True":
            return condition["type"]
    return None


def pod_log(client, pod: str) -> str:
    """Return a pod's log (the API returns it as plain text, which KubeClient.request does not decode)."""
    url = f"{client.configuration.host}/api/v1/namespaces/{NAMESPACE}/pods/{quote(pod, safe='')}/log"
    headers = {"Accept": "text/plain", "Authorization": f"Bearer {client.token_source.token()}"}
    response = client.api_client.call_api("GET", url, header_params=headers, _request_timeout=REQUEST_TIMEOUT)
    response.read()
    text = response.data.decode("utf-8", "replace") if response.data else ""
    if response.status >= 400:
        raise ApiException.from_response(http_resp=response, body=text, data=None)
    return text


def read_results(log: str) -> dict[str, bool]:
    """Return, per hostname, whether the probe reached it, from lines `reached HOST` or `unreachable HOST`."""
    results = {}
    for line in log.splitlines():
        word, _, host = line.strip().partition(" ")
        if word in ("reached", "unreachable") and host:
            results[host.strip().lower()] = word == "reached"
    return results


def _read_job(client, name: str) -> dict | None:
    try:
        return client.request("GET", _job_path(name)) or {}
    except ApiException as error:
        if error.status == 404:
            return None
        raise


def _start(context, client, hostnames: list[str]) -> str:
    name = f"aichor-egress-probe-{context.operation.pk}-{context.step_row.attempts}"
    client.request("POST", _job_path(), body=probe_job(name, context.engine, hostnames))
    context.state.update(job=name, started=time.time())
    context.save_state()
    context.log(f"Started egress probe Job {NAMESPACE}/{name}")
    return name


def _finish(context, client, name: str) -> None:
    client.request("DELETE", _job_path(name), body={"kind": "DeleteOptions", "apiVersion": "v1",
                                                    "propagationPolicy": "Background"})
    context.state.pop("job", None)
    context.state.pop("started", None)
    context.save_state()


def egress(context):
    hostnames = egress_hostnames()
    probed = [name for name in hostnames if not name.startswith("*")]
    listed = f"Hostnames to allow from the cluster: {', '.join(hostnames)}." if hostnames else ""
    if not probed:
        return Outcome.passed(f"{listed} None can be probed (wildcards only)." if listed else "No hostnames to probe")

    client = kube(context)
    name = context.state.get("job") or _start(context, client, probed)
    job = _read_job(client, name)
    if job is None:
        # The Job of an earlier attempt is gone (deleted, or removed by its TTL): start another.
        name = _start(context, client, probed)
        job = _read_job(client, name) or {}
    state = _finished(job)
    if state is None:
        if time.time() - context.state.get("started", time.time()) < TIMEOUT_SECONDS:
            return Wait(f"egress probe Job {name} to finish", POLL_SECONDS)
        _finish(context, client, name)
        return Outcome.failed(
            f"{listed} The egress probe Job did not finish within {TIMEOUT_SECONDS // 60} minutes in cluster "
            f"{cluster_name(context)}.",
            f"Check that the nodes can pull {settings.AICHOR_EGRESS_PROBE_IMAGE} and run pods in namespace "
            f"{NAMESPACE}, then retry.",
        )

    pods = client.list("v1", "Pod", NAMESPACE, label_selector=f"job-name={name}")
    log = pod_log(client, pods[0]["metadata"]["name"]) if pods else ""
    _finish(context, client, name)
    results = read_results(log)
    if state == "Failed" and not results:
        return Outcome.failed(f"{listed} The egress probe Job failed before it printed a result.",
                              f"Look at the events of namespace {NAMESPACE} for the Job's pod (image pull, "
                              "admission), then retry.")
    reached = [host for host in probed if results.get(host)]
    unreached = [host for host in probed if not results.get(host)]
    if unreached:
        return Outcome.failed(
            f"{listed} Not reached from the cluster on port {PORT}: {', '.join(unreached)}."
            + (f" Reached: {', '.join(reached)}." if reached else ""),
            f"Allow outbound HTTPS (port {PORT}) from the cluster's nodes to {', '.join(unreached)} (security "
            "groups, network ACLs, firewall or proxy), then retry.",
        )
    return Outcome.passed(f"{listed} The probe Job reached {', '.join(reached)}.")
