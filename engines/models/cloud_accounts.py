"""Cloud accounts: how the portal reaches a customer's cloud."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse

from engines.choices import Provider

EXTERNAL_ID_BYTES = 32


def generate_external_id() -> str:
    """Return a random ExternalId of 43 URL-safe characters (IAM allows 2 to 1,224)."""
    return secrets.token_urlsafe(EXTERNAL_ID_BYTES)


class CloudAccount(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="cloud_accounts"
    )
    provider = models.CharField(max_length=10, choices=Provider.choices, default=Provider.AWS)
    name = models.CharField(max_length=64)

    # AWS: the customer role that the portal assumes, with an ExternalId the portal generates.
    role_arn = models.CharField("role ARN", max_length=2048, blank=True)
    aws_account_id = models.CharField("AWS account id", max_length=12, blank=True)
    external_id = models.CharField(
        "ExternalId", max_length=96, unique=True, default=generate_external_id, editable=False
    )
    default_region = models.CharField(max_length=32, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="cloud_account_unique_name_per_organisation"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("engines:cloud-account-detail", kwargs={"org": self.organisation.slug, "pk": self.pk})
