"""`dailypapers mail list`: the development mailbox (emails of a site without SMTP)."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer

from dailypapers.cli import context
from dailypapers.mail.mailbox import MailItem, mailbox_folder, read_mailbox

app = typer.Typer(help="The development mailbox: emails delivered locally without SMTP.")


@app.command("list")
def list_mail(
    limit: int = typer.Option(20, "--limit", min=1, help="Show the newest N emails."),
    as_json: bool = typer.Option(False, "--json", help="Print the emails as JSON."),
) -> None:
    """Emails in the local mailbox (used when DAILYPAPERS_SMTP_URL is not set), newest first."""
    settings = context.settings()
    messages = read_mailbox(mailbox_folder(settings.data_dir), limit=limit)
    if as_json:
        print(json.dumps([_as_dict(m) for m in messages]))
        return
    if not messages:
        context.console.print("the mailbox is empty")
    for m in messages:
        when = m.date.isoformat() if m.date else "?"
        context.console.print(f"{when}  to {m.to}  {m.subject}", markup=False)
        context.console.print(m.text.strip(), markup=False, highlight=False)
        context.console.print("")


def _as_dict(m: MailItem) -> dict[str, object]:
    return {**asdict(m), "date": m.date.isoformat() if m.date else None}
