"""Waiting for an operation at the command line, with a progress bar on a terminal.

The waiting command also advances the operation itself, so `--wait` finishes
whether or not a qcluster worker is running. The lease keeps the two from
running the same operation at once.
"""

import sys
import time

from django.utils import timezone

from engines.choices import OperationStatus, StepStatus
from engines.models import Operation
from engines.provisioning import runner

EXIT_SUCCEEDED = 0
EXIT_FAILED = 1
EXIT_CANCELLED = 3
POLL_SECONDS = 1.0


def wait_for(operation: Operation, stdout, *, interactive: bool | None = None) -> int:
    """Drive and follow an operation until it ends; return the command's exit code."""
    from tqdm import tqdm

    interactive = sys.stdout.isatty() if interactive is None else interactive
    bar = tqdm(total=operation.steps.count(), unit="step", disable=not interactive, file=sys.stdout)
    reported = set()
    try:
        while True:
            runner.advance(operation.pk, budget_seconds=10)
            operation.refresh_from_db()
            steps = list(operation.steps.all())
            done = [step for step in steps if step.status in StepStatus.done()]
            bar.total = len(steps)
            bar.n = len(done)
            current = next((step for step in steps if step.status in (StepStatus.RUNNING, StepStatus.WAITING)), None)
            bar.set_description((current.title if current else operation.get_status_display())[:40])
            bar.refresh()
            if not interactive:
                for step in done:
                    if step.key not in reported:
                        reported.add(step.key)
                        stdout.write(f"[{len(reported)}/{len(steps)}] {step.title}: done")
            if operation.status in OperationStatus.terminal():
                break
            time.sleep(_seconds_until_due(steps))
    finally:
        bar.close()

    if operation.status == OperationStatus.SUCCEEDED:
        stdout.write(f"{operation.get_kind_display()} succeeded.")
        return EXIT_SUCCEEDED
    stdout.write(f"{operation.get_kind_display()} {operation.get_status_display().lower()}: {operation.failure_reason}")
    if operation.failure_fix:
        stdout.write(f"Fix: {operation.failure_fix}")
    return EXIT_FAILED if operation.status == OperationStatus.FAILED else EXIT_CANCELLED


def _seconds_until_due(steps) -> float:
    due = [step.next_attempt_at for step in steps if step.next_attempt_at is not None]
    if not due:
        return POLL_SECONDS
    return max(POLL_SECONDS, min(30.0, (min(due) - timezone.now()).total_seconds()))
