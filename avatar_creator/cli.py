"""``avatar-creator``: the operator's command line (Typer)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from avatar_creator.errors import AppError, ConfigurationError
from avatar_creator.settings import Settings, load_settings

if TYPE_CHECKING:
    from avatar_creator.storage import Storage

app = typer.Typer(help="Avatar Creator: serve the API, run workers and manage the service.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
users_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
credits_app = typer.Typer(help="Grant and inspect credits.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(credits_app, name="credits")
storage_app = typer.Typer(help="Check stored files against the database; copy them to S3.", no_args_is_help=True)
app.add_typer(storage_app, name="storage")
db_app = typer.Typer(help="Move the database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()
DEFAULT_BASE_URL = "http://127.0.0.1:8000"  # serve's own default address


def _settings(**overrides: object) -> Settings:
    """Settings, or one clear line and exit code 2 for a misconfiguration."""
    try:
        settings = load_settings(**overrides)
        settings.prepare()
        return settings
    except ConfigurationError as error:
        console.print(f"[red]Configuration error:[/red] {error}", highlight=False)
        raise typer.Exit(2) from None


def _built_storage(settings: Settings, *, s3: bool = False) -> Storage:
    """The storage AVATAR_STORAGE names (the AVATAR_S3_* bucket with ``s3``), or one line and exit code 2."""
    from avatar_creator.storage import build_s3_storage, build_storage

    try:
        return build_s3_storage(settings) if s3 else build_storage(settings)
    except ConfigurationError as error:
        console.print(f"[red]Configuration error:[/red] {error}", highlight=False)
        raise typer.Exit(2) from None


def _storage(settings: Settings, *, s3: bool = False) -> Storage:
    """``_built_storage``, reached once: a missing bucket or refused credentials are one line and exit code 2."""
    from avatar_creator.storage import StorageUnavailable

    storage = _built_storage(settings, s3=s3)
    try:
        storage.verify()
    except StorageUnavailable as error:
        console.print(f"[red]Storage error:[/red] {error}. Fix: {error.fix}", highlight=False)
        raise typer.Exit(2) from None
    return storage


def _database(settings: Settings):
    from avatar_creator.db import Database

    return Database.for_requests(settings)


def _migrate(settings: Settings) -> None:
    from sqlalchemy.exc import OperationalError

    from avatar_creator.db import MIGRATION_TIMEOUTS, Database
    from avatar_creator.migrations import upgrade

    database = Database(settings.resolved_database_url, pool_size=2, timeouts=MIGRATION_TIMEOUTS)
    try:
        upgrade(database.engine, lock_dir=settings.data_dir)
    except OperationalError as error:
        console.print(f"[red]Cannot reach the database:[/red] {str(error.orig).strip().splitlines()[0]}\n"
                      "Fix: check AVATAR_DATABASE_URL and that the database server is running.", highlight=False)
        raise typer.Exit(1) from None
    finally:
        database.dispose()


def _announce(settings: Settings, text: str) -> None:
    """A long-running command's status line: a log line when the output is JSON, so every line parses."""
    if settings.log_format == "json":
        import logging

        logging.getLogger("avatar_creator.cli").info(text)
    else:
        console.print(text, highlight=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int | None, typer.Option(help="In-process job workers (default AVATAR_WORKERS, 2).")] = None,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="Run no job worker in this process.")] = False,
) -> None:
    """Migrate the database (under a lock), seed the catalogue if it needs it, and serve the API and web app."""
    overrides: dict[str, object] = {}
    if no_worker:
        overrides["workers"] = 0
    elif workers is not None:
        overrides["workers"] = workers
    _start(_settings(**overrides), host=host, port=port, guide=False)


@app.command()
def run(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Migrate, seed and serve with workers, saying each step: the one command to start on any OS."""
    _start(_settings(), host=host, port=port, guide=True)


def _start(settings: Settings, *, host: str, port: int, guide: bool) -> None:
    """Migrate, seed the catalogue (idempotent: presets, persona examples, missing previews) and serve."""
    import uvicorn

    from avatar_creator import logs
    from avatar_creator.app import create_app

    def say(text: str) -> None:
        if guide:
            console.print(text, highlight=False, soft_wrap=True)

    logs.configure(settings.log_level, settings.log_format)
    storage = _storage(settings)
    say(f"Migrating the database ({settings.engine_label})...")
    _migrate(settings)
    say("Seeding the catalogue (presets and persona examples; missing previews are drawn in the background)...")
    report = _seed_rows(settings)
    _announce(settings, f"Avatar Creator on http://{host}:{port}  (database: {settings.engine_label}, "
                        f"provider: {settings.provider}, workers: {settings.workers}, files: {settings.storage}, "
                        f"catalogue: {report.presets.total} presets)")
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    app = create_app(settings, storage=storage, on_started=_draw_previews_when_started(settings, report))
    # The app reads X-Forwarded-For itself, from the trusted proxies only (request_ids.py); uvicorn would trust
    # 127.0.0.1, and would hide the proxy's address from the request-id middleware.
    config = uvicorn.Config(app, host=host, port=port, log_config=None, timeout_graceful_shutdown=10,
                            proxy_headers=False)

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started:  # listening: the URL to open is the last line of a start
                say(f"Serving. Open {url} in your browser (Ctrl+C stops).")

    Server(config).run()


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Jobs this process runs at once.")] = 2,
    metrics_port: Annotated[int | None, typer.Option(min=1, max=65535, help="Serve this process's Prometheus "
                                                     "metrics on this port (GET /metrics).")] = None,
    metrics_host: Annotated[str, typer.Option(help="Address the metrics port listens on.")] = "127.0.0.1",
) -> None:
    """Run generation jobs in this process (on any host that reaches the database); SIGTERM stops it cleanly."""
    import signal
    import threading

    from avatar_creator import logs
    from avatar_creator.generation.runner import build_runtime

    settings = _settings()
    logs.configure(settings.log_level, settings.log_format)
    storage = _storage(settings)
    _migrate(settings)
    from avatar_creator.db import Database

    database = Database.for_jobs(settings, workers=concurrency)
    runtime = build_runtime(settings, database, workers=concurrency, storage=storage)
    stop = threading.Event()
    # SIGTERM and Ctrl+C everywhere; Ctrl+Break too on Windows, whose consoles have no other way to stop a process.
    for name in ("SIGTERM", "SIGINT", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), lambda *_: stop.set())
    metrics_server = _serve_worker_metrics(settings, database, metrics_host, metrics_port) if metrics_port else None
    runtime.start()
    wake_ups = "Redis" if settings.redis_url else f"polling every {settings.worker_poll_seconds:g} s"
    _announce(settings, f"Worker running {concurrency} jobs at a time (database: {settings.engine_label}, "
                        f"wake-ups: {wake_ups}, provider: {settings.provider})")
    stop.wait()
    _announce(settings, "Stopping: giving running jobs back...")
    runtime.stop()
    if metrics_server is not None:
        metrics_server.shutdown()
    database.dispose()


def _serve_worker_metrics(settings: Settings, database, host: str, port: int):
    """The worker's own metrics server (its counters and the queue), protected by AVATAR_METRICS_TOKEN if set."""
    from avatar_creator import metrics
    from avatar_creator.generation.lifecycle import JOBS

    try:
        server = metrics.serve_worker_metrics(host=host, port=port, token=settings.metrics_token,
                                              collector=metrics.ScrapeCollector(metrics.queue_reader(
                                                  database, lambda session: JOBS.depth(session=session))))
    except OSError as error:
        console.print(f"[red]Cannot serve metrics on {host}:{port}:[/red] {error.strerror}", highlight=False)
        raise typer.Exit(2) from None
    console.print(f"Metrics on http://{host}:{port}/metrics", highlight=False)
    return server


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (safe to run from several hosts at once)."""
    _migrate(_settings())
    console.print("Database is up to date.")


@app.command()
def seed(
    previews: Annotated[bool, typer.Option("--previews", help="Redraw every preset preview with the configured "
                                                              "provider (AVATAR_PROVIDER).")] = False,
) -> None:
    """Insert or update the built-in presets and persona examples (idempotent) and draw missing previews."""
    settings = _settings()
    _migrate(settings)
    report = _seed(settings, redraw=previews)
    presets, personas = report.presets, report.persona_examples
    console.print(f"Seeded {presets.total} presets ({len(presets.inserted)} new, {len(presets.updated)} updated) and "
                  f"{personas.total} persona examples; {len(report.drawn)} previews drawn.", highlight=False)
    for slug, reason in report.failed.items():
        console.print(f"[red]Preview of {slug} not drawn:[/red] {reason}", highlight=False)
    if report.failed:
        raise typer.Exit(1)


def _seed_rows(settings: Settings):
    """The catalogue's rows, before serving (milliseconds); its database is gone before the app opens its own."""
    from avatar_creator.catalog.seeding import seed_rows

    database = _database(settings)
    try:
        return seed_rows(database)
    finally:
        database.dispose()


def _draw_previews_when_started(settings: Settings, report):
    """``create_app``'s ``on_started``: draw the missing previews offline in the background."""
    from avatar_creator.catalog.seeding import draw_in_background
    from avatar_creator.providers.registry import offline_provider

    def drawn(report) -> None:  # quiet when all went well: the URL to open stays the last line of a start
        for slug, reason in report.failed.items():
            console.print(f"[yellow]Preview of {slug} not drawn:[/yellow] {reason}", highlight=False)

    return lambda database: draw_in_background(database, report, previews_dir=settings.previews_dir,
                                               provider=offline_provider(), on_drawn=drawn)


def _seed(settings: Settings, *, redraw: bool):
    """Seed the catalogue; missing previews are drawn offline, ``redraw`` draws all with the configured provider."""
    from avatar_creator.catalog.seeding import seed_catalog
    from avatar_creator.providers.offline import OfflineProvider

    if redraw:
        from avatar_creator.providers.registry import build_providers

        provider = build_providers(settings).get(settings.provider)
        if provider is None or not provider.is_configured():
            console.print(f"[red]The {settings.provider} provider is not set up:[/red] "
                          f"{provider.check().fix if provider else 'not available in this installation'}",
                          highlight=False)
            raise typer.Exit(2)
    else:
        provider = OfflineProvider()
    database = _database(settings)
    try:
        return seed_catalog(database, previews_dir=settings.previews_dir, provider=provider, redraw=redraw,
                            prompt_terms={"quality_terms": settings.prompt_quality_terms,
                                          "negative_terms": settings.prompt_negative_terms})
    finally:
        database.dispose()


@app.command()
def doctor() -> None:
    """Check the database, Redis, storage, workers and providers; print each problem with its fix."""
    from avatar_creator.app import build_health
    from avatar_creator.providers.registry import build_providers

    settings = _settings()
    database = _database(settings)
    try:
        ready, results = build_health(settings, database, build_providers(settings), _built_storage(settings)).run()
    finally:
        database.dispose()
    table = Table("check", "status", "detail", "fix")
    for name, result in results.items():
        table.add_row(name, "[green]ok[/green]" if result.ok else "[red]FAIL[/red]", result.detail, result.fix)
    console.print(table)
    if not ready:
        console.print("[red]Not ready:[/red] fix the failures above.")
        raise typer.Exit(1)
    console.print("[green]Ready.[/green]")


def _with_session(action):
    """Run ``action(session, settings)`` in one committed transaction; domain errors become one line and exit 1."""
    settings = _settings()
    _migrate(settings)
    database = _database(settings)
    try:
        with database.session() as session:
            return action(session, settings)
    except AppError as error:
        console.print(f"[red]Error:[/red] {error.message}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        database.dispose()


@users_app.command("create")
def users_create(
    email: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          help="12–128 characters.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Give the account the admin role.")] = False,
) -> None:
    """Create an account (with the welcome bonus)."""
    from pydantic import ValidationError

    from avatar_creator.auth import service
    from avatar_creator.auth.passwords import Passwords
    from avatar_creator.auth.schemas import RegisterIn

    try:
        body = RegisterIn(email=email, password=password, name=name)
    except ValidationError as error:
        console.print(f"[red]Invalid:[/red] {error.errors()[0]['loc'][0]}: {error.errors()[0]['msg']}")
        raise typer.Exit(1) from None

    settings = _settings()
    password_hash = Passwords(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib,
                              parallelism=settings.argon2_parallelism, max_concurrent=1).hash(body.password)

    def create(session, settings: Settings):  # the hash is made first: no write transaction waits for argon2
        return service.create_user(session=session, email=body.email, password_hash=password_hash,
                                   name=body.name, storage_quota=settings.storage_quota_bytes,
                                   welcome_bonus=settings.welcome_bonus, role="admin" if admin else "user")

    user = _with_session(create)
    console.print(f"Created {user.email} ({user.role}) with {user.credit_balance} credits.", highlight=False)


@users_app.command("list")
def users_list() -> None:
    """List every account."""
    from avatar_creator.auth import service

    users = _with_session(lambda session, _s: service.list_users(session=session))
    table = Table("email", "name", "role", "credits", "created")
    for user in users:
        table.add_row(user.email, user.name or "", user.role, str(user.credit_balance), user.created_at.isoformat())
    console.print(table)


@users_app.command("set-role")
def users_set_role(email: str, role: Annotated[str, typer.Argument(help="user or admin")]) -> None:
    """Change an account's role."""
    from avatar_creator.auth import service

    user = _with_session(lambda session, _s: service.set_role(session=session, email=email, role=role))
    console.print(f"{user.email} is now {user.role}.", highlight=False)


@users_app.command("reset-link")
def users_reset_link(
    email: str,
    base_url: Annotated[str | None, typer.Option(help="Where the service is reached (default AVATAR_PUBLIC_URL, "
                                                      "else http://127.0.0.1:8000).")] = None,
) -> None:
    """Print a single-use password reset link for EMAIL, valid 30 minutes (for when no mail is configured)."""
    from avatar_creator.auth import accounts
    from avatar_creator.auth import service as auth_service

    def make(session, settings: Settings) -> str:
        user = auth_service.get_by_email(session=session, email=email)
        return accounts.reset_link(session=session, base_url=base_url or settings.public_url or DEFAULT_BASE_URL,
                                   user_id=user.id)

    console.print(_with_session(make), highlight=False, soft_wrap=True)


@credits_app.command("grant")
def credits_grant(email: str, amount: Annotated[int, typer.Argument(min=1)],
                  reason: Annotated[str, typer.Option(help="Shown in the user's history.")] = "Granted by an operator",
                  ) -> None:
    """Add AMOUNT credits to a user's balance (recorded in the ledger)."""
    from avatar_creator.auth import service as auth_service
    from avatar_creator.credits import service

    def grant(session, _settings):
        user = auth_service.get_by_email(session=session, email=email)
        return service.grant(session=session, user_id=user.id, amount=amount, description=reason)

    row = _with_session(grant)
    console.print(f"Granted {amount}; balance is now {row.balance_after}.")


@credits_app.command("show")
def credits_show(email: str, limit: Annotated[int, typer.Option(min=1, max=200)] = 20) -> None:
    """Show a user's balance and recent ledger rows."""
    from avatar_creator.auth import service as auth_service
    from avatar_creator.credits import service

    def show(session, _settings):
        user = auth_service.get_by_email(session=session, email=email)
        return user.credit_balance, service.history(session=session, user_id=user.id, limit=limit)

    balance, rows = _with_session(show)
    console.print(f"Balance: {balance}")
    table = Table("when", "type", "amount", "balance after", "description")
    for row in rows:
        table.add_row(row.created_at.isoformat(), row.type, f"{row.amount:+d}", str(row.balance_after),
                      row.description)
    console.print(table)


@app.command()
def prune() -> None:
    """Remove what the service keeps only a while (the reaper also does this hourly); print the counts."""
    from avatar_creator import retention

    settings = _settings()
    _migrate(settings)
    database = _database(settings)
    try:
        removed = retention.run(database=database, settings=settings)
    finally:
        database.dispose()
    for name, count in removed.items():
        console.print(f"{count:>8}  {name}", highlight=False)


@app.command()
def backup(file: Annotated[Path, typer.Argument(help="The archive to write (a new .tar.gz file).")]) -> None:
    """Back up the running service: database (SQLite), files, secret key and a manifest, in one archive."""
    from avatar_creator import backup as backups

    settings = _settings()
    database = _database(settings)
    try:
        manifest = backups.create(settings=settings, database=database, target=file)
    except backups.BackupError as error:
        console.print(f"[red]Backup failed:[/red] {error}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        database.dispose()
    console.print(f"Backed up {len(manifest['members'])} files (the database and key included) holding "
                  f"{sum(manifest['tables'].values())} rows to {file}.", highlight=False, soft_wrap=True)
    if "postgresql" in manifest:
        commands = manifest["postgresql"]
        console.print("The database is PostgreSQL: this archive holds the files and the secret key only. Dump the "
                      f"database now beside it (password in PGPASSWORD):\n  {commands['dump']}\nand restore it "
                      f"with:\n  {commands['restore']}", highlight=False, soft_wrap=True)
    if manifest["secret_key"] == "AVATAR_SECRET_KEY":
        console.print("The signing key is AVATAR_SECRET_KEY: keep it with the backup (it is not in the archive).")


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="An archive written by 'avatar-creator backup'.")],
    verify: Annotated[bool, typer.Option("--verify", help="Only check the archive (every checksum, the manifest, "
                                                          "the database and its row counts); restore nothing.")]
    = False,
) -> None:
    """Restore a backup into an empty data folder (AVATAR_DATA_DIR); refuses one that holds anything."""
    from avatar_creator import backup as backups

    try:
        if verify:
            manifest = backups.verify(file)
        else:
            manifest = backups.restore(file, settings=load_settings())
    except ConfigurationError as error:
        console.print(f"[red]Configuration error:[/red] {error}", highlight=False)
        raise typer.Exit(2) from None
    except backups.BackupError as error:
        console.print(f"[red]{'Verify' if verify else 'Restore'} failed:[/red] {error}", highlight=False,
                      soft_wrap=True)
        raise typer.Exit(1) from None
    done = "is sound" if verify else "restored"
    console.print(f"Backup of {manifest['created_at']} {done}: {len(manifest['members'])} files (the database and key "
                  f"included), {sum(manifest['tables'].values())} rows.", highlight=False, soft_wrap=True)
    if not verify and "postgresql" in manifest:
        console.print(f"Now restore the database dump taken with it:\n  {manifest['postgresql']['restore']}",
                      highlight=False, soft_wrap=True)


@storage_app.command("sweep")
def storage_sweep(
    fix: Annotated[bool, typer.Option("--fix", help="Delete the orphan files (rows are never changed).")] = False,
    min_age: Annotated[float, typer.Option(help="Spare unreferenced files younger than this many seconds: an "
                                                "upload may be about to commit its row.")] = 3600,
) -> None:
    """Report files no avatar refers to and avatars whose file is missing; exit 1 while any remain."""
    from avatar_creator.avatars.sweep import sweep

    report = _with_session(lambda session, settings: sweep(
        session=session, storage=_storage(settings), min_age_seconds=min_age, fix=fix))
    for key in report.orphan_files:
        console.print(f"orphan file: {key}{' (removed)' if key in report.removed else ''}", highlight=False,
                      soft_wrap=True)
    for avatar_id, key in report.missing_files:
        console.print(f"missing file: {key} (avatar {avatar_id})", highlight=False, soft_wrap=True)
    console.print(f"{len(report.orphan_files)} orphan files ({len(report.removed)} removed), "
                  f"{len(report.missing_files)} missing files, {report.recent_unreferenced} recent files spared.")
    if len(report.orphan_files) > len(report.removed) or report.missing_files:
        raise typer.Exit(1)


class CopyTarget(StrEnum):
    s3 = "s3"


@storage_app.command("copy")
def storage_copy(
    to: Annotated[CopyTarget, typer.Option("--to", help="s3: the bucket the AVATAR_S3_* settings name.")],
) -> None:
    """Copy the data folder's files to the bucket; run it again to resume. It switches nothing: set AVATAR_STORAGE=s3
    afterwards (and copy again, for the files written meanwhile)."""
    from avatar_creator.storage import LocalStorage, StorageUnavailable
    from avatar_creator.storage.copy import copy_files

    settings = _settings()
    if not settings.s3_bucket:
        console.print("[red]Configuration error:[/red] AVATAR_S3_BUCKET: set it to the bucket to copy to",
                      highlight=False)
        raise typer.Exit(2)
    target = _storage(settings, s3=True)
    console.print(f"Copying {settings.files_dir} to {target!r}...", highlight=False)
    try:
        report = copy_files(source=LocalStorage(settings.files_dir), target=target)
    except StorageUnavailable as error:
        console.print(f"[red]Stopped:[/red] {error}; run the command again to resume.", highlight=False)
        raise typer.Exit(1) from None
    for key in report.mismatched:
        console.print(f"size differs after copying: {key}", highlight=False, soft_wrap=True)
    console.print(f"{report.copied} files copied ({report.copied_bytes} bytes), {report.skipped} already there, "
                  f"{len(report.mismatched)} with a different size.", highlight=False)
    if report.mismatched:
        raise typer.Exit(1)


@db_app.command("copy")
def db_copy(
    to: Annotated[str, typer.Option("--to", help="The empty PostgreSQL database to fill: "
                                                 "postgresql+psycopg://user:pass@host/db (migrated first).")],
    batch_size: Annotated[int, typer.Option(min=1, max=100_000, help="Rows per INSERT batch.")] = 1000,
) -> None:
    """Copy this service's database (AVATAR_DATABASE_URL, the embedded SQLite file by default) into an empty
    PostgreSQL database, in one transaction, and verify it; stop every serve and worker first."""
    from sqlalchemy.engine import make_url

    from avatar_creator.db import MIGRATION_TIMEOUTS, make_engine
    from avatar_creator.db_copy import CopyMismatch, CopyRefused, copy_database

    settings = _settings()
    if not to.startswith("postgresql"):
        console.print("[red]Refused:[/red] --to must be a PostgreSQL URL (postgresql+psycopg://user:pass@host/db).",
                      highlight=False)
        raise typer.Exit(2)
    target_label = make_url(to).render_as_string(hide_password=True)
    console.print(f"Migrating the source ({settings.engine_label}) and the target ({target_label})...",
                  highlight=False)
    _migrate(settings)
    _migrate(settings.model_copy(update={"database_url": to}))
    source = make_engine(settings.resolved_database_url, pool_size=1, timeouts=MIGRATION_TIMEOUTS)
    target = make_engine(to, pool_size=1, timeouts=MIGRATION_TIMEOUTS)
    console.print("Copying, in one transaction:", highlight=False)
    try:
        report = copy_database(source=source, target=target, batch_size=batch_size,
                               on_table=lambda name, rows: console.print(f"  {name}: {rows} rows", highlight=False))
    except CopyRefused as error:
        console.print(f"[red]Refused:[/red] {error}. Nothing was written.", highlight=False)
        raise typer.Exit(1) from None
    except CopyMismatch as error:
        console.print(f"[red]The copy did not match its source and was rolled back:[/red] {error}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        source.dispose()
        target.dispose()
    for sequence, value in report.sequences.items():
        console.print(f"  sequence {sequence} continues after {value}", highlight=False)
    shown = 20  # enough to recognise the accounts; the check covers all of them
    console.print("Balances (each equal in both databases and to the sum of its ledger):", highlight=False)
    for email, balance in list(report.balances.items())[:shown]:
        console.print(f"  {email}: {balance}", highlight=False)
    if len(report.balances) > shown:
        console.print(f"  ... and {len(report.balances) - shown} more", highlight=False)
    console.print(f"[green]Copied and verified:[/green] {sum(report.rows.values())} rows in {len(report.rows)} tables, "
                  f"row counts equal; {len(report.balances)} users' balances equal in both and to their ledgers.\n"
                  f"Next: set AVATAR_DATABASE_URL={target_label} (with its password) on every host and start "
                  "serve again; the files stay where they are (AVATAR_DATA_DIR).", highlight=False, soft_wrap=True)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
