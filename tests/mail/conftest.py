"""A real SMTP server per test, and settings that send to it (as in tests/digest)."""

from tests.digest.conftest import mail_settings, smtp

__all__ = ["mail_settings", "smtp"]
