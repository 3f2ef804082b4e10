"""One normalization for every source: LaTeX to Unicode, HTML removed, wraps joined, links found."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import nh3
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

# Leftovers of LaTeX whose backslash was lost on the way: "times1.5", "6times", "sim400M".
_BARE_TIMES = re.compile(r"(?<=\d)times\b|\btimes(?=\d)")
_BARE_SIM = re.compile(r"\bsim(?=\d)")
# "https://x{https://x}": a link written twice, the second in LaTeX \url-like braces.
_BRACED_URL = re.compile(r"\{(https?://[^{}\s]+)\}")
_UNESCAPED_SPECIAL = re.compile(r"(?<!\\)([%&#])")
_WHITESPACE = re.compile(r"\s+")
_URL = re.compile(r"https?://[^\s<>\"'{}\[\]]+", re.IGNORECASE)
_LATEX_HINT = re.compile(r"[\\$~{}]")
_HTML_HINT = re.compile(r"<[a-zA-Z/!]|&[#a-zA-Z0-9]+;")

CODE_HOSTS = ("github.com", "gitlab.com", "huggingface.co", "hf.co")
_EXTRA_MACROS = [
    MacroTextSpec("textless", "<"),
    MacroTextSpec("textgreater", ">"),
    MacroTextSpec("ie", "i.e."),
    MacroTextSpec("eg", "e.g."),
    MacroTextSpec("etal", "et al."),
    MacroTextSpec("cite", ""),
    MacroTextSpec("ref", ""),
    MacroTextSpec("footnote", " (%(1)s)"),
    MacroTextSpec("placeholder", ""),
]


@lru_cache(maxsize=1)
def _latex() -> LatexNodes2Text:
    context = get_default_latex_context_db()
    context.add_context_category("dailypapers", prepend=True, macros=_EXTRA_MACROS)
    return LatexNodes2Text(latex_context=context, math_mode="text", strict_latex_spaces=False)


def collapse_whitespace(text: str) -> str:
    """Join hard line wraps and runs of spaces (non-breaking ones included)."""
    return _WHITESPACE.sub(" ", text.replace("\xa0", " ")).strip()


def strip_html(text: str) -> str:
    """Remove every tag, keep the text inside, decode entities."""
    if not _HTML_HINT.search(text):
        return text
    return html.unescape(nh3.clean(text, tags=set(), strip_comments=True))


def latex_to_text(text: str) -> str:
    """Readable Unicode for LaTeX markup; `$...$` math is kept as readable text."""
    text = _BRACED_URL.sub(_drop_duplicate_url(text), text)
    if _LATEX_HINT.search(text):
        urls: list[str] = []

        def protect(match: re.Match[str]) -> str:
            urls.append(match.group(0))
            return f"URLPLACEHOLDER{len(urls) - 1}X"

        protected = _URL.sub(protect, text)
        protected = _UNESCAPED_SPECIAL.sub(r"\\\1", protected)
        try:
            converted = _latex().latex_to_text(protected)
        except Exception:  # malformed LaTeX stays as written
            converted = re.sub(r"\\([%&#])", r"\1", protected)
        text = re.sub(r"URLPLACEHOLDER(\d+)X", lambda m: urls[int(m.group(1))], converted)
    text = _BARE_TIMES.sub("×", text)
    return _BARE_SIM.sub("~", text)


def _drop_duplicate_url(text: str):  # type: ignore[no-untyped-def]
    def replace(match: re.Match[str]) -> str:
        url = match.group(1)
        before = text[: match.start()]
        return "" if before.endswith(url) else " " + url

    return replace


def clean_text(text: str | None) -> str:
    """The whole pipeline for a title or an abstract."""
    if not text:
        return ""
    return collapse_whitespace(latex_to_text(collapse_whitespace(strip_html(text))))


@dataclass(frozen=True, slots=True)
class Links:
    code_url: str | None = None
    project_url: str | None = None


def find_urls(text: str | None) -> list[str]:
    if not text:
        return []
    return [match.group(0).rstrip(".,;:)!?") for match in _URL.finditer(text)]


def _is_code_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in CODE_HOSTS)


def extract_links(*texts: str | None) -> Links:
    """The first code repository (GitHub, GitLab, Hugging Face) and the first other page."""
    code = project = None
    for text in texts:
        for url in find_urls(text):
            if _is_code_host(url):
                code = code or _repo_root(url)
            elif "arxiv.org" not in url and "doi.org" not in url:
                project = project or url
    return Links(code_url=code, project_url=project)


def _repo_root(url: str) -> str:
    """github.com/owner/repo/tree/main -> github.com/owner/repo; other hosts unchanged."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    segments = [s for s in parts.path.split("/") if s]
    if host in ("github.com", "www.github.com") and len(segments) >= 2:
        repo = segments[1].removesuffix(".git")
        return f"https://github.com/{segments[0]}/{repo}"
    return url


def normalize_author_name(name: str) -> str:
    """One spelling per author: LaTeX accents decoded, whitespace collapsed."""
    return collapse_whitespace(latex_to_text(collapse_whitespace(name))).strip(" ,;")
