"""`dailypapers db ...`: migrations."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress

from dailypapers.cli import context
from dailypapers.db import backup as backups
from dailypapers.db import migrate

app = typer.Typer(help="Database: migrations, backups, restores, and copying to PostgreSQL.")


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    with context.database() as engine:
        migrate.upgrade(engine, revision)
    context.console.print(
        f"database at revision {migrate.head_revision() if revision == 'head' else revision}"
    )


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base'.")) -> None:
    """Revert migrations down to REVISION."""
    with context.database() as engine:
        migrate.downgrade(engine, revision)
    context.console.print(f"database at revision {revision}")


@app.command()
def current() -> None:
    """Print the database's revision and whether it is up to date."""
    with context.database() as engine:
        revision = migrate.current_revision(engine)
        fresh = migrate.is_up_to_date(engine)
    state = "up to date" if fresh else f"head is {migrate.head_revision()}"
    context.console.print(f"{revision or 'empty'} ({state})")


@app.command()
def backup(file: Path = typer.Argument(..., help="Where to write the backup.")) -> None:
    """Back up the live database (SQLite online backup, or pg_dump for PostgreSQL)."""
    with context.database() as engine:
        try:
            backups.backup(engine, file)
        except backups.BackupError as exc:
            context.err_console.print(f"error: {exc}")
            raise typer.Exit(2) from None
    context.console.print(f"backup written to {file} ({file.stat().st_size:,} bytes)")


@app.command()
def restore(
    file: Path = typer.Argument(..., help="A backup made by `db backup`."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask before replacing the data."),
) -> None:
    """Replace the database's content with a backup."""
    if not yes:
        typer.confirm("Replace the current database with the backup?", abort=True)
    with context.database() as engine:
        try:
            backups.restore(engine, file)
        except backups.BackupError as exc:
            context.err_console.print(f"error: {exc}")
            raise typer.Exit(2) from None
    context.console.print(f"restored {file}")


@app.command()
def copy(
    to: str = typer.Option(..., "--to", help="Destination URL, e.g. postgresql://..."),
) -> None:
    """Copy this site's data (papers, users, votes, comments, subscriptions, embeddings) to
    another, empty database."""
    with context.database() as engine, Progress(console=context.console) as progress:
        task = progress.add_task("copying", total=None)

        def advance(table: str, rows: int) -> None:
            progress.update(task, description=f"{table}: {rows:,} rows")

        try:
            counts = backups.copy_database(engine, to, progress=advance)
        except backups.BackupError as exc:
            context.err_console.print(f"error: {exc}")
            raise typer.Exit(2) from None
    for table, rows in counts.items():
        context.console.print(f"{table:>20} {rows:>10,}")
