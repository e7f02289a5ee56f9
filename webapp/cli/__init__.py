"""Operator commands: ``flask --app wsgi <command>``.

    make-admin EMAIL [--revoke]   grant (revoke) platform administration
    db upgrade                    apply pending schema migrations
    db status                     applied vs declared schema version, pending steps
    worker [--burst] [QUEUE...]   same as ``python -m jobs.worker``
    scheduler [--burst]           same as ``python -m jobs.scheduler``
    seed-demo [--items N] ...     a demo organization with N work items (webapp.cli.seed)

Failures print a one-line reason to stderr and exit non-zero.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from webapp.cli.appwrite import appwrite as appwrite_commands
from webapp.cli.seed import seed_demo_command
from webapp.extensions import runtime
from webapp.storage.errors import StorageError

db = AppGroup("db", help="Database schema: status and migrations.")


@click.command("make-admin")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Take platform administration away instead.")
@with_appcontext
def make_admin(email: str, revoke: bool) -> None:
    """Make the account with EMAIL a platform administrator (it must exist)."""
    from webapp.admin.service import UnknownUser, set_platform_admin

    try:
        user = set_platform_admin(runtime().store, email, admin=not revoke)
    except UnknownUser:
        raise click.ClickException(f"no account with the e-mail address {email!r}") from None
    verb = "is no longer" if revoke else "is now"
    click.echo(f"{user['email']} {verb} a platform admin.")


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply pending schema migrations (safe to run any time)."""
    store = runtime().store
    try:
        applied = store.migrate()
        if 3 in applied:
            from webapp.authz.mirrors import backfill

            click.echo(f"v3 access copies filled in: {backfill(store)} rows")
        version = store.schema_version()
    except StorageError as exc:
        raise click.ClickException(f"migration failed: {exc}") from None
    if applied:
        click.echo("applied: " + ", ".join(f"v{v}" for v in applied))
    else:
        click.echo("nothing to apply")
    click.echo(f"schema version {version}")


@db.command("status")
def db_status() -> None:
    """Show the applied and declared schema versions and any pending steps."""
    from webapp.storage.migrations import plan

    store = runtime().store
    try:
        current = store.schema_version()
    except StorageError as exc:
        raise click.ClickException(f"cannot read the schema version: {exc}") from None
    target = store.schema.version
    click.echo(f"database: v{current}")
    click.echo(f"declared: v{target}")
    if current > target:
        raise click.ClickException(
            f"the database (v{current}) is newer than this code (v{target}): upgrade Keel"
        )
    steps = plan(store.schema, current)
    if not steps:
        click.echo("up to date")
        return
    click.echo(f"pending ({target - current} version(s)):")
    for line in steps:
        click.echo(f"  {line}")


@click.command("worker", add_help_option=False, context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def worker(args: tuple[str, ...]) -> None:
    """Run an RQ worker (arguments as for ``python -m jobs.worker``)."""
    from jobs.worker import main

    raise SystemExit(main(list(args)))


@click.command(
    "scheduler", add_help_option=False, context_settings={"ignore_unknown_options": True}
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def scheduler(args: tuple[str, ...]) -> None:
    """Run the scheduler (arguments as for ``python -m jobs.scheduler``)."""
    from jobs.scheduler import main

    raise SystemExit(main(list(args)))


def init_app(app: Flask) -> None:
    app.cli.add_command(make_admin)
    app.cli.add_command(db)
    app.cli.add_command(worker)
    app.cli.add_command(scheduler)
    app.cli.add_command(appwrite_commands)
    app.cli.add_command(seed_demo_command)
