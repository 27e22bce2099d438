"""The step context: a running step's operation, engine, cloud, inventory and log."""

import logging
from functools import cached_property

from django.utils import timezone

from engines.choices import ResourceOwner, ResourceState
from engines.models import OperationLogLine
from engines.provisioning import registry

logger = logging.getLogger(__name__)


class StepContext:
    """The step's view of the world. Inventory writes are saved at once, outside any transaction."""

    def __init__(self, operation, step_row):
        self.operation = operation
        self.engine = operation.engine
        self.project = operation.project
        self.step_row = step_row

    @property
    def subject(self):
        """Return what owns the inventory this step writes: the project, or else the engine."""
        return self.project or self.engine

    @property
    def region(self) -> str:
        if self.project is not None:
            return self.project.default_engine.region
        return self.engine.region

    @cached_property
    def cloud(self):
        """Return the provider's cloud handle for this operation (for AWS, clients in the customer role)."""
        return registry.session_factory(registry.provider_of(self.operation))(self.operation)

    @property
    def tags(self) -> dict[str, str]:
        """Return the tags every resource of this engine (or project) carries.

        Project resources never carry `aichor:engine`, so that an engine's sweep cannot touch them.
        """
        if self.project is not None:
            return {"aichor:project": self.project.tag_value, "aichor:organisation": self.project.organisation.slug}
        return {"aichor:engine": self.engine.tag_value, "aichor:organisation": self.engine.organisation.slug}

    @property
    def state(self) -> dict:
        """Return the step's own saved state (kept across waits and retries)."""
        return self.step_row.state

    def save_state(self) -> None:
        self.step_row.save(update_fields=["state"])

    def resource(self, key: str):
        return self.subject.resources.filter(key=key).first()

    def cloud_id(self, key: str) -> str:
        """Return the cloud id of a recorded resource, which an earlier step must have created."""
        resource = self.resource(key)
        if resource is None or not resource.cloud_id:
            raise LookupError(f"The inventory has no {key}: the step that creates it has not run.")
        return resource.cloud_id

    def record(self, key: str, resource_type: str, cloud_id: str, *, owner=ResourceOwner.PORTAL,
               state=ResourceState.PRESENT, data: dict | None = None, **fields):
        """Record a resource in the inventory now, before the next call to the cloud.

        `fields` sets further columns of the inventory row (a project resource's `engine`).
        """
        resource, _ = self.subject.resources.update_or_create(
            key=key,
            defaults={
                "type": resource_type,
                "cloud_id": cloud_id,
                "owner": owner,
                "state": state,
                "region": self.region,
                "data": data or {},
                **fields,
            },
        )
        self.log(f"Recorded {resource_type} {cloud_id}")
        return resource

    def set_state(self, key: str, state: str) -> None:
        self.subject.resources.filter(key=key).update(state=state, updated_at=timezone.now())

    def log(self, message: str, level: str = "info") -> None:
        OperationLogLine.objects.create(operation=self.operation, level=level, message=message)
        logger.log(
            logging.WARNING if level == "warning" else logging.INFO,
            "operation=%s step=%s %s", self.operation.pk, self.step_row.key, message,
        )
