"""A BibTeX entry for a paper, for the copy button on its page."""

from __future__ import annotations

import re

from dailypapers.papers.models import Paper

_SPECIAL = re.compile(r"([{}\\&%$#_])")


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def cite_key(paper: Paper) -> str:
    first = paper.author_names[0].split()[-1] if paper.author_names else "anon"
    year = paper.published_at.year if paper.published_at else ""
    word = next((w for w in re.findall(r"[A-Za-z]+", paper.title) if len(w) > 3), "paper")
    return re.sub(r"[^A-Za-z0-9]", "", f"{first}{year}{word}").lower()


def bibtex(paper: Paper) -> str:
    fields = [("title", "{" + _escape(paper.title) + "}")]
    if paper.author_names:
        fields.append(("author", " and ".join(_escape(a) for a in paper.author_names)))
    if paper.published_at:
        fields.append(("year", str(paper.published_at.year)))
    if paper.arxiv_id:
        fields += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv")]
        if paper.primary_category:
            fields.append(("primaryClass", paper.primary_category))
    if paper.arxiv_url:
        fields.append(("url", paper.arxiv_url))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{cite_key(paper)},\n{body}\n}}"
