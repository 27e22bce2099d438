"""Choices for engines, cloud accounts, resources and operations, with their state groups."""

from django.db import models


class Provider(models.TextChoices):
    AWS = "aws", "AWS"
    GCP = "gcp", "GCP"
    AZURE = "azure", "Azure"


class EngineKind(models.TextChoices):
    EKS = "eks", "AWS EKS"
    PARALLELCLUSTER = "parallelcluster", "AWS ParallelCluster"
    GKE = "gke", "GCP GKE"
    AKS = "aks", "Azure AKS"


PROVIDER_OF_KIND = {
    EngineKind.EKS: Provider.AWS,
    EngineKind.PARALLELCLUSTER: Provider.AWS,
    EngineKind.GKE: Provider.GCP,
    EngineKind.AKS: Provider.AZURE,
}


class EngineMode(models.TextChoices):
    CREATE = "create", "Create"
    IMPORT = "import", "Import"


class EngineStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROVISIONING = "provisioning", "Provisioning"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    DELETING = "deleting", "Deleting"
    DELETED = "deleted", "Deleted"


class ResourceOwner(models.TextChoices):
    PORTAL = "portal", "Portal"
    ADMINISTRATOR = "administrator", "Administrator"


class ResourceState(models.TextChoices):
    PLANNED = "planned", "Planned"
    CREATING = "creating", "Creating"
    PRESENT = "present", "Present"
    DELETING = "deleting", "Deleting"
    DELETED = "deleted", "Deleted"
    MISSING = "missing", "Missing"


class OperationKind(models.TextChoices):
    PREFLIGHT = "preflight", "Pre-flight"
    CREATE = "create", "Create"
    IMPORT = "import", "Import"
    DELETE = "delete", "Delete"
    RECONCILE = "reconcile", "Reconcile"
    CHECK = "check", "Check"


class OperationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    WAITING = "waiting", "Waiting"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"

    @classmethod
    def active(cls):
        return (cls.PENDING, cls.RUNNING, cls.WAITING)

    @classmethod
    def terminal(cls):
        return (cls.SUCCEEDED, cls.FAILED, cls.CANCELLED)


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    WAITING = "waiting", "Waiting"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    CANCELLED = "cancelled", "Cancelled"

    @classmethod
    def done(cls):
        return (cls.SUCCEEDED, cls.SKIPPED)


class CheckResult(models.TextChoices):
    PASS = "pass", "Pass"
    WARN = "warn", "Warn"
    FAIL = "fail", "Fail"
