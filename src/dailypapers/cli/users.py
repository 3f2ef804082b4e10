"""`dailypapers users ...`: accounts for operators."""

from __future__ import annotations

import json

import typer
from sqlalchemy import select

from dailypapers.accounts.models import User
from dailypapers.accounts.service import AccountError, create_user
from dailypapers.cli import context
from dailypapers.db.base import utcnow
from dailypapers.db.engine import unit_of_work

app = typer.Typer(help="Create and list user accounts.")


@app.command("create")
def create(
    email: str = typer.Argument(..., help="The user's email address."),
    username: str = typer.Option("", help="Username (default: the part of EMAIL before @)."),
    admin: bool = typer.Option(False, "--admin", help="Give the administrator role."),
    password: str = typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="DAILYPAPERS_NEW_PASSWORD",
    ),
) -> None:
    """Create an account (prompts for the password, or reads DAILYPAPERS_NEW_PASSWORD)."""
    name = username or email.split("@", 1)[0]
    try:
        with context.database() as engine, unit_of_work(engine) as session:
            user = create_user(
                session,
                email=email,
                username=name,
                password=password,
                role="admin" if admin else "user",
                verified_at=utcnow(),  # an operator vouches for the address
            )
            summary = f"created {user.role} {user.username} <{user.email}>"
    except AccountError as exc:
        context.err_console.print(f"error: {exc}")
        raise typer.Exit(2) from None
    context.console.print(summary)


@app.command("list")
def list_users(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List accounts."""
    with context.database() as engine, unit_of_work(engine) as session:
        rows = [
            {
                "username": u.username,
                "email": u.email,
                "role": u.role,
                "created_at": u.created_at.isoformat(),
            }
            for u in session.scalars(select(User).order_by(User.id))
        ]
    if as_json:
        print(json.dumps(rows))
        return
    for row in rows:
        context.console.print(f"{row['username']:<20} {row['role']:<6} {row['email']}")
