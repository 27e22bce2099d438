"""Project forms: the creation wizard's steps, settings, members and engines.

Each form checks its input with the same validators as the services, so an error
names the rule and the value before anything is saved.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from engines.choices import EngineKind, EngineStatus
from projects.labels import format_labels, parse_labels
from projects.models import ProjectRole, ProjectStatus
from projects.repositories import RepositoryProvider, parse_repository
from projects.services.projects import engine_problem, validate_project_name

PROVIDER_CHOICES = [("", "Detect from the URL")] + list(RepositoryProvider.choices)
MEMBER_LINE = re.compile(r"^(?P<email>\S+)(?:\s+(?P<role>\S+))?$")


def ready_engines(organisation):
    return organisation.engines.filter(status=EngineStatus.READY, kind=EngineKind.EKS).select_related("cloud_account")


class RepositoryFields(forms.Form):
    """The repository URL and provider, validated and normalised together."""

    repository_url = forms.CharField(
        max_length=500, label="Git repository URL",
        help_text="https://github.com/owner/repository or git@github.com:owner/repository.git. GitHub, GitLab "
        "(also self-hosted), Bitbucket and Azure DevOps.",
    )
    repository_provider = forms.ChoiceField(
        choices=PROVIDER_CHOICES, required=False, label="Provider",
        help_text="Needed only for a self-hosted GitLab whose host name does not contain gitlab.",
    )

    def clean(self):
        cleaned = super().clean()
        url = cleaned.get("repository_url")
        if url:
            try:
                repository = parse_repository(url, cleaned.get("repository_provider", ""))
            except ValidationError as error:
                self.add_error("repository_url", error)
            else:
                cleaned["repository_url"] = repository.url
                cleaned["repository_provider"] = repository.provider
        return cleaned


class ProjectBasicsForm(RepositoryFields):
    """Wizard step 1: name, description and repository."""

    field_order = ["name", "description", "repository_url", "repository_provider"]
    name = forms.CharField(
        max_length=100,
        help_text="Its Kubernetes namespace is derived from it: lower-case letters and digits, cut to 12 "
        "characters, plus a random suffix.",
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_name(self):
        try:
            name = validate_project_name(self.cleaned_data["name"])
        except ValidationError as error:
            raise forms.ValidationError(error.messages, code="invalid_name") from None
        if self.organisation.projects.filter(status__in=ProjectStatus.live(), name=name).exists():
            raise forms.ValidationError(f"A project named {name!r} already exists in this organisation.",
                                        code="duplicate")
        return name


class ProjectEnginesForm(forms.Form):
    """Wizard step 2: the Ready engines the project runs on, and its default engine."""

    engines = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple,
        help_text="Only Ready EKS engines are listed. The project gets a namespace and a workload role on each.",
    )
    default_engine = forms.ModelChoiceField(
        queryset=None,
        help_text="The buckets and the container registry live in this engine's cloud account and region.",
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["engines"].queryset = ready_engines(organisation)
        self.fields["default_engine"].queryset = ready_engines(organisation)
        for field in ("engines", "default_engine"):
            self.fields[field].error_messages["invalid_choice"] = (
                "Engine %(value)s is not a Ready EKS engine of this organisation."
            )
            self.fields[field].label_from_instance = lambda engine: f"{engine.name} ({engine.region})"

    def clean(self):
        cleaned = super().clean()
        engines, default = list(cleaned.get("engines") or []), cleaned.get("default_engine")
        if default is not None and engines:
            if default not in engines:
                self.add_error("default_engine", "The default engine must be one of the chosen engines.")
            for engine in engines:
                problem = engine_problem(self.organisation, engine, default)
                if problem:
                    self.add_error("engines", problem)
        return cleaned


def parse_members(text: str) -> list[tuple[str, str]]:
    """Parse members written one per line as `EMAIL [admin|member]` (member by default)."""
    members, problems, seen = [], [], set()
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        match = MEMBER_LINE.match(line)
        email, role = (match["email"], match["role"] or ProjectRole.MEMBER) if match else (line, "")
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"{email!r} is not a valid email address.")
            continue
        if role not in ProjectRole.values:
            problems.append(f"{line!r}: the role is {' or '.join(ProjectRole.values)}.")
            continue
        if email.lower() in seen:
            problems.append(f"{email} is listed twice.")
            continue
        seen.add(email.lower())
        members.append((email, role))
    if problems:
        raise forms.ValidationError(problems)
    return members


class ProjectPeopleForm(forms.Form):
    """Wizard step 3: members and labels."""

    members = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "ada@example.com admin\ngrace@example.com member"}),
        required=False,
        help_text="One per line: EMAIL, then admin or member (member if omitted). Organisation members join at "
        "once; anyone else receives an invitation valid for 48 hours. You become a project admin.",
    )
    labels = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "team=vision\ncost-centre=rd-42"}),
        required=False,
        help_text="One KEY=VALUE per line. They become tags on the buckets, registry and roles, and labels on the "
        "namespaces, so they must be valid as both.",
    )

    def clean_members(self):
        return parse_members(self.cleaned_data["members"])

    def clean_labels(self):
        try:
            return parse_labels(self.cleaned_data["labels"])
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None


class ProjectSettingsForm(RepositoryFields):
    """Description, repository and labels of an existing project."""

    field_order = ["description", "repository_url", "repository_provider", "labels"]
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    labels = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False,
        help_text="One KEY=VALUE per line. A change is applied to the project's resources by a reconcile operation.",
    )

    @classmethod
    def for_project(cls, project, data=None):
        initial = {
            "description": project.description,
            "repository_url": project.repository_url,
            "repository_provider": project.repository_provider,
            "labels": format_labels(project.labels),
        }
        return cls(data, initial=initial)

    def clean_labels(self):
        try:
            return parse_labels(self.cleaned_data["labels"])
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None


class MemberInviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=ProjectRole.choices, initial=ProjectRole.MEMBER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=ProjectRole.choices)


class EngineAssignForm(forms.Form):
    engine = forms.ModelChoiceField(queryset=None, empty_label="Choose a Ready engine")

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        assigned = project.engine_assignments.values("engine_id")
        self.fields["engine"].queryset = ready_engines(project.organisation).exclude(pk__in=assigned)
        self.fields["engine"].error_messages["invalid_choice"] = (
            "That engine is not a Ready EKS engine of this organisation, or it is already assigned."
        )
