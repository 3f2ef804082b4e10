"""`dailypapers db ...`: migrations."""

from __future__ import annotations

import typer

from dailypapers.cli import context
from dailypapers.db import migrate

app = typer.Typer(help="Database schema: upgrade, downgrade, current revision.")


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    migrate.upgrade(context.engine(), revision)
    context.console.print(
        f"database at revision {migrate.head_revision() if revision == 'head' else revision}"
    )


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base'.")) -> None:
    """Revert migrations down to REVISION."""
    migrate.downgrade(context.engine(), revision)
    context.console.print(f"database at revision {revision}")


@app.command()
def current() -> None:
    """Print the database's revision and whether it is up to date."""
    engine = context.engine()
    revision = migrate.current_revision(engine)
    state = "up to date" if migrate.is_up_to_date(engine) else f"head is {migrate.head_revision()}"
    context.console.print(f"{revision or 'empty'} ({state})")
