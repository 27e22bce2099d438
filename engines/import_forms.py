"""The form to import an existing EKS cluster as an engine: every error names the rule and the value.

The form checks each value's shape; whether the cluster and the resources around it exist
is for the import checks, which show one row each.
"""

import re

from django import forms

from engines.choices import EngineMode
from engines.forms import ready_account, ready_accounts, unused_engine_name, valid_region, validate_eks_name
from engines.providers.aws.eks_import.addresses import public_address_error

# A DNS-1123 subdomain, as Kubernetes requires for the names of storage classes.
DNS_SUBDOMAIN_PATTERN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_SUBDOMAIN_MAX = 253


def validate_storage_class(value: str) -> str:
    name = value.strip()
    if len(name) > DNS_SUBDOMAIN_MAX or not DNS_SUBDOMAIN_PATTERN.match(name):
        raise forms.ValidationError(
            f"{name!r} is not a valid storage class name: Kubernetes names it with a DNS-1123 subdomain, at most "
            f"{DNS_SUBDOMAIN_MAX} characters of lowercase letters, digits, '-' and '.', starting and ending with a "
            "letter or a digit.",
            code="invalid_storage_class",
        )
    return name


def validate_nlb_address(value: str) -> str:
    error = public_address_error(value)
    if error:
        raise forms.ValidationError(error, code="invalid_nlb_ip")
    return value.strip()


class EngineImportForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="The engine's name in the portal, unique in the organisation.")
    # A CharField with a select widget, so that an account without a passing pre-flight gets
    # a message saying so rather than "Select a valid choice".
    cloud_account = forms.CharField(
        widget=forms.Select,
        help_text="Only accounts whose latest EKS import pre-flight has no failed check are listed.",
    )
    region = forms.CharField(max_length=32, help_text="The cluster's region, for example eu-west-1.")
    cluster_name = forms.CharField(max_length=100, label="EKS cluster name",
                                   help_text="As the EKS console shows it; names are case-sensitive.")
    # No max_length: validate_storage_class names the whole rule, the length included.
    storage_class = forms.CharField(widget=forms.TextInput(attrs={"maxlength": DNS_SUBDOMAIN_MAX}),
                                    help_text="The Kubernetes storage class for projects' volumes, for example efs-sc.")
    nlb_ip = forms.CharField(max_length=45, label="NLB public IP address",
                             help_text="The public address of the network load balancer in front of the cluster's "
                                       "ingress.")

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.accounts = ready_accounts(self, organisation, EngineMode.IMPORT)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("The engine needs a name.", code="required")
        return unused_engine_name(self.organisation, name)

    def clean_cloud_account(self):
        return ready_account(self.accounts, self.cleaned_data["cloud_account"], EngineMode.IMPORT)

    def clean_region(self):
        return valid_region(self.cleaned_data["region"])

    def clean_cluster_name(self):
        return validate_eks_name(self.cleaned_data["cluster_name"])

    def clean_storage_class(self):
        return validate_storage_class(self.cleaned_data["storage_class"])

    def clean_nlb_ip(self):
        return validate_nlb_address(self.cleaned_data["nlb_ip"])
