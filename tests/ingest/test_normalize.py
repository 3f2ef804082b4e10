"""One normalization for every source: LaTeX, HTML, wraps, links, author names."""

from __future__ import annotations

import pytest

from dailypapers.ingest.normalize import (
    _latex,
    _latex_or_as_written,
    clean_text,
    extract_links,
    latex_pieces,
    normalize_author_name,
)
from dailypapers.ingest.snapshot import split_author_list


def test_latex_html_and_wraps() -> None:
    text = (
        "We use \\texttt{LLaMA-7B} and $\\alpha$-stable noise -- see <b>Fig. 1</b>,\n"
        "  a 3\\% gain, ``quoted'' text, 4.64$\\times$ faster than $O(n^2)$ and \\emph{others}."
    )
    assert clean_text(text) == (
        "We use LLaMA-7B and α-stable noise – see Fig. 1, a 3% gain, “quoted” text, "
        "4.64× faster than O(n^2) and others."
    )
    assert clean_text("Caf\\'e {\\em bold} 50\\% of $\\mathbf{x}$") == "Café bold 50% of x"
    assert clean_text("unbalanced {brace and $5 of \\textbf{x") == "unbalanced {brace and $5 of {x"
    assert clean_text('<span style="color:red">red</span> &amp; done') == "red & done"


@pytest.mark.parametrize(
    "piece",
    ["$k$", "$N=100$", "$x^2$", "$\\times$", "$O(n\\log n)$", "\\textbf{Bold Text}", "\\%"],
)
def test_pieces_read_the_same_as_pylatexenc(piece: str) -> None:
    """The shortcuts for common pieces give what pylatexenc gives (texttt aside: it drops it)."""
    assert latex_pieces(piece) == [(True, piece)]
    assert _latex_or_as_written(piece) == _latex().latex_to_text(piece)


def test_pieces_cut_around_prose() -> None:
    assert latex_pieces("a $x$ b \\cite{k} c") == [
        (False, "a "),
        (True, "$x$"),
        (False, " b "),
        (True, "\\cite{k}"),
        (False, " c"),
    ]
    assert latex_pieces("cost $5 only}") == [  # unpaired: plain text
        (False, "cost "),
        (False, "$"),
        (False, "5 only"),
        (False, "}"),
    ]


def test_links_from_abstracts_and_comments() -> None:
    links = extract_links(
        "Code: https://github.com/org/repo/tree/main.",
        "Project page: https://example.github.io/proj/ (see https://arxiv.org/abs/1)",
    )
    assert links.code_url == "https://github.com/org/repo"
    assert links.project_url == "https://example.github.io/proj/"
    assert extract_links("https://huggingface.co/datasets/x/y").code_url == (
        "https://huggingface.co/datasets/x/y"
    )


def test_author_names() -> None:
    assert split_author_list("A. One, B. Two and C. Three (MIT), D. Four") == [
        "A. One",
        "B. Two",
        "C. Three",
        "D. Four",
    ]
    assert normalize_author_name("C. Bal\\'azs") == "C. Balázs"
    assert normalize_author_name("  C. -P.   Yuan ") == "C.-P. Yuan"
    glued = " and ".join(f"Author{n} Name{n}" for n in range(40)).replace(" and ", "and ")
    assert len(normalize_author_name(glued)) <= 300
