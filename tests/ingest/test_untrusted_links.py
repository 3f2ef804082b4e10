"""Imported data is not trusted: only http(s) links survive, and ids must be arXiv ids."""

from __future__ import annotations

import pytest

from dailypapers.ingest.hf_json import parse_hf_item
from dailypapers.ingest.records import RecordError

BAD_LINKS = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "/relative/path",
    "https:///no-host",
    "https://exa mple.org/space",
    "https://example.org/\x00nul",
    "ftp://example.org/file",
]


def _item(**paper: object) -> dict[str, object]:
    base = {"id": "2502.12345", "title": "A paper", "summary": "An abstract."}
    return {"paper": {**base, **paper}, "publishedAt": "2026-02-19T00:00:00.000Z"}


@pytest.mark.parametrize("link", BAD_LINKS)
def test_links_that_are_not_http_are_dropped(link: str) -> None:
    org = {"name": "acme", "fullname": "Acme", "avatar": link}
    record = parse_hf_item(_item(githubRepo=link, projectPage=link, organization=org))
    assert record.code_url is None and record.project_url is None
    assert record.organization is not None
    avatar = record.organization.avatar_url  # Hugging Face's own avatars come as /paths
    assert avatar is None or (link.startswith("/") and avatar.startswith("https://huggingface.co/"))


def test_http_links_are_kept() -> None:
    org = {"name": "acme", "fullname": "Acme", "avatar": "https://cdn.example.org/a.png"}
    record = parse_hf_item(
        _item(
            githubRepo="https://github.com/acme/model",
            projectPage="http://acme.example.org/p",
            organization=org,
        )
    )
    assert record.code_url == "https://github.com/acme/model"
    assert record.project_url == "http://acme.example.org/p"
    assert record.organization is not None
    assert record.organization.avatar_url == "https://cdn.example.org/a.png"


@pytest.mark.parametrize(
    "paper_id",
    ["../../etc/passwd", "2502.12345/../x", "<script>", "2502.12345?x=1", "hep-th/99", "a b"],
)
def test_ids_that_are_not_arxiv_ids_are_refused(paper_id: str) -> None:
    with pytest.raises(RecordError, match="not an arXiv id"):
        parse_hf_item(_item(id=paper_id))


@pytest.mark.parametrize(
    "paper_id", ["2502.12345", "0704.0001", "hep-th/9901001", "math.GT/0309136"]
)
def test_arxiv_ids_old_and_new_are_accepted(paper_id: str) -> None:
    assert parse_hf_item(_item(id=paper_id)).arxiv_id == paper_id
