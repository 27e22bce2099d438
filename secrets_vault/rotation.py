"""Re-encryption of every encrypted column under the first key of FIELD_ENCRYPTION_KEY.

Rows are read as raw ciphertext and written back as raw ciphertext, so no plaintext enters
Python objects here. Each batch commits on its own: an interrupted run leaves every row under
one of the configured keys, and the next run skips the rows already under the first key.
"""

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import connections, models, router, transaction
from django.db.models import ExpressionWrapper, F

from secrets_vault.fields import is_encrypted_field
from secrets_vault.keys import KeyRing

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 1000


@dataclass(frozen=True)
class EncryptedColumn:
    model: type[models.Model]
    field: models.Field

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field.name}"

    @property
    def alias(self) -> str:
        return router.db_for_write(self.model)

    def stored_rows(self):
        """Return a queryset of the column's non-null values, undecrypted."""
        return self.model._base_manager.using(self.alias).filter(**{f"{self.field.attname}__isnull": False})


@dataclass
class RotationResult:
    column: str
    examined: int = 0
    changed: int = 0
    current: int = 0
    undecryptable: int = 0
    conflicts: int = 0


def encrypted_columns() -> list[EncryptedColumn]:
    """Find every encrypted column of every installed model, in a stable order."""
    columns = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.local_concrete_fields:
            if is_encrypted_field(field):
                columns.append(EncryptedColumn(model, field))
    return sorted(columns, key=lambda column: column.label)


def rotate_column(
    column: EncryptedColumn,
    keys: KeyRing,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    on_batch: Callable[[int], None] | None = None,
    write_in_background: bool = False,
) -> RotationResult:
    """Re-encrypt one column's values under the first key, batch by batch, in primary key order.

    A row that the portal changes between the read and the write is left alone and counted in
    `conflicts`: it was written under the first key of the process that changed it.

    With `write_in_background`, a second thread with its own database connection writes each
    batch while this one encrypts the next. Only use it outside a transaction: that connection
    does not see uncommitted rows.
    """
    result = RotationResult(column.label)
    # The wrapper's plain TextField output skips the encrypted field's decryption on read.
    raw_value = ExpressionWrapper(F(column.field.attname), output_field=models.TextField())
    rows = column.stored_rows().order_by("pk")
    last_pk = None

    with BatchWriter(column, result, background=write_in_background and not dry_run) as writer:
        while True:
            batch_rows = rows if last_pk is None else rows.filter(pk__gt=last_pk)
            batch = list(batch_rows.values_list("pk", raw_value)[:batch_size])
            if not batch:
                break
            last_pk = batch[-1][0]

            updates = _rotate_batch(column, batch, keys, result)
            if updates and not dry_run:
                writer.write(updates)
            elif updates:
                result.changed += len(updates)
            if on_batch is not None:
                on_batch(len(batch))

    return result


class BatchWriter:
    """Write batches in order, in the caller's thread or in one background thread.

    At most one batch is in flight: `write` first waits for the previous one, so its result
    (or its exception) is counted before the next batch goes out.
    """

    def __init__(self, column: EncryptedColumn, result: RotationResult, *, background: bool):
        self.column = column
        self.result = result
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rotation-writer") if background else None
        self.pending: tuple[list, Future] | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        try:
            self._collect()
        finally:
            if self.executor is not None:
                # The writer thread opened a connection of its own: close it there.
                self.executor.submit(_close_connection, self.column.alias).result()
                self.executor.shutdown()

    def write(self, updates: list[tuple]) -> None:
        self._collect()
        if self.executor is None:
            self._count(updates, _write_batch(self.column, updates))
        else:
            self.pending = (updates, self.executor.submit(_write_batch, self.column, updates))

    def _collect(self) -> None:
        if self.pending is not None:
            updates, future = self.pending
            self.pending = None
            self._count(updates, future.result())

    def _count(self, updates: list[tuple], written: int) -> None:
        self.result.changed += written
        self.result.conflicts += len(updates) - written


def _rotate_batch(column: EncryptedColumn, batch: list, keys: KeyRing, result: RotationResult) -> list[tuple]:
    """Return (new token, pk, old token) for the rows of a batch that need re-encryption."""
    updates = []
    for pk, token in batch:
        result.examined += 1
        stored = token.encode()
        if keys.is_current(stored):
            result.current += 1
            continue
        try:
            rotated = keys.rotate(stored)
        except InvalidToken:
            result.undecryptable += 1
            logger.error("No configured key decrypts %s of row %s: left unchanged", column.label, pk)
            continue
        updates.append((rotated.decode(), pk, token))
    return updates


def _write_batch(column: EncryptedColumn, updates: list[tuple]) -> int:
    """Write (new token, pk, old token) rows where the old token is still stored; return the rows written.

    PostgreSQL gets one UPDATE per batch, joined to the batch passed as three arrays. The
    primary key range of the batch bounds the join: without it, a table without planner
    statistics (just filled, not yet analysed) was scanned whole for every batch. Other
    databases get one UPDATE per row through executemany().
    """
    meta = column.model._meta
    connection = connections[column.alias]
    quote = connection.ops.quote_name
    table, pk, value = quote(meta.db_table), quote(meta.pk.column), quote(column.field.column)

    if connection.vendor == "postgresql":
        pk_type, value_type = meta.pk.db_type(connection), column.field.db_type(connection)
        sql = (
            f"UPDATE {table} SET {value} = batch.new_token "
            f"FROM unnest(%s::{value_type}[], %s::{pk_type}[], %s::{value_type}[]) AS batch(new_token, pk, old_token) "
            f"WHERE {table}.{pk} = batch.pk AND {table}.{value} = batch.old_token "
            f"AND {table}.{pk} BETWEEN %s AND %s"
        )
        new_tokens, pks, old_tokens = (list(values) for values in zip(*updates))
        with transaction.atomic(using=column.alias), connection.cursor() as cursor:
            cursor.execute(sql, [new_tokens, pks, old_tokens, min(pks), max(pks)])
            return cursor.rowcount

    sql = f"UPDATE {table} SET {value} = %s WHERE {pk} = %s AND {value} = %s"
    with transaction.atomic(using=column.alias), connection.cursor() as cursor:
        cursor.executemany(sql, updates)
        return cursor.rowcount


def _close_connection(alias: str) -> None:
    connections[alias].close()
