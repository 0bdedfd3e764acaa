"""Rewriting stored masks after the mask rule changed (used by data migrations; no model imports)."""

from __future__ import annotations

# Old rule: the first 6 and the last 4 characters; the new one (core.masking.mask_id_number) keeps the first 6 and
# the last one for resident IDs, so the new mask is derived from the old one without decrypting anything.
_SQL = ("UPDATE {table} SET id_number_masked = substr(id_number_masked, 1, 6) || '{stars}' || "
        "substr(id_number_masked, {last}, 1) WHERE length(id_number_masked) = {length}")


def remask_resident_ids(cursor, table: str) -> None:
    for length in (18, 15):
        cursor.execute(_SQL.format(table=table, stars="*" * (length - 7), last=length, length=length))


def remask_other_documents(cursor, table: str) -> None:
    """Masks of 9 to 14 characters showed 10 characters under the old rule, which for a 9- or 10-character
    passport was all of it: these are recomputed from the sealed value."""
    from .crypto import unseal
    from .masking import mask_id_number

    cursor.execute(f"SELECT id, id_number_sealed FROM {table} "  # noqa: S608 - table names from migrations
                   "WHERE length(id_number_masked) BETWEEN 9 AND 14 AND id_number_sealed <> ''")
    for pk, sealed in cursor.fetchall():
        cursor.execute(f"UPDATE {table} SET id_number_masked = %s WHERE id = %s",  # noqa: S608
                       [mask_id_number(unseal(sealed)), pk])
