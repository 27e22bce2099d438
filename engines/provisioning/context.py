"""What a step sees while it runs: its operation, engine, cloud, inventory and log."""

import logging
from functools import cached_property

from django.utils import timezone

from engines.choices import ResourceOwner, ResourceState
from engines.models import EngineResource, OperationLogLine
from engines.provisioning import registry

logger = logging.getLogger(__name__)


class StepContext:
    """The step's view of the world. Inventory writes are saved at once, outside any transaction."""

    def __init__(self, operation, step_row):
        self.operation = operation
        self.engine = operation.engine
        self.step_row = step_row

    @cached_property
    def cloud(self):
        """Return the provider's cloud handle for this operation (for AWS, clients in the customer role)."""
        return registry.session_factory(registry.provider_of(self.operation))(self.operation)

    @property
    def tags(self) -> dict[str, str]:
        """Return the tags every resource of this engine carries."""
        return {
            "aichor:engine": self.engine.tag_value,
            "aichor:organisation": self.engine.organisation.slug,
        }

    @property
    def state(self) -> dict:
        """Return the step's own saved state (kept across waits and retries)."""
        return self.step_row.state

    def save_state(self) -> None:
        self.step_row.save(update_fields=["state"])

    def resource(self, key: str) -> EngineResource | None:
        return self.engine.resources.filter(key=key).first()

    def cloud_id(self, key: str) -> str:
        """Return the cloud id of a recorded resource, which an earlier step must have created."""
        resource = self.resource(key)
        if resource is None or not resource.cloud_id:
            raise LookupError(f"The inventory has no {key}: the step that creates it has not run.")
        return resource.cloud_id

    def record(self, key: str, resource_type: str, cloud_id: str, *, owner=ResourceOwner.PORTAL,
               state=ResourceState.PRESENT, data: dict | None = None) -> EngineResource:
        """Record a resource in the inventory now, before the next call to the cloud."""
        resource, _ = EngineResource.objects.update_or_create(
            engine=self.engine,
            key=key,
            defaults={
                "type": resource_type,
                "cloud_id": cloud_id,
                "owner": owner,
                "state": state,
                "region": self.engine.region,
                "data": data or {},
            },
        )
        self.log(f"Recorded {resource_type} {cloud_id}")
        return resource

    def set_state(self, key: str, state: str) -> None:
        self.engine.resources.filter(key=key).update(state=state, updated_at=timezone.now())

    def log(self, message: str, level: str = "info") -> None:
        OperationLogLine.objects.create(operation=self.operation, level=level, message=message)
        logger.log(
            logging.WARNING if level == "warning" else logging.INFO,
            "operation=%s step=%s %s", self.operation.pk, self.step_row.key, message,
        )
