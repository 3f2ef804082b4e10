"""A paper as Markdown: what `huggingface_hub`'s `read_paper` fetches from `/papers/{id}.md`.

Text from papers is escaped so that a title or abstract cannot inject HTML or links into a
renderer that shows this Markdown.
"""

from __future__ import annotations

import re

from dailypapers.papers.listings import Listing

_ACTIVE = re.compile(r"([\\`*_\[\]<>&#|])")


def escape(text: str) -> str:
    """Backslash-escape the characters that make Markdown markup or raw HTML."""
    return _ACTIVE.sub(r"\\\1", " ".join(text.split()))


def paper_markdown(listing: Listing, base_url: str) -> str:
    paper, card = listing.paper, listing.card
    lines = [f"# {escape(paper.title)}", ""]
    if card.authors:
        lines.append("- **Authors:** " + ", ".join(escape(name) for name in card.authors))
    elif paper.num_authors:
        lines.append(f"- **Authors:** {paper.num_authors} authors")
    if paper.organization:
        lines.append(f"- **Organization:** {escape(paper.organization.full_name)}")
    if paper.published_at:
        lines.append(f"- **Published:** {paper.published_at:%Y-%m-%d}")
    if listing.listed_on:
        lines.append(f"- **Listed:** {listing.listed_on.isoformat()}")
    lines.append(f"- **Upvotes:** {card.upvotes}")
    links = [
        ("arXiv", f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None),
        (
            "PDF",
            paper.pdf_url
            or (f"https://arxiv.org/pdf/{paper.arxiv_id}" if paper.arxiv_id else None),
        ),
        ("Code", paper.code_url),
        ("Project page", paper.project_url),
        ("Page", f"{base_url}/papers/{paper.key}"),
    ]
    lines.extend(f"- **{label}:** <{url}>" for label, url in links if url and _plain_url(url))
    lines += ["", "## Abstract", "", escape(paper.abstract) or "(no abstract)"]
    if paper.ai_summary:
        lines += ["", "## AI summary", "", escape(paper.ai_summary)]
    if paper.ai_keywords:
        lines += ["", "**Keywords:** " + ", ".join(escape(k) for k in paper.ai_keywords)]
    return "\n".join(lines) + "\n"


def _plain_url(url: str) -> bool:
    """An http(s) URL with nothing that could close the autolink."""
    return url.startswith(("https://", "http://")) and not re.search(r"[\s<>]", url)
