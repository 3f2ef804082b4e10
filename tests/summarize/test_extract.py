"""Summaries and keywords from the model's static token vectors (the real table, no stubs)."""

from __future__ import annotations

import pytest

from dailypapers.summarize.extract import (
    MAX_KEYWORDS,
    MIN_KEYWORDS,
    candidates,
    extract_many,
    sentences,
    words,
)
from dailypapers.summarize.phrases import JOINING
from dailypapers.summarize.static import StaticVectors, static_vectors
from dailypapers.summarize.words import STOPWORDS

TITLE = "Robust speech recognition for noisy call-center audio"
ABSTRACT = (
    "The weather was pleasant during the conference in Lisbon. "
    "We train a speech recognition model on noisy call-center audio recordings, "
    "using acoustic data augmentation and a transformer acoustic model to transcribe "
    "spoken words under heavy background noise. "
    "Our code is available online. "
    "On three noisy speech benchmarks the word error rate drops by 12% relative, "
    "e.g. from 20.1 to 17.7 on the call-center test set."
)


@pytest.fixture(scope="session")
def vectors() -> StaticVectors:
    return static_vectors()


def test_sentences_split_at_ends_but_not_at_abbreviations() -> None:
    parts = sentences(ABSTRACT)
    assert len(parts) == 4
    assert parts[-1].startswith("On three noisy") and "e.g. from 20.1" in parts[-1]
    assert sentences("  ") == []


def test_candidates_are_runs_between_stopwords() -> None:
    found = candidates(words("We propose a novel speech recognition model for noisy audio."))
    assert "speech recognition" in found and "noisy audio" in found
    # "model" ends runs like a stopword, except as the head of a longer phrase
    assert "speech recognition model" in found and "model" not in found
    assert not any(w in STOPWORDS - JOINING for key in found for w in key.split())
    assert all(1 <= len(key.split()) <= 3 for key in found)
    possessive = candidates(words("The model's internal representations and Bob’s data."))
    assert "internal representations" in possessive and "bob data" in possessive
    assert not any(key == "s" or key.startswith("s ") for key in possessive)
    contracted = candidates(words("Agents don't share memory; they can't plan."))
    assert not any(key.split()[0] in {"t", "don", "can"} for key in contracted)


def test_keywords_are_noun_phrases() -> None:
    text = (
        "To check token counts, we train superword tokenizers, and CoIn constructs a "
        "verifiable hash by recovering hidden prompts with fine-grained visual cues. "
        "Scaling visual tokenizers needs training data for image deraining with diffusion "
        "models that are multi-modal and sample-efficient (see https://github.com/Org-Lab/Repo)."
    )
    found = candidates(words(text))
    for phrase in (
        "token counts", "superword tokenizers", "verifiable hash", "hidden prompts",
        "fine-grained visual cues", "training data", "image deraining", "diffusion models",
    ):  # fmt: skip
        assert phrase in found, phrase
    for fragment in (
        "check token counts", "train superword tokenizers", "coin constructs",
        "recovering hidden prompts", "fine-grained visual", "scaling visual tokenizers",
        "deraining", "models", "multi-modal", "sample-efficient", "org-lab", "repo",
    ):  # fmt: skip
        assert fragment not in found, fragment


def test_the_summary_is_the_most_central_sentence(vectors: StaticVectors) -> None:
    (extract,) = extract_many(vectors, [(TITLE, ABSTRACT)])
    assert extract.summary in sentences(ABSTRACT)
    assert extract.summary.startswith("We train a speech recognition model")


def test_the_first_sentence_gives_way_to_one_nearly_as_central(vectors: StaticVectors) -> None:
    first = "We train a speech recognition model on noisy call-center audio recordings."
    second = (
        "Our speech recognition model transcribes noisy call-center audio recordings "
        "with acoustic data augmentation."
    )
    (extract,) = extract_many(vectors, [(TITLE, f"{first} {second} Our code is online.")])
    assert extract.summary == second  # the card's abstract starts with the first anyway
    (alone,) = extract_many(vectors, [(TITLE, f"{first} The weather was pleasant in Lisbon.")])
    assert alone.summary == first  # nothing else is nearly as central


def test_keywords_are_relevant_diverse_phrases_of_the_text(vectors: StaticVectors) -> None:
    (extract,) = extract_many(vectors, [(TITLE, ABSTRACT)])
    keywords = extract.keywords
    assert MIN_KEYWORDS <= len(keywords) <= MAX_KEYWORDS
    text = f"{TITLE} {ABSTRACT}".lower()
    assert all(k.lower() in text for k in keywords)
    assert len({k.lower() for k in keywords}) == len(keywords)
    assert any("speech" in k.lower() or "audio" in k.lower() for k in keywords[:3])
    assert not any(
        w in {"weather", "lisbon", "conference", "pleasant"}
        for k in keywords
        for w in k.lower().split()
    )


def test_a_batch_matches_one_by_one_and_empty_abstracts_are_fine(vectors: StaticVectors) -> None:
    other = ("Galaxy morphology with convolutional networks", "We classify galaxy images by shape.")
    empty = ("A title only", "")
    batch = extract_many(vectors, [(TITLE, ABSTRACT), other, empty])
    assert batch[0] == extract_many(vectors, [(TITLE, ABSTRACT)])[0]
    assert batch[1] == extract_many(vectors, [other])[0]
    assert batch[2].summary == "" and all(k.lower() in "a title only" for k in batch[2].keywords)
