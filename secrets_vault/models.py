"""Models of the vault database: environment variables and the key canary.

These tables live in their own database (the `vault` alias, see secrets_vault.routers), so they
reference rows of the main database by id only, and services keep that integrity.
"""

from django.db import models
from django.db.models import Q

from secrets_vault.fields import GuardedEncryptedTextField
from secrets_vault.validators import validate_variable_name


class VariableScope(models.TextChoices):
    RUNTIME = "runtime", "Runtime"
    BUILD = "build", "Build time"


class EnvironmentVariable(models.Model):
    """One environment variable of a project, its value encrypted at rest."""

    # No index of its own: the unique constraint's index starts with project_id and serves lookups
    # by project. A second index would only slow down every write, key rotation included.
    project_id = models.BigIntegerField(
        help_text="Primary key of the project in the main database (no foreign key across databases)."
    )
    # Kubernetes limits Secret keys to 253 characters.
    name = models.CharField(max_length=253, validators=[validate_variable_name])
    scope = models.CharField(max_length=16, choices=VariableScope.choices, default=VariableScope.RUNTIME)
    sensitive = models.BooleanField(default=True, help_text="Sensitive values are write-only in every interface.")
    value = GuardedEncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_id = models.BigIntegerField(
        null=True, blank=True, help_text="Primary key of the user in the main database."
    )
    updated_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["project_id", "scope", "name"]
        constraints = [
            # Uniqueness on plain columns only: the encrypted value differs on every save.
            models.UniqueConstraint(fields=["project_id", "scope", "name"], name="secrets_vault_variable_unique_name"),
            models.CheckConstraint(
                condition=Q(scope__in=VariableScope.values), name="secrets_vault_variable_scope_valid"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_scope_display()}, project {self.project_id})"


class Canary(models.Model):
    """A known plaintext, encrypted like the secrets, that proves the configured keys still decrypt them.

    `migrate --database vault` writes the row; a system check decrypts it.
    """

    PLAINTEXT = "aichor-vault-canary"
    ROW_ID = 1

    value = GuardedEncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "key canary"

    def __str__(self):
        return "key canary"
