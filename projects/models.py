"""Projects: a Git repository, its members, the engines it runs on, and its cloud resources."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from engines.choices import ResourceOwner, ResourceState
from projects import naming
from projects.repositories import RepositoryProvider, web_url_of


class ProjectStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROVISIONING = "provisioning", "Provisioning"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    DELETING = "deleting", "Deleting"
    DELETED = "deleted", "Deleted"

    @classmethod
    def live(cls):
        """Return the statuses of a project that has not been deleted."""
        return (cls.PENDING, cls.PROVISIONING, cls.READY, cls.FAILED)


class ProjectRole(models.TextChoices):
    ADMIN = "admin", "Project admin"
    MEMBER = "member", "Member"


class Project(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="projects"
    )
    name = models.CharField(max_length=100)
    namespace = models.CharField(max_length=63, unique=True)
    description = models.TextField(blank=True)
    repository_url = models.CharField(max_length=500)
    repository_provider = models.CharField(max_length=20, choices=RepositoryProvider.choices, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    default_engine = models.ForeignKey(
        "engines.Engine", on_delete=models.PROTECT, related_name="default_for_projects"
    )
    status = models.CharField(max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PENDING)
    status_reason = models.TextField(blank=True)
    # Set on every change of the runtime variables, cleared when an operation starts writing them to the
    # engines: a change made while another operation runs is synchronised when that operation ends.
    variables_sync_pending = models.BooleanField(default=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                condition=~models.Q(status=ProjectStatus.DELETED),
                name="project_unique_live_name_per_organisation",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("projects:project-detail", kwargs={"org": self.organisation.slug, "pk": self.pk})

    @property
    def tag_value(self) -> str:
        """Return the value of the `aichor:project` tag carried by this project's resources."""
        return f"prj-{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.status == ProjectStatus.DELETED

    def bucket_names(self) -> dict[str, str]:
        """Return the names of the project's buckets by purpose ("inputs", "outputs")."""
        return {purpose: naming.bucket_name(self.namespace, purpose) for purpose in naming.BUCKET_PURPOSES}

    @property
    def repository_name(self) -> str:
        """Return the name of the project's container registry (its ECR repository)."""
        return naming.repository_name(self.namespace)

    @property
    def repository_web_url(self) -> str:
        return web_url_of(self.repository_url, self.repository_provider)


class ProjectMember(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_memberships")
    role = models.CharField(max_length=10, choices=ProjectRole.choices, default=ProjectRole.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="project_member_unique_user"),
        ]

    def __str__(self):
        return f"{self.user} in {self.project} ({self.get_role_display()})"


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    # Unassigned: the namespace and workload role are being removed. The row goes when they are gone,
    # so that the engine cannot be deleted under them.
    REMOVING = "removing", "Being removed"


class ProjectEngine(models.Model):
    """An engine a project runs on: the project gets a namespace and a workload role there."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="engine_assignments")
    engine = models.ForeignKey("engines.Engine", on_delete=models.PROTECT, related_name="project_assignments")
    state = models.CharField(max_length=10, choices=AssignmentState.choices, default=AssignmentState.ASSIGNED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "engine__name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "engine"], name="project_engine_unique"),
        ]

    def __str__(self):
        return f"{self.project} on {self.engine}"


class ProjectResource(models.Model):
    """One cloud object of a project: bucket, registry, workload role, namespace, service account."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="resources")
    engine = models.ForeignKey(
        "engines.Engine", on_delete=models.SET_NULL, null=True, blank=True, related_name="project_resources"
    )
    key = models.CharField(max_length=100)
    type = models.CharField(max_length=40)
    cloud_id = models.CharField(max_length=2048, blank=True)
    owner = models.CharField(max_length=20, choices=ResourceOwner.choices, default=ResourceOwner.PORTAL)
    state = models.CharField(max_length=20, choices=ResourceState.choices, default=ResourceState.PLANNED)
    retained = models.BooleanField(default=False, help_text="Kept when the project was deleted; still costs money.")
    region = models.CharField(max_length=32, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "key"], name="project_resource_unique_key"),
        ]

    def __str__(self):
        return f"{self.type} {self.cloud_id or self.key}"
