"""`manage.py cloudaccount`: add, list and delete cloud accounts, through the same services as the pages."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from engines.choices import Provider
from engines.management import lookup
from engines.services.cloud_accounts import add_cloud_account, delete_cloud_account
from organisations.permissions import Actor


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "\n  ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "Add, list or delete cloud accounts."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)

        add = subcommands.add_parser("add", help="Add a cloud account and print its ExternalId.")
        add.add_argument("--org", required=True, help="Organisation slug.")
        add.add_argument("--provider", required=True, choices=[choice.value for choice in Provider],
                         help="Cloud provider (only aws is available).")
        add.add_argument("--name", required=True, help="Account name, unique in the organisation.")
        add.add_argument("--role-arn", help="ARN of the IAM role that the portal assumes (aws).")
        add.add_argument("--region", help="Default region (default: AICHOR_AWS_DEFAULT_REGION).")

        listing = subcommands.add_parser("list", help="List an organisation's cloud accounts.")
        listing.add_argument("--org", required=True, help="Organisation slug.")

        delete = subcommands.add_parser("delete", help="Delete a cloud account that has no engines.")
        delete.add_argument("name", help="Account name.")
        delete.add_argument("--org", required=True, help="Organisation slug.")
        delete.add_argument("--yes", action="store_true", help="Confirm the deletion.")

    def handle(self, *args, subcommand, **options):
        return getattr(self, f"handle_{subcommand}")(**options)

    def handle_add(self, *, org, provider, name, role_arn, region, **options):
        organisation = lookup.organisation(org)
        if provider != Provider.AWS:
            raise CommandError(f"Adding {provider} cloud accounts is not available yet: only aws is.")
        if not role_arn:
            raise CommandError("--role-arn is required for an aws cloud account.")
        try:
            account = add_cloud_account(
                organisation,
                actor=Actor.operator(),
                name=name,
                role_arn=role_arn,
                default_region=region or settings.AICHOR_AWS_DEFAULT_REGION,
            )
        except ValidationError as error:
            raise CommandError(f"Cannot add the cloud account:\n  {_messages(error)}") from None
        self.stdout.write(f"Added cloud account {account.name} (id {account.pk}) for {account.role_arn} "
                          f"in {account.default_region}.")
        self.stdout.write(f"ExternalId: {account.external_id}")

    def handle_list(self, *, org, **options):
        organisation = lookup.organisation(org)
        for account in organisation.cloud_accounts.order_by("name"):
            self.stdout.write(f"{account.name}\t{account.provider}\t{account.role_arn}\t{account.default_region}")

    def handle_delete(self, *, name, org, yes, **options):
        organisation = lookup.organisation(org)
        account = lookup.cloud_account(organisation, name)
        if not yes:
            raise CommandError(
                f"Deleting {account.name} removes it and its pre-flight results from the portal: add --yes."
            )
        try:
            delete_cloud_account(account, actor=Actor.operator())
        except ValidationError as error:
            raise CommandError(_messages(error)) from None
        self.stdout.write(f"Deleted cloud account {name}.")
