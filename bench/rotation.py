"""Benchmark: `manage.py rotate_encryption_keys` on 100,000 values, against raw MultiFernet.rotate.

    .venv/bin/python bench/rotation.py [--rows 100000] [--batch-size 1000]

The script creates a throw-away main and vault database (SQLite files in a temporary
directory), stores the values encrypted under an old key, and runs the command with the key
list "new,old". It then rotates the same tokens with MultiFernet.rotate in the same process,
with no database, which is the limit for any rotation. It prints both rates and their ratio.
Pass --vault-url to use another vault database instead (for example an empty PostgreSQL
database). The script stops when that database already contains variables.
"""

import argparse
import io
import os
import platform
import secrets
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet

REPO = Path(__file__).resolve().parent.parent


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="Values to rotate (default 100000).")
    parser.add_argument("--batch-size", type=int, default=1000, help="Rows per transaction (default 1000).")
    parser.add_argument(
        "--vault-url", default="", help="URL of an empty vault database (default: a temporary SQLite file)."
    )
    return parser.parse_args()


def set_up_django(directory: Path, keys: list[bytes], vault_url: str) -> None:
    """Point the portal's settings at the throw-away databases and migrate the vault."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "aichor_portal.settings",
            "AICHOR_ENV_FILE": "",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEY": ",".join(key.decode() for key in keys),
            "DATABASE_URL": f"sqlite:///{directory / 'portal.sqlite3'}",
            "VAULT_DATABASE_URL": vault_url or f"sqlite:///{directory / 'vault.sqlite3'}",
            "AICHOR_SANDBOX_STATE_FILE": str(directory / "sandbox.json"),
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(REPO))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", database="vault", verbosity=0)


def store_old_tokens(tokens: list[bytes]) -> None:
    """Insert one variable per token, written as raw ciphertext in a single transaction."""
    from django.db import connections, transaction
    from django.utils import timezone

    from secrets_vault.models import EnvironmentVariable

    if EnvironmentVariable.objects.exists():
        raise SystemExit("The vault database already contains variables: pass an empty database with --vault-url.")

    meta = EnvironmentVariable._meta
    connection = connections["vault"]
    quote = connection.ops.quote_name
    columns = ["project_id", "name", "scope", "sensitive", "value", "created_at", "updated_at", "updated_by_label"]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(meta.get_field(name).column) for name in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    now = timezone.now()
    rows = [
        (number // 100, f"VAR_{number}", "runtime", True, token.decode(), now, now, "bench")
        for number, token in enumerate(tokens)
    ]
    with transaction.atomic(using="vault"), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def time_command(batch_size: int) -> tuple[float, str]:
    from django.core.management import call_command

    output = io.StringIO()
    started = time.perf_counter()
    call_command("rotate_encryption_keys", batch_size=batch_size, no_progress=True, stdout=output)
    return time.perf_counter() - started, output.getvalue()


def time_raw_rotate(keys: list[bytes], tokens: list[bytes]) -> float:
    multi = MultiFernet([Fernet(key) for key in keys])
    started = time.perf_counter()
    for token in tokens:
        multi.rotate(token)
    return time.perf_counter() - started


def main() -> None:
    arguments = parse_arguments()
    new_key, old_key = Fernet.generate_key(), Fernet.generate_key()

    with tempfile.TemporaryDirectory(prefix="aichor-bench-") as directory:
        set_up_django(Path(directory), [new_key, old_key], arguments.vault_url)
        old = Fernet(old_key)
        # Values of 45 characters, like a typical token or password.
        values = [f"value-{number:06d}-{secrets.token_urlsafe(24)}" for number in range(arguments.rows)]
        tokens = [old.encrypt(value.encode()) for value in values]
        store_old_tokens(tokens)

        command_seconds, report = time_command(arguments.batch_size)
        raw_seconds = time_raw_rotate([new_key, old_key], tokens)

    from django.db import connections

    command_rate = arguments.rows / command_seconds
    raw_rate = arguments.rows / raw_seconds
    print(report.strip())
    vendor = connections["vault"].vendor
    database = f"SQLite {sqlite3.sqlite_version}" if vendor == "sqlite" else vendor
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPU(s), vault on {database}")
    print(f"rows: {arguments.rows}, batch size: {arguments.batch_size}")
    print(f"rotate_encryption_keys: {command_seconds:.2f} s, {command_rate:,.0f} rows/s")
    print(f"raw MultiFernet.rotate:  {raw_seconds:.2f} s, {raw_rate:,.0f} rows/s")
    print(f"ratio (command / raw): {command_rate / raw_rate:.2f}")


if __name__ == "__main__":
    main()
