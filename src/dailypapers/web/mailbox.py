"""`/admin/mail`: the development mailbox, where emails go when no SMTP server is set."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from dailypapers.mail.mailbox import mailbox_folder, read_mailbox
from dailypapers.web.deps import AdminUser, PageDep, SettingsDep

router = APIRouter(include_in_schema=False)


@router.get("/admin/mail", response_class=HTMLResponse)
def mail_page(page: PageDep, settings: SettingsDep, user: AdminUser) -> HTMLResponse:
    messages = read_mailbox(mailbox_folder(settings.data_dir))
    return page("admin/mail.html", {"messages": messages})
