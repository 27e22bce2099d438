"""Job controller stand-in: every Job runs one pod at once and completes with a canned outcome."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass

from .catalog import ResourceType
from .pods import container_identity


@dataclass
class JobOutcome:
    """Result of a sandbox Job: whether its pod succeeded, and the log the pod printed."""

    succeeded: bool = True
    log: str = ""


def _pod_for(job: dict, outcome: JobOutcome, now: str) -> dict:
    """Build the finished pod of a Job, named and labelled as the Job controller does."""
    metadata = job["metadata"]
    uid = metadata["uid"]
    suffix = hashlib.sha256(uid.encode()).hexdigest()[:5]
    labels = {
        "job-name": metadata["name"],
        "batch.kubernetes.io/job-name": metadata["name"],
        "controller-uid": uid,
        "batch.kubernetes.io/controller-uid": uid,
    }
    template = copy.deepcopy(job.get("spec", {}).get("template", {}))
    labels.update(template.get("metadata", {}).get("labels") or {})
    spec = template.get("spec", {})
    exit_code = 0 if outcome.succeeded else 1
    terminated = {"exitCode": exit_code, "reason": "Completed" if outcome.succeeded else "Error",
                  "startedAt": now, "finishedAt": now}
    return {
        "metadata": {
            "name": f"{metadata['name']}-{suffix}",
            "labels": labels,
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": metadata["name"], "uid": uid,
                                 "controller": True, "blockOwnerDeletion": True}],
        },
        "spec": spec,
        "status": {
            "phase": "Succeeded" if outcome.succeeded else "Failed",
            "startTime": now,
            "containerStatuses": [{**container_identity(c), "ready": False, "restartCount": 0,
                                   "started": False, "state": {"terminated": terminated}}
                                  for c in spec.get("containers", [])],
        },
    }


def _job_status(outcome: JobOutcome, now: str) -> dict:
    if outcome.succeeded:
        conditions = [
            {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached",
             "message": "Reached expected number of succeeded pods", "lastProbeTime": now, "lastTransitionTime": now},
            {"type": "Complete", "status": "True", "reason": "CompletionsReached",
             "message": "Reached expected number of succeeded pods", "lastProbeTime": now, "lastTransitionTime": now},
        ]
        return {"startTime": now, "completionTime": now, "succeeded": 1, "ready": 0, "terminating": 0,
                "uncountedTerminatedPods": {}, "conditions": conditions}
    conditions = [
        {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded",
         "message": "Job has reached the specified backoff limit", "lastProbeTime": now, "lastTransitionTime": now},
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
         "message": "Job has reached the specified backoff limit", "lastProbeTime": now, "lastTransitionTime": now},
    ]
    return {"startTime": now, "failed": 1, "ready": 0, "terminating": 0, "uncountedTerminatedPods": {},
            "conditions": conditions}


def run_job(cluster, resource_type: ResourceType, job: dict) -> None:
    """Run a new Job to completion: create its finished pod, store the pod's log, set the Job's status.

    NOTE: a Job runs exactly one pod whatever its completions, parallelism and backoffLimit.
    """
    outcome = cluster.job_outcome(job)
    now = cluster.now_timestamp()
    namespace = job["metadata"]["namespace"]
    pod_type = cluster.catalog.require("", "v1", "pods")
    pod = cluster.create(pod_type, namespace, _pod_for(job, outcome, now), keep_status=True)
    cluster.pod_logs[(namespace, pod["metadata"]["name"])] = outcome.log
    cluster.write_status(resource_type, namespace, job["metadata"]["name"], _job_status(outcome, now))
