"""A fault harness for any plan: errors injected into the real AWS calls a chosen step makes.

The harness wraps the portal's customer sessions with botocore event handlers,
so the plan's own code, the SDK and the moto server all run for real; only the
chosen call fails, or the worker "crashes" right after the cloud answered.
"""

from botocore.exceptions import ClientError

from engines.providers.aws import clients
from engines.provisioning import context as context_module

MUTATING_PREFIXES = ("Create", "Attach", "Associate", "Put", "Modify", "Add", "Tag", "Delete", "Detach",
                     "Disassociate", "Remove", "Terminate", "Update")


class SimulatedCrash(BaseException):
    """The worker died: raised past every `except Exception` in the portal."""


class FaultInjector:
    """Inject one fault into the first mutating AWS call of one step."""

    def __init__(self, monkeypatch, *, step: str, fault: str, code: str = "Throttling"):
        self.step = step
        self.fault = fault
        self.code = code
        self.fired = False
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

    def _armed(self, model) -> bool:
        return (
            not self.fired
            and self.current_step == self.step
            and model.name.startswith(MUTATING_PREFIXES)
        )

    def _before_call(self, model, **kwargs):
        self.calls.append(model.name)
        if self.fault in ("transient", "permanent") and self._armed(model):
            self.fired = True
            raise ClientError({"Error": {"Code": self.code, "Message": f"injected {self.code}"},
                               "ResponseMetadata": {"HTTPStatusCode": 400}}, model.name)

    def _after_call(self, model, **kwargs):
        if self.fault == "crash" and self._armed(model) and model.name.startswith("Create"):
            self.fired = True
            raise SimulatedCrash(f"worker died after {model.name}")
