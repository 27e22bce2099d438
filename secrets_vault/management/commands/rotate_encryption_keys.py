"""`manage.py rotate_encryption_keys`: re-encrypt every encrypted column under the first key."""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from secrets_vault.keys import KeyRing
from secrets_vault.rotation import DEFAULT_BATCH_SIZE, encrypted_columns, rotate_column


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column under the first key of FIELD_ENCRYPTION_KEY. Values already "
        "under the first key are skipped, so the command can be run again after an interruption. "
        "Procedure: put the new key first and keep the old ones after it, restart every portal process, "
        "run this command, then remove the old keys."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows read and written per transaction (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count the rows to re-encrypt without writing.")
        parser.add_argument("--no-progress", action="store_true", help="Do not show the progress bar.")

    def handle(self, *args, batch_size, dry_run, no_progress, **options):
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1, not {batch_size}.")
        keys = KeyRing.from_settings()
        if keys.count == 1:
            self.stdout.write("FIELD_ENCRYPTION_KEY holds one key: values are checked, none can move to another key.")

        results = []
        for column in encrypted_columns():
            total = column.stored_rows().count()
            with tqdm(total=total, desc=column.label, unit="row", file=sys.stderr, disable=no_progress) as progress:
                result = rotate_column(
                    column,
                    keys,
                    batch_size=batch_size,
                    dry_run=dry_run,
                    on_batch=progress.update,
                    write_in_background=True,
                )
            results.append(result)
            self.stdout.write(
                f"{result.column}: {result.changed} re-encrypted, {result.current} already under the first key, "
                f"{result.undecryptable} undecryptable, {result.conflicts} changed during the run"
            )

        changed = sum(result.changed for result in results)
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(self.style.SUCCESS(f"Rows {verb} under the first key: {changed}"))

        undecryptable = sum(result.undecryptable for result in results)
        if undecryptable:
            raise CommandError(
                f"{undecryptable} value(s) could not be decrypted with any configured key and were left unchanged; "
                "the log lists their rows. Add the missing key after the first one and run the command again."
            )
