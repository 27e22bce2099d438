"""The vocabulary of plans: steps, what a step run returns, and the errors a step raises.

A plan is a list of `Step`s with declared dependencies. The runner calls a
step's `run(context)` until it returns `Done`. A step that must wait for the
cloud returns `Wait`, and the runner calls it again when it is due. Steps are idempotent:
running one again after a crash finds what the previous run created.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Done:
    """The step finished; `detail` is shown on its row."""

    detail: str = ""


@dataclass(frozen=True)
class Wait:
    """The step waits for the cloud: look again after `seconds`."""

    waiting_for: str
    seconds: int = 30


@dataclass(frozen=True)
class Step:
    """One step of a plan.

    `run` receives the step context and returns Done or Wait. `resource_type` names
    the inventory type the step creates or deletes (for the progress display and
    the permission record). `actions` lists IAM actions that no API call reveals,
    such as `iam:PassRole`.
    """

    key: str
    title: str
    run: Callable
    depends_on: tuple[str, ...] = ()
    resource_type: str = ""
    actions: tuple[str, ...] = ()


def _nothing(operation) -> None:
    return None


@dataclass
class Plan:
    """An ordered list of steps, and what an operation's start, success and failure change.

    The order of `steps` is a valid execution order of their dependencies. The
    hooks receive the operation and run inside the transaction that records it.
    """

    steps: list[Step] = field(default_factory=list)
    on_start: Callable = _nothing
    on_success: Callable = _nothing
    on_failure: Callable = _nothing

    def add(self, step: Step) -> Step:
        known = {existing.key for existing in self.steps}
        if step.key in known:
            raise ValueError(f"Step {step.key!r} is already in the plan.")
        missing = [key for key in step.depends_on if key not in known]
        if missing:
            raise ValueError(f"Step {step.key!r} depends on {missing}, which are not earlier in the plan.")
        self.steps.append(step)
        return step

    def step(self, key: str) -> Step:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(key)


class StepError(Exception):
    """Base of the errors a step raises; the message names the resource and the cloud's error code."""

    def __init__(self, message: str, *, code: str = "", fix: str = ""):
        super().__init__(message)
        self.code = code
        self.fix = fix


class TransientError(StepError):
    """Worth retrying: throttling, a 5xx, eventual consistency, an operation in progress."""


class PermanentError(StepError):
    """Retrying cannot help: the operation fails with the message and the fix."""
