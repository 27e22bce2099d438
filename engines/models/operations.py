"""Operations: one run of an action on a cloud account, an engine or a project, and its steps."""

from django.conf import settings
from django.db import models

from engines.choices import CheckResult, OperationKind, OperationStatus, StepStatus


class Operation(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="operations"
    )
    kind = models.CharField(max_length=20, choices=OperationKind.choices)
    cloud_account = models.ForeignKey(
        "engines.CloudAccount", on_delete=models.CASCADE, null=True, blank=True, related_name="operations"
    )
    engine = models.ForeignKey(
        "engines.Engine", on_delete=models.CASCADE, null=True, blank=True, related_name="operations"
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="operations"
    )
    status = models.CharField(max_length=20, choices=OperationStatus.choices, default=OperationStatus.PENDING)
    parameters = models.JSONField(default=dict, blank=True)

    failure_reason = models.TextField(blank=True)
    failure_fix = models.TextField(blank=True)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)

    # The worker that holds the operation: claimed by a conditional update, released when it stops.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["engine"],
                condition=models.Q(status__in=OperationStatus.active()),
                name="operation_one_active_per_engine",
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(status__in=OperationStatus.active()),
                name="operation_one_active_per_project",
            ),
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.target} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in OperationStatus.active()

    @property
    def target(self):
        """Return what the operation acts on: its project, engine or cloud account."""
        return self.project or self.engine or self.cloud_account

    def progress(self) -> tuple[int, int]:
        """Return (steps done, steps in all)."""
        steps = list(self.steps.values_list("status", flat=True))
        done = sum(1 for status in steps if status in StepStatus.done())
        return done, len(steps)

    def duration(self):
        if self.started_at is None:
            return None
        from django.utils import timezone

        return (self.finished_at or timezone.now()) - self.started_at


class OperationStep(models.Model):
    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="steps")
    key = models.CharField(max_length=100)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField()
    depends_on = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=StepStatus.choices, default=StepStatus.PENDING)

    # Checks (pre-flight, import) report a result with its detail and fix.
    result = models.CharField(max_length=10, choices=CheckResult.choices, blank=True)
    detail = models.TextField(blank=True)
    fix = models.TextField(blank=True)

    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    waiting_for = models.CharField(max_length=255, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    state = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["operation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["operation", "key"], name="operation_step_unique_key"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.position}. {self.title} ({self.get_status_display()})"


class OperationLogLine(models.Model):
    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="log_lines")
    created_at = models.DateTimeField(auto_now_add=True)
    level = models.CharField(max_length=10, default="info")
    message = models.TextField()

    class Meta:
        ordering = ["operation", "id"]

    def __str__(self):
        return f"{self.created_at:%H:%M:%S} {self.message}"
