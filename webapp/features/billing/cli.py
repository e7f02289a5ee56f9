"""``flask --app wsgi billing reconcile|close-cycle``: operator commands."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from webapp.extensions import runtime

from . import cycle
from .reconcile import reconcile
from .simulate import simulate

billing_cli = AppGroup("billing", help="Billing operations.")


@billing_cli.command("reconcile")
def reconcile_command() -> None:
    """Check every wallet, invoice and payment; exit 1 on any drift."""
    rt = runtime()
    report = reconcile(rt.store, rt.settings)
    click.echo(f"wallets {report.wallets}, invoices {report.invoices}, "
               f"payments {report.payments}: {len(report.problems)} problem(s)")
    for problem in report.problems:
        click.echo(f"  {problem}")
    sys.exit(0 if report.ok else 1)


@billing_cli.command("close-cycle")
@click.option("--cycle", "name", default=None, help="YYYY-MM (default: last month)")
def close_cycle_command(name: str | None) -> None:
    """Close a cycle now (the same service the 1st-of-month job runs)."""
    rt = runtime()
    run = cycle.close_cycle(rt.store, rt.settings, cycle=name, redis=rt.redis)
    click.echo(f"{run.cycle}: {run.invoices} invoices, {run.paid} paid, {run.failed} failed"
               f"{' (already closed)' if run.skipped else ''}")
    for error in run.errors:
        click.echo(f"  {error}")
    sys.exit(1 if run.errors else 0)


@billing_cli.command("simulate")
@click.option("--accounts", default=100, show_default=True)
@click.option("--months", default=3, show_default=True)
@click.option("--seed", default=0, show_default=True)
def simulate_command(accounts: int, months: int, seed: int) -> None:
    """Drive usage, top-ups (delivered twice), cycles and grace through the services, then
    reconcile; exit 1 on drift."""
    rt = runtime()
    sim = simulate(rt.store, rt.settings, accounts=accounts, months=months, seed=seed)
    click.echo(f"run {sim.run}: {sim.accounts} accounts, {sim.events} usage events, "
               f"{sim.topups} top-ups (+{sim.duplicates} duplicate deliveries), "
               f"{sim.invoices} invoices ({sim.failed} failed), {sim.suspended} suspensions")
    report = reconcile(rt.store, rt.settings)
    click.echo(f"reconcile: {len(report.problems)} problem(s)")
    for problem in report.problems[:50]:
        click.echo(f"  {problem}")
    sys.exit(0 if report.ok else 1)
