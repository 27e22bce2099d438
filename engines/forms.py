"""The engine creation form, for EKS: every error names the rule and the value."""

import re

from botocore.exceptions import BotoCoreError, ClientError
from django import forms
from django.conf import settings

from engines.choices import EngineKind, EngineMode, EngineStatus
from engines.preflight_status import accounts_ready_for

# EKS cluster names: 1 to 100 characters, letters, digits, hyphens and underscores,
# starting with a letter or a digit.
EKS_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
KUBERNETES_VERSIONS = ["1.34", "1.33", "1.32", "1.31"]
NODE_INSTANCE_TYPES = ["m6i.large", "m6i.xlarge", "m6i.2xlarge", "c6i.xlarge", "r6i.xlarge", "t3.large"]
GPU_INSTANCE_TYPES = ["g5.xlarge", "g5.2xlarge", "g6.xlarge", "g6e.xlarge", "p4d.24xlarge", "p5.48xlarge"]


def validate_eks_name(name: str) -> str:
    name = name.strip()
    if not EKS_NAME_PATTERN.match(name):
        raise forms.ValidationError(
            f"{name!r} is not a valid EKS cluster name: use 1 to 100 letters, digits, hyphens (-) and "
            "underscores (_), starting with a letter or a digit.",
            code="invalid_name",
        )
    return name


def ready_accounts(form, organisation, mode: str) -> dict:
    """Return the accounts whose latest EKS pre-flight for `mode` passed, and offer them in the form."""
    accounts = {account.name: account for account in accounts_ready_for(organisation, EngineKind.EKS, mode)}
    form.fields["cloud_account"].widget.choices = [("", "Choose an account")] + [(name, name) for name in accounts]
    if len(accounts) == 1:
        only = next(iter(accounts.values()))
        form.fields["cloud_account"].initial = only.name
        form.fields["region"].initial = only.default_region
    return accounts


def unused_engine_name(organisation, name: str) -> str:
    if organisation.engines.exclude(status=EngineStatus.DELETED).filter(name=name).exists():
        raise forms.ValidationError(
            f"An engine named {name!r} already exists in this organisation: names are unique per organisation.",
            code="duplicate",
        )
    return name


def ready_account(accounts: dict, name: str, mode: str):
    if name not in accounts:
        raise forms.ValidationError(
            f"Cloud account {name!r} has no passing EKS {mode} pre-flight: run pre-flight from its page first.",
            code="not_ready",
        )
    return accounts[name]


def valid_region(value: str) -> str:
    from engines.providers.aws.arn import AwsValueError, parse_region

    try:
        return parse_region(value, settings.AICHOR_AWS_PARTITION).name
    except AwsValueError as error:
        raise forms.ValidationError(str(error), code="invalid_region") from None


class EngineCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="Also the EKS cluster's name: letters, digits, - and _, starting with a letter or digit."
    )
    # A CharField with a select widget, so that an account without a passing pre-flight gets
    # a message saying so rather than "Select a valid choice".
    cloud_account = forms.CharField(
        widget=forms.Select,
        help_text="Only accounts whose latest EKS create pre-flight has no failed check are listed.",
    )
    region = forms.CharField(max_length=32, help_text="For example eu-west-1.")
    kubernetes_version = forms.ChoiceField(choices=[(v, v) for v in KUBERNETES_VERSIONS])
    node_instance_type = forms.ChoiceField(choices=[(t, t) for t in NODE_INSTANCE_TYPES], initial="m6i.large")
    node_min = forms.IntegerField(min_value=0, max_value=100, initial=1, label="Nodes: minimum")
    node_desired = forms.IntegerField(min_value=0, max_value=100, initial=2, label="Nodes: desired")
    node_max = forms.IntegerField(min_value=1, max_value=100, initial=3, label="Nodes: maximum")
    gpu_instance_type = forms.ChoiceField(
        required=False, choices=[("", "No GPU pool")] + [(t, t) for t in GPU_INSTANCE_TYPES], label="GPU pool"
    )
    gpu_max = forms.IntegerField(min_value=1, max_value=100, initial=2, required=False, label="GPU nodes: maximum")

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.accounts = ready_accounts(self, organisation, EngineMode.CREATE)

    def clean_name(self):
        return unused_engine_name(self.organisation, validate_eks_name(self.cleaned_data["name"]))

    def clean_cloud_account(self):
        return ready_account(self.accounts, self.cleaned_data["cloud_account"], EngineMode.CREATE)

    def clean_region(self):
        return valid_region(self.cleaned_data["region"])

    def clean(self):
        cleaned = super().clean()
        minimum, desired, maximum = cleaned.get("node_min"), cleaned.get("node_desired"), cleaned.get("node_max")
        if None not in (minimum, desired, maximum) and not minimum <= desired <= maximum:
            raise forms.ValidationError(
                f"Node counts must satisfy minimum ≤ desired ≤ maximum; got {minimum} ≤ {desired} ≤ {maximum}.",
                code="node_counts",
            )
        if not self.errors:
            self._check_cluster_name_is_free(cleaned)
        return cleaned

    def _check_cluster_name_is_free(self, cleaned) -> None:
        """Report an existing EKS cluster of the same name in the account and region."""
        from engines.providers.aws import clients

        account, region, name = cleaned["cloud_account"], cleaned["region"], cleaned["name"]
        try:
            eks = clients.client(clients.customer_session(account, region), "eks", region)
            eks.describe_cluster(name=name)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                return
            raise forms.ValidationError(
                f"Could not check for an existing cluster named {name!r} in {region}: "
                f"{error.response['Error']['Code']}. Run pre-flight for {account.name} again.",
                code="check_failed",
            ) from None
        except BotoCoreError as error:
            raise forms.ValidationError(f"Could not reach AWS to check the cluster name: {error}") from None
        self.add_error(
            "name",
            forms.ValidationError(
                f"An EKS cluster named {name!r} already exists in account {account.aws_account_id}, region {region}: "
                "choose another name, or import that cluster instead.",
                code="cluster_exists",
            ),
        )

    def parameters(self) -> dict:
        data = self.cleaned_data
        parameters = {
            "kubernetes_version": data["kubernetes_version"],
            "node_instance_type": data["node_instance_type"],
            "node_min": data["node_min"],
            "node_desired": data["node_desired"],
            "node_max": data["node_max"],
        }
        if data.get("gpu_instance_type"):
            parameters["gpu_instance_type"] = data["gpu_instance_type"]
            parameters["gpu_max"] = data.get("gpu_max") or 2
        return parameters
