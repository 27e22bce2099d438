"""Engines and the cloud resources of their inventory."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from engines.choices import EngineKind, EngineMode, EngineStatus, ResourceOwner, ResourceState


class Engine(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="engines"
    )
    cloud_account = models.ForeignKey("engines.CloudAccount", on_delete=models.PROTECT, related_name="engines")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=EngineKind.choices)
    mode = models.CharField(max_length=10, choices=EngineMode.choices)
    region = models.CharField(max_length=32)
    status = models.CharField(max_length=20, choices=EngineStatus.choices, default=EngineStatus.PENDING)
    parameters = models.JSONField(default=dict, blank=True)
    status_reason = models.TextField(blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                condition=~models.Q(status=EngineStatus.DELETED),
                name="engine_unique_live_name_per_organisation",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("engines:engine-detail", kwargs={"org": self.organisation.slug, "pk": self.pk})

    @property
    def tag_value(self) -> str:
        """Return the value of the `aichor:engine` tag carried by this engine's resources."""
        return f"eng-{self.pk}"


class EngineResource(models.Model):
    engine = models.ForeignKey(Engine, on_delete=models.CASCADE, related_name="resources")
    key = models.CharField(max_length=100, help_text="Stable name of the resource within its engine's plan.")
    type = models.CharField(max_length=40)
    cloud_id = models.CharField(max_length=2048, blank=True)
    owner = models.CharField(max_length=20, choices=ResourceOwner.choices, default=ResourceOwner.PORTAL)
    state = models.CharField(max_length=20, choices=ResourceState.choices, default=ResourceState.PLANNED)
    region = models.CharField(max_length=32, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["engine", "id"]
        constraints = [
            models.UniqueConstraint(fields=["engine", "key"], name="engine_resource_unique_key"),
        ]

    def __str__(self):
        return f"{self.type} {self.cloud_id or self.key}"
