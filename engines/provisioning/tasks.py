"""django-q2 task entry points. Arguments are primary keys only."""

import logging

from engines.provisioning import runner

logger = logging.getLogger(__name__)


def advance_operation(operation_id: int) -> str:
    return runner.advance(operation_id)


def poll_due_operations() -> int:
    return runner.poll_due_operations()


def reap_stalled_operations() -> int:
    return runner.reap_stalled_operations()
