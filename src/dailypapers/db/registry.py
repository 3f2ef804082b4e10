"""Imports every feature's models so `Base.metadata` knows all tables (Alembic, tests)."""

from dailypapers.accounts import models as accounts_models
from dailypapers.changes import models as changes_models
from dailypapers.community import models as community_models
from dailypapers.db.base import Base
from dailypapers.digest import models as digest_models
from dailypapers.jobs import models as jobs_models
from dailypapers.mail import models as mail_models
from dailypapers.papers import models as papers_models
from dailypapers.ratelimits import models as ratelimits_models
from dailypapers.search import models as search_models
from dailypapers.thumbnails import models as thumbnails_models

__all__ = [
    "Base",
    "accounts_models",
    "changes_models",
    "community_models",
    "digest_models",
    "jobs_models",
    "mail_models",
    "papers_models",
    "ratelimits_models",
    "search_models",
    "thumbnails_models",
]
