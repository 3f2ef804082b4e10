"""What administrators do to papers: hide and feature."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.papers.lookup import find_paper
from dailypapers.papers.models import Paper


class AdminError(PermissionError):
    pass


def _paper(session: Session, *, admin: User, key: str) -> Paper:
    if not admin.is_admin:
        raise AdminError("Only administrators can do this.")
    paper = find_paper(session, key=key, include_hidden=True)  # moderation sees them all
    if paper is None:
        raise LookupError(f"no paper with id {key!r}")
    return paper


def set_hidden(session: Session, *, admin: User, key: str, hidden: bool) -> Paper:
    paper = _paper(session, admin=admin, key=key)
    paper.hidden = hidden
    session.flush()
    return paper


def set_featured(session: Session, *, admin: User, key: str, featured: bool) -> Paper:
    paper = _paper(session, admin=admin, key=key)
    paper.featured = featured
    session.flush()
    return paper
