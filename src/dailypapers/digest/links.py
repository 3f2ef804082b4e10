"""The signed links of a subscription and the list headers of a digest."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from dailypapers.digest.models import Subscription
from dailypapers.digest.tokens import confirm_token, manage_token
from dailypapers.mail.outbox import mail_domain, sender_address, site_url
from dailypapers.settings import Settings


@dataclass(frozen=True, slots=True)
class Links:
    """The signed links of one subscription."""

    manage_url: str
    unsubscribe_url: str
    token: str

    @classmethod
    def of(cls, settings: Settings, subscription: Subscription) -> Links:
        token = manage_token(
            settings.secret_key,
            subscription_id=subscription.id,
            email=subscription.email,
            version=subscription.link_version or 0,
        )
        base = site_url(settings)
        return cls(f"{base}/subscriptions/{token}", f"{base}/unsubscribe/{token}", token)


def confirm_url(settings: Settings, subscription: Subscription) -> str:
    token = confirm_token(
        settings.secret_key, subscription_id=subscription.id, email=subscription.email
    )
    return f"{site_url(settings)}/subscribe/confirm/{token}"


def list_headers(settings: Settings, links: Links) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe (https and mailto) and RFC 8058 one-click."""
    mailto = f"mailto:{sender_address(settings)}?subject={quote('unsubscribe ' + links.token)}"
    return {
        "List-Unsubscribe": f"<{links.unsubscribe_url}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"dailypapers digest <digest.{mail_domain(settings)}>",
    }
