"""``flask --app wsgi appwrite provision|check``: Keel's schema and buckets on Appwrite.

    appwrite provision   create/update the database, tables, columns, indexes (every pending
                         schema version, recorded in the keel_meta table) and the buckets
                         images, attachments and docs; safe to run any time
    appwrite check       report drift between the declared schema and what Appwrite has
                         (exit status 1 when anything differs)

Both need STORAGE_DRIVER=appwrite and the APPWRITE_* settings (docs/appwrite.md).
"""

from __future__ import annotations

from typing import Any

import click
from flask.cli import AppGroup

from webapp.extensions import runtime
from webapp.storage.errors import StorageError

appwrite = AppGroup("appwrite", help="Appwrite: provision the schema and buckets, check drift.")


def _stores() -> tuple[Any, Any]:
    from webapp.storage.appwrite import AppwriteStore
    from webapp.storage.files_appwrite import AppwriteFileStore

    rt = runtime()
    settings = rt.settings
    if settings.storage_driver.lower() != "appwrite":
        raise click.ClickException("STORAGE_DRIVER is not 'appwrite' (see docs/appwrite.md)")
    try:
        store = rt.store
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    assert isinstance(store, AppwriteStore)
    files = AppwriteFileStore(
        settings.appwrite_endpoint, settings.appwrite_project, settings.appwrite_key
    )
    return store, files


@appwrite.command("provision")
def provision() -> None:
    """Create or update the Appwrite database, tables and buckets (idempotent)."""
    store, files = _stores()
    try:
        applied = store.migrate()
        buckets = files.provision()
        version = store.schema_version()
    except StorageError as exc:
        raise click.ClickException(f"provisioning failed: {exc}") from None
    versions = ", ".join(f"v{v}" for v in applied)
    click.echo(f"applied: {versions}" if applied else "schema up to date")
    click.echo("buckets created: " + ", ".join(buckets) if buckets else "buckets present")
    click.echo(f"database {store.database_id}: schema version {version}")


@appwrite.command("check")
def check() -> None:
    """Report differences between the declared schema and Appwrite (exit 1 if any)."""
    store, files = _stores()
    try:
        lines = store.check()
        lines.extend(f"bucket {name}: missing" for name in files.missing_buckets())
    except StorageError as exc:
        raise click.ClickException(f"cannot check: {exc}") from None
    if not lines:
        click.echo(f"database {store.database_id}: no drift (schema v{store.schema.version})")
        return
    for line in lines:
        click.echo(line)
    raise click.exceptions.Exit(1)
