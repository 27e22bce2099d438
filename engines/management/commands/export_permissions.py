"""`manage.py export_permissions`: print the AWS permissions the portal needs, as policy JSON or a template."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from engines.choices import EngineKind, EngineMode
from engines.providers.aws.policy_export import boundary_policy_json, cloudformation_template, policy_json

FORMATS = ("json", "cloudformation", "boundary")


class Command(BaseCommand):
    help = (
        "Print the IAM permissions of an engine kind and mode: json (an array of IAM policy documents), "
        "cloudformation (a template that creates the customer role), or boundary (the permissions boundary "
        "of the roles the portal creates)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=[EngineKind.EKS], help="Engine kind.")
        parser.add_argument("--mode", required=True, choices=[choice.value for choice in EngineMode],
                            help="Engine mode: create or import.")
        parser.add_argument("--format", required=True, choices=FORMATS, dest="output_format", help="Output format.")
        parser.add_argument("--account-id", default="*",
                            help="AWS account id written into resource ARNs of json and boundary (default: *).")
        parser.add_argument("--partition", default=None,
                            help="AWS partition of json and boundary (default: AICHOR_AWS_PARTITION).")
        parser.add_argument("--external-id", default=None,
                            help="Default value of the template's ExternalId parameter (default: none, so the "
                            "administrator must enter the cloud account's ExternalId).")
        parser.add_argument("--role-name", default="AIchorPortalRole", help="Default name of the template's role.")

    def handle(self, *args, kind, mode, output_format, account_id, partition, external_id, role_name, **options):
        partition = partition or settings.AICHOR_AWS_PARTITION
        if output_format == "json":
            self.stdout.write(policy_json(kind, mode, partition, account_id))
        elif output_format == "boundary":
            self.stdout.write(boundary_policy_json(partition, account_id))
        else:
            principal = settings.AICHOR_AWS_PRINCIPAL_ARN
            if not principal:
                raise CommandError(
                    "AICHOR_AWS_PRINCIPAL_ARN is not set: the template's trust policy must name the portal's "
                    "AWS principal. Set it to the ARN of the role or user the portal runs as."
                )
            try:
                self.stdout.write(cloudformation_template(kind, mode, principal, external_id=external_id,
                                                          role_name=role_name))
            except ValueError as error:
                raise CommandError(str(error)) from None
