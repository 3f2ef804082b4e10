"""Paper ids are URL-encoded in emails: an id with a `/` or `?` stays one path segment."""

from __future__ import annotations

from types import SimpleNamespace

from dailypapers.mail.render import render_email


def _item(key: str) -> SimpleNamespace:
    return SimpleNamespace(
        title=f"Paper {key}", key=key, authors="", organization="", upvotes=1, topic=None,
        summary=None, code_url=None,
    )  # fmt: skip


def test_digest_links_encode_paper_ids() -> None:
    context = {
        "heading": "Daily papers", "period_label": "Feb 19", "topics": [], "frequency": "daily",
        "items": [_item("hep-th/9901001"), _item("2502.12345?x=<y>")],
        "site_url": "https://papers.example.org", "manage_url": "https://m", "unsubscribe_url": "https://u",
    }  # fmt: skip
    email = render_email("digest", context)
    for body in (email.text, email.html):
        assert "https://papers.example.org/papers/hep-th%2F9901001" in body
        assert "/papers/2502.12345%3Fx%3D%3Cy%3E" in body
        assert "/papers/hep-th/9901001" not in body
