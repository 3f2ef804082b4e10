"""One normalization for every source: LaTeX to Unicode, HTML removed, wraps joined, links found."""

from __future__ import annotations

import html
import logging
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
_URL = re.compile(r"https?://[^\s<>\"'{}\[\]]+", re.IGNORECASE)
_LATEX_MARKS = ("\\", "$", "~", "{", "}", "``", "''", "--")
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
    # pylatexenc drops these fonts' text, or turns letters into math-alphabet symbols that
    # no search finds ("𝐈"): keep the plain text.
    *(
        MacroTextSpec(name, "%(1)s")
        for name in ("texttt", "textsf", "mathbf", "mathit", "mathsf", "mathtt", "boldsymbol")
    ),
]
# LaTeX pieces common enough to skip pylatexenc: math or a font command around plain text.
_PLAIN_MATH = re.compile(r"\$([^\\{}$~%&#'`]*)\$")
_PLAIN_FONT = re.compile(
    r"\\(?:textbf|textit|emph|texttt|textsc|underline|textrm|textsf|text|mathrm|mathbf"
    r"|mathit|mathsf|mathtt)\{([^\\{}$~%&#'`]*)\}"
)


@lru_cache(maxsize=1)
def _latex() -> LatexNodes2Text:
    # pylatexenc logs a warning for every macro it cannot render; the text stays readable.
    logging.getLogger("pylatexenc").setLevel(logging.ERROR)
    context = get_default_latex_context_db()
    context.add_context_category("dailypapers", prepend=True, macros=_EXTRA_MACROS)
    return LatexNodes2Text(latex_context=context, math_mode="text", strict_latex_spaces=False)


def has_latex(text: str) -> bool:
    """Whether `text` has anything LaTeX would change (a few fast substring scans)."""
    return any(mark in text for mark in _LATEX_MARKS)


def collapse_whitespace(text: str) -> str:
    """Join hard line wraps and runs of spaces (non-breaking ones included)."""
    return " ".join(text.split())


def strip_html(text: str) -> str:
    """Remove every tag, keep the text inside, decode entities."""
    if ("<" not in text and "&" not in text) or not _HTML_HINT.search(text):
        return text
    return html.unescape(nh3.clean(text, tags=set(), strip_comments=True))


def latex_to_text(text: str) -> str:
    """Readable Unicode for LaTeX markup; `$...$` math is kept as readable text.

    Only the LaTeX pieces of a string go through pylatexenc (a math span, a macro with its
    arguments, a brace group), each converted once per process: plain prose between them is
    copied as it is. That keeps a 75k-paper import fast; see `latex_pieces`.
    """
    if "{http" in text:
        text = _BRACED_URL.sub(_drop_duplicate_url(text), text)
    if has_latex(text):
        urls: list[str] = []

        def protect(match: re.Match[str]) -> str:
            urls.append(match.group(0))
            return f"URLPLACEHOLDER{len(urls) - 1}X"

        protected = _UNESCAPED_SPECIAL.sub(r"\\\1", _URL.sub(protect, text))
        converted = _convert_pieces(protected)
        text = re.sub(r"URLPLACEHOLDER(\d+)X", lambda m: urls[int(m.group(1))], converted)
    if "times" in text:
        text = _BARE_TIMES.sub("×", text)
    return _BARE_SIM.sub("~", text) if "sim" in text else text


def _convert_pieces(text: str) -> str:
    pieces = latex_pieces(text)
    return "".join(_convert_piece(p) if is_latex else _plain(p) for is_latex, p in pieces)


_TEXT_SPECIALS = re.compile(r"---|--|``|''")
_SPECIAL_CHARS = {"---": "\u2014", "--": "\u2013", "``": "\u201c", "''": "\u201d"}


def _plain(text: str) -> str:
    """Prose between LaTeX pieces: only TeX's dashes and quotes change."""
    return _TEXT_SPECIALS.sub(lambda m: _SPECIAL_CHARS[m.group(0)], text)


@lru_cache(maxsize=32768)
def _convert_piece(piece: str) -> str:
    if "--" not in piece:
        if match := _PLAIN_MATH.fullmatch(piece):
            return match.group(1).strip()
        if match := _PLAIN_FONT.fullmatch(piece):
            return match.group(1)
    return _latex_or_as_written(piece)


def _latex_or_as_written(text: str) -> str:
    try:
        return str(_latex().latex_to_text(text))
    except Exception:  # malformed LaTeX stays as written, minus its escapes
        return re.sub(r"\\([%&#$_{}])", r"\1", text)


_PIECE_START = re.compile(r"[\\${}~]")
_MACRO = re.compile(r"\\(?:[a-zA-Z]+\*?|.)", re.DOTALL)
_ACCENTS = frozenset("'\"`^~=.")


def latex_pieces(text: str) -> list[tuple[bool, str]]:
    """Cut `text` into (is_latex, piece) pairs.

    A LaTeX piece is a `$...$` or `$$...$$` span, a macro with its brace or bracket
    arguments (an accent macro with its letter), a brace group, or a `~`. A `$` without its
    pair, or a brace without its match, is plain text: it stays as written.
    """
    pieces: list[tuple[bool, str]] = []
    pos = 0
    while (match := _PIECE_START.search(text, pos)) is not None:
        start = match.start()
        end = _piece_end(text, start)
        if start > pos:
            pieces.append((False, text[pos:start]))
        if end < 0:  # unpaired: the character itself, as written
            end = start + 1
            pieces.append((False, text[start]))
        else:
            pieces.append((True, text[start:end]))
        pos = end
    if pos < len(text):
        pieces.append((False, text[pos:]))
    return pieces


def _piece_end(text: str, start: int) -> int:
    """Where the LaTeX piece starting at `start` ends; -1 when it is unpaired."""
    char = text[start]
    if char == "$":
        return _math_end(text, start)
    if char == "{":
        return _group_end(text, start)
    if char == "~":
        return start + 1
    if char == "}":
        return -1
    macro = _MACRO.match(text, start)
    if macro is None:  # a backslash at the very end
        return -1
    end = macro.end()
    if macro.group(0)[1:] in _ACCENTS and end < len(text) and text[end] not in "{\\":
        end += 1
    while end < len(text) and text[end] in "{[":
        group_end = _group_end(text, end)
        if group_end < 0:  # an unclosed argument: the macro alone
            break
        end = group_end
    return end


def _math_end(text: str, start: int) -> int:
    delimiter = "$$" if text.startswith("$$", start) else "$"
    search = start + len(delimiter)
    while (found := text.find(delimiter, search)) >= 0:
        if text[found - 1] != "\\":
            return found + len(delimiter)
        search = found + 1
    return -1


def _group_end(text: str, start: int) -> int:
    """Index after the balanced `{...}` or `[...]` group that starts at `start`, or -1."""
    opening = text[start]
    closing = "}" if opening == "{" else "]"
    depth = 0
    i = start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


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


# arXiv's parsed names split hyphenated initials: "C. -P. Yuan" is "C.-P. Yuan".
_SPLIT_INITIAL = re.compile(r"(?<=\.) +-(?=\w)")


_NAME_WIDTH = 300  # authors.name; longer "names" are lists glued together by a source


def normalize_author_name(name: str) -> str:
    """One spelling per author: LaTeX accents decoded, whitespace collapsed."""
    name = collapse_whitespace(name)
    if has_latex(name):
        name = collapse_whitespace(latex_to_text(name))
    name = name.strip(" ,;")
    if " -" in name:
        name = _SPLIT_INITIAL.sub("-", name)
    if len(name) > _NAME_WIDTH:
        name = name[: _NAME_WIDTH - 1].rsplit(" ", 1)[0] + "…"
    return name
