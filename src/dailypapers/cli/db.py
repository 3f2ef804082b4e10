"""`dailypapers db ...`: migrations."""

from __future__ import annotations

import typer

from dailypapers.cli import context
from dailypapers.db import migrate

app = typer.Typer(help="Database schema: upgrade, downgrade, current revision.")


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
