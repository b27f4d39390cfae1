"""Command line: `bookwell serve | migrate | create-admin | seed-demo`."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from types import FrameType
from typing import Annotated

import typer
import uvicorn
from prometheus_client import start_http_server
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bookwell.bookings.expiry import sweep
from bookwell.config import ConfigError, Settings, load_settings, reveal
from bookwell.db import Database
from bookwell.demo import DEMO_PASSWORD, DemoOptions, DemoSummary, describe, seed_demo
from bookwell.errors import DomainError
from bookwell.logging import configure_logging
from bookwell.metrics import metrics_registry
from bookwell.migrations import run_migrations
from bookwell.users.service import AdminOutcome, ensure_super_admin

app = typer.Typer(help="Bookwell booking platform backend.", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)


def _exit_cleanly(_signum: int, _frame: FrameType | None) -> None:
    sys.exit(0)


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        console.print(f"[bold red]Configuration error:[/] {exc}")
        raise typer.Exit(code=2) from None


async def _ensure_admin(
    settings: Settings, email: str, password: str, *, promote: bool = False
) -> AdminOutcome:
    database = Database(settings)
    try:
        async with database.session() as session:
            return await ensure_super_admin(session, email, password, promote=promote)
    finally:
        await database.dispose()


def _explain(error: DomainError) -> str:
    details = "; ".join(f"{d.field}: {d.message}" for d in error.details)
    return error.message + (f" ({details})" if details else "")


def _report_admin(email: str, outcome: AdminOutcome) -> None:
    messages = {
        AdminOutcome.CREATED: f"Super admin {email} created.",
        AdminOutcome.EXISTS: f"Super admin {email} already exists; nothing changed.",
        AdminOutcome.PROMOTED: f"User {email} is now a super admin.",
    }
    console.print(messages[outcome])


@app.command()
def migrate(
    revision: Annotated[str, typer.Option(help="Target revision")] = "head",
) -> None:
    """Apply database migrations (SQLite or PostgreSQL, from DATABASE_URL)."""
    settings = _settings()
    run_migrations(settings, revision)
    console.print(f"Database migrated to {revision}.")


async def _expire_bookings(settings: Settings) -> int:
    database = Database(settings)
    try:
        return await sweep(database)
    finally:
        await database.dispose()


@app.command("expire-bookings")
def expire_bookings() -> None:
    """Mark unpaid bookings past their payment deadline as expired (once)."""
    settings = _settings()
    count = asyncio.run(_expire_bookings(settings))
    console.print(f"Expired {count} unpaid booking(s).")


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(envvar="ADMIN_EMAIL", help="The admin's email")],
    password: Annotated[
        str,
        typer.Option(
            envvar="ADMIN_PASSWORD", prompt=True, hide_input=True, confirmation_prompt=True
        ),
    ],
    promote: Annotated[
        bool, typer.Option(help="Make an existing user with this email a super admin")
    ] = False,
) -> None:
    """Create the super admin (or, with --promote, promote an existing user)."""
    settings = _settings()
    run_migrations(settings)
    try:
        outcome = asyncio.run(_ensure_admin(settings, email, password, promote=promote))
    except DomainError as exc:
        console.print(f"[bold red]{_explain(exc)}[/]")
        raise typer.Exit(code=1) from None
    _report_admin(email, outcome)


async def _seed_demo(settings: Settings, options: DemoOptions, progress: Progress) -> DemoSummary:
    task = progress.add_task("Demo businesses", total=options.businesses + options.specialists)
    database = Database(settings)
    try:
        async with database.session() as session:
            return await seed_demo(
                session, options, lambda done, total: progress.update(task, completed=done)
            )
    finally:
        await database.dispose()


_DEMO_DEFAULTS = DemoOptions()


@app.command("seed-demo")
def seed_demo_command(
    businesses: Annotated[
        int, typer.Option(min=0, help="Businesses with 2-3 locations, managers and masters")
    ] = _DEMO_DEFAULTS.businesses,
    specialists: Annotated[
        int, typer.Option(min=0, help="Solo specialists (a one-person business each)")
    ] = _DEMO_DEFAULTS.specialists,
    services_per_master: Annotated[
        int,
        typer.Option(min=1, help="Services each master offers (capped by their trade's list)"),
    ] = _DEMO_DEFAULTS.services_per_master,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same data")] = (
        _DEMO_DEFAULTS.seed
    ),
) -> None:
    """Fill the database with demo businesses, specialists and services (en, ru, kk).

    Skipped when demo accounts (emails ending in .demo) already exist."""
    settings = _settings()
    run_migrations(settings)
    options = DemoOptions(businesses, specialists, services_per_master, seed)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        summary = asyncio.run(_seed_demo(settings, options, progress))
    if summary.categories_added:
        console.print(f"Added {summary.categories_added} missing categories.")
    if summary.skipped:
        console.print("Demo data is already there (accounts ending in .demo); left as it is.")
        return
    table = Table("created", "count", title=f"Demo data (seed {seed})")
    for label, count in describe(summary):
        table.add_row(label, str(count))
    console.print(table)
    for who, email in summary.logins:
        console.print(f"  {who}: {email}")
    console.print(f"Every demo account signs in with the password [bold]{DEMO_PASSWORD}[/].")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default PORT)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="API processes")] = 1,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply migrations before serving")
    ] = True,
) -> None:
    """Serve the API: migrate, create the admin from ADMIN_EMAIL/ADMIN_PASSWORD, listen."""
    settings = _settings()
    configure_logging(settings)
    if migrate_first:
        run_migrations(settings)
    admin_password = reveal(settings.admin_password)
    if settings.admin_email and admin_password:
        try:
            outcome = asyncio.run(_ensure_admin(settings, settings.admin_email, admin_password))
        except DomainError as exc:
            console.print(f"[bold red]ADMIN_EMAIL/ADMIN_PASSWORD refused:[/] {_explain(exc)}")
            raise typer.Exit(code=2) from None
        _report_admin(settings.admin_email, outcome)
    bind_host = host or settings.host
    bind_port = port or settings.port
    console.print(
        f"Bookwell on http://{bind_host}:{bind_port}  (docs: /api/docs/ui, "
        f"database: {settings.async_database_url.split('://')[0]})"
    )
    # uvicorn drains in-flight requests on SIGTERM, then restores the previous handler
    # and re-raises the signal; with the default handler the process would die of
    # SIGTERM (status 143) after a clean shutdown. Exit with 0 instead.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    if workers > 1:
        _share_metrics_between_workers(settings)
        if settings.metrics_port:
            # The worker processes come and go; the parent serves their sum.
            start_http_server(
                settings.metrics_port, addr="127.0.0.1", registry=metrics_registry(None)
            )
    uvicorn.run(
        "bookwell.app:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers,
        log_config=None,
        access_log=False,
        # The app trusts X-Forwarded-* from FORWARDED_ALLOW_IPS alone (see create_app);
        # uvicorn's own handling would trust 127.0.0.1 by default.
        proxy_headers=False,
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
        # A worker process re-imports this command's modules before it answers the
        # parent's health check; on a busy machine that takes longer than the 5 s default.
        timeout_worker_healthcheck=30,
    )


def _share_metrics_between_workers(settings: Settings) -> None:
    """Let /metrics in any worker report the sum over all workers (prometheus-client's
    multiprocess mode: each process writes its samples to files in one folder)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    folder = settings.data_dir / "prometheus"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder.resolve())


def main() -> None:
    app(prog_name="bookwell")
