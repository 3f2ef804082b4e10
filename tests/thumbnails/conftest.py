"""The web tests' in-process client, for the pages that show thumbnails."""

from tests.web.conftest import client

__all__ = ["client"]
