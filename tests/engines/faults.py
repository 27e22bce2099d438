"""A fault harness for any plan: errors injected into the real AWS and Kubernetes calls of chosen steps.

The harness wraps the portal's customer sessions with botocore event handlers and the
Kubernetes client's request method, so the plan's own code, the SDKs, moto and the
Kubernetes stand-in all run for real; only the chosen call fails, or the worker "crashes"
right after the cloud answered.

In each chosen step the fault hits the step's first write: a mutating AWS call, or a
Kubernetes write (apply, create, update, delete). A step in `first_call_steps` makes no
write in the sandbox, so the fault hits its first call of any kind instead.
"""

import json

from botocore.exceptions import ClientError
from kubernetes.client.exceptions import ApiException

from engines.providers.aws import clients
from engines.providers.kube import eks as kube_eks
from engines.providers.kube.client import KubeClient
from engines.provisioning import context as context_module

MUTATING_PREFIXES = ("Create", "Attach", "Associate", "Put", "Modify", "Add", "Tag", "Delete", "Detach",
                     "Disassociate", "Remove", "Terminate", "Update", "Set", "Authorize", "Revoke")
KUBE_WRITES = ("POST", "PUT", "PATCH", "DELETE")
# The Kubernetes answer that stands for each AWS error code the tests inject.
KUBE_STATUS = {"Throttling": (429, "TooManyRequests"), "AccessDenied": (403, "Forbidden")}


class SimulatedCrash(BaseException):
    """The worker died: raised past every `except Exception` in the portal."""


class FaultInjector:
    """Inject one fault into the first write of each chosen step."""

    def __init__(self, monkeypatch, *, step: str | None = None, steps=(), fault: str, code: str = "Throttling",
                 first_call_steps=()):
        self.steps = set(steps) | ({step} if step else set())
        self.fault = fault
        self.code = code
        self.first_call_steps = set(first_call_steps)
        self.fired: list[str] = []
        self.current_step = None
        self.calls: list[str] = []

        original_init = context_module.StepContext.__init__

        def tracking_init(context, operation, step_row, *args, **kwargs):
            original_init(context, operation, step_row, *args, **kwargs)
            self.current_step = step_row.key

        monkeypatch.setattr(context_module.StepContext, "__init__", tracking_init)

        original_session = clients.customer_session

        def instrumented_session(*args, **kwargs):
            session = original_session(*args, **kwargs)
            if not getattr(session, "_aichor_faults", False):
                session.events.register("before-call.*.*", self._before_call)
                session.events.register("after-call.*.*", self._after_call)
                session._aichor_faults = True
            return session

        monkeypatch.setattr(clients, "customer_session", instrumented_session)
        clients.clear_cache()
        kube_eks.clear_cache()

        original_request = KubeClient.request

        def instrumented_request(client, method, path, **kwargs):
            self._before_kube(method, path)
            result = original_request(client, method, path, **kwargs)
            self._after_kube(method, path)
            return result

        monkeypatch.setattr(KubeClient, "request", instrumented_request)

    def _armed(self, is_write: bool) -> bool:
        step = self.current_step
        if step not in self.steps or step in self.fired:
            return False
        return is_write or step in self.first_call_steps

    def _fire(self) -> None:
        self.fired.append(self.current_step)

    def _before_call(self, model, **kwargs):
        self.calls.append(model.name)
        if self.fault in ("transient", "permanent") and self._armed(model.name.startswith(MUTATING_PREFIXES)):
            self._fire()
            raise ClientError({"Error": {"Code": self.code, "Message": f"injected {self.code}"},
                               "ResponseMetadata": {"HTTPStatusCode": 400}}, model.name)

    def _after_call(self, model, **kwargs):
        if self.fault == "crash" and self._armed(model.name.startswith(MUTATING_PREFIXES)):
            self._fire()
            raise SimulatedCrash(f"worker died after {model.name}")

    def _before_kube(self, method: str, path: str) -> None:
        self.calls.append(f"{method} {path}")
        if self.fault in ("transient", "permanent") and self._armed(method in KUBE_WRITES):
            self._fire()
            status, reason = KUBE_STATUS[self.code]
            body = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": status,
                               "reason": reason, "message": f"injected {reason}"})
            raise ApiException(status=status, reason=reason, body=body)

    def _after_kube(self, method: str, path: str) -> None:
        if self.fault == "crash" and self._armed(method in KUBE_WRITES):
            self._fire()
            raise SimulatedCrash(f"worker died after {method} {path}")
