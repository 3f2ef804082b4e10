"""Noun phrases by rules: which runs of words can be a keyword.

No tagger: a keyword is a run of words between stopwords (see `extract.candidates`) that
reads as a noun phrase. Its last word must be able to head one (not an adjective, an
adverb, a participle or a verb), its first word must not be a verb or a gerund taking an
object ("recovering hidden prompts"), and a word right after "to", a modal or "we" is a
verb ("we train ...", "to check token counts"), as is a third-person verb after a system's
CamelCase name ("CoIn constructs"). Word lists and suffixes decide, with exceptions for
the nouns that share an adjective's or a verb's ending (signal, metric, variable, string).
"""

from __future__ import annotations

from collections.abc import Sequence

from dailypapers.summarize.words import VERBS

# Verbs that are rarely nouns: every form ends a run, wherever it stands.
_VERB_ONLY = """
    activate align compress construe create decouple degrade derive detect diminish embed
    employ encode enhance erase facilitate fine-tune formulate harness integrate interpret
    made obtain overreport reconstruct recover recycle reuse sacrifice stagnate surpass
    train transplant understand unify utilize yield
"""
# After these a run's first word is a verb ("we train", "to check", "can encode").
_VERB_CONTEXT = "to can cannot could may might must shall should will would we they not"
# -ing words that are nouns; any other -ing word opening a phrase is a verb taking an object.
_ING_NOUNS = """
    answering building caching captioning clustering coding computing conditioning decoding
    denoising editing embedding encoding engineering filtering finetuning fine-tuning
    forecasting grounding hashing indexing inpainting labeling labelling learning masking
    matching meaning mining modeling modelling padding painting parsing planning pooling
    post-training pre-training pretraining processing prompting pruning ranking reading
    reasoning recycling rendering reranking retraining routing sampling scaling serving
    setting settings spelling streaming string strings tagging thinking thing things
    tracking training tuning understanding watermarking writing
"""
_ADJECTIVES = """
    arbitrary auxiliary big bad clean clear coarse complementary complex contrary correct
    current dense different distant dominant double easy efficient elementary entire
    equivalent exact excellent explicit fast fine few forward backward free frequent full good
    granular
    hard high implicit important inherent intelligent irregular joint large latent linear
    long low main modular multiple narrow necessary new nonlinear old open ordinary
    particular pleasant popular precise preliminary present primary prominent raw real recent
    redundant regular relevant rich robust salient same secondary short shallow significant
    similar simple single slow small sparse stationary strong sufficient tabular temporary
    transparent true unclear weak whole wide
"""
_ADJECTIVE_SUFFIXES = ("ive", "ous", "able", "ible", "ful", "less", "al", "ic", "ish")
# Nouns with an adjective's ending.
_NOUNS = """
    alternative animal archive arithmetic cable capital clinic critic derivative differential
    diagnostic directive drive epic fabric festival functional heuristic hospital incentive
    individual integral interval journal logic manual material medal metal metric mimic
    mosaic motive music narrative negative normal objective observable olive panic pedal
    perspective polynomial portal positive potential primitive principal proposal public
    rehearsal removal renewal retrieval reversal rival signal statistic survival syllable
    table terminal timetable tonic topic total traffic trial tutorial variable withdrawal
    anomaly assembly family monopoly supply reply
"""
# Compounds whose last part makes them a modifier: zero-shot, end-to-end, pixel-level.
_MODIFIER_TAILS = """
    aware based conditioned driven end free grained guided level like oriented scale shot
    source specific style wise agnostic efficient art time
"""
# Compounds whose first part makes them a modifier: multi-modal, long-context, in-domain.
_MODIFIER_HEADS = ("multi-", "long-", "short-", "in-", "out-of-", "well-")
# Nouns that the stopword list ends runs at ("our model") but that head a longer phrase
# ("diffusion models"); never a keyword alone.
JOINING = frozenset({"model", "models"})
# Too general to be a keyword on their own (fine inside a longer phrase).
_GENERIC = """
    ability abilities account accuracy amount application applications area areas aspect aspects
    case cases challenge challenges component components cost costs data domain domains
    example examples factor factors feature features field fields form forms gap human
    humans image images information input inputs issue issues level levels number output
    outputs part parts people process quality sample samples set sets size step steps
    system systems text texts time token tokens training type types user users value values
    way world
"""

VERB_CONTEXT = frozenset(_VERB_CONTEXT.split())
_PASSIVE = frozenset(["is", "are", "was", "were", "be", "been", "being"])
# Stopwords that are a sentence's subject: a plural-looking word after one is its verb.
SUBJECTS = frozenset(["approach", "method", "framework", "paper", "work", "study", "technique"])
VERB_ONLY = frozenset(
    form
    for base in _VERB_ONLY.split()
    for form in (base, base + "s", base + "es", base.removesuffix("e") + "es")
)
ING_NOUNS = frozenset(_ING_NOUNS.split())
ADJECTIVES = frozenset(_ADJECTIVES.split())
NOUN_EXCEPTIONS = frozenset(_NOUNS.split())
MODIFIER_TAILS = frozenset(_MODIFIER_TAILS.split())
GENERIC = frozenset(_GENERIC.split())


def is_adverb(word: str) -> bool:
    w = word.lower()
    return w.endswith("ly") and len(w) > 4 and w not in NOUN_EXCEPTIONS


def is_verb(word: str) -> bool:
    """A form that is always a verb: listed, or -ize/-ify (size, prize are nouns)."""
    w = word.lower()
    return w in VERB_ONLY or (len(w) > 5 and w.endswith(("ize", "izes", "ify", "ifies")))


def breaks_run(word: str) -> bool:
    """Adverbs and sure verbs end a run like a stopword, and so does a word glued to "and"
    or "or" by a lost space ("representations-and")."""
    w = word.lower()
    glued = w.endswith(("-and", "-or")) or w.startswith(("and-", "or-"))
    return glued or is_adverb(w) or is_verb(w)


def _is_adjective(word: str) -> bool:
    w = word.lower()
    if "-" in w:
        tail = w.rsplit("-", 1)[1]
        compound = "-to-" in w or "-in-" in w or w.startswith(_MODIFIER_HEADS)
        return compound or tail in MODIFIER_TAILS or _is_adjective(tail)
    if w in NOUN_EXCEPTIONS or not w.isalpha():
        return False
    if w in ADJECTIVES:
        return True
    return len(w) > 4 and w.endswith(_ADJECTIVE_SUFFIXES)


def _is_gerund(word: str) -> bool:
    w = word.lower()
    return w.endswith("ing") and len(w) > 5 and w not in ING_NOUNS


def can_head(word: str) -> bool:
    """Can this word end a noun phrase? Acronyms and names always can."""
    if word.isupper() and len(word) > 1:
        return True
    w = word.lower()
    participle = w.endswith("ed") and len(w) > 4
    return not (participle or is_adverb(w) or _is_adjective(w) or is_verb(w))


def can_open(phrase: Sequence[str]) -> bool:
    """May this phrase start here? Not with a gerund, nor a noun-gerund before an adjective
    ("scaling visual tokenizers" is an action; "training data" is a thing)."""
    first = phrase[0]
    if _is_gerund(first):
        return False
    if first.lower() in ING_NOUNS and first.lower().endswith("ing") and len(phrase) > 1:
        return not _is_adjective(phrase[1])
    return True


def _stem(gerund: str) -> set[str]:
    stem = gerund.removesuffix("ing")
    return {stem, stem + "e", stem[:-1] if stem[-1:] == stem[-2:-1] else stem}


def is_noun_phrase(phrase: Sequence[str]) -> bool:
    """A gerund may head a longer phrase ("image deraining") but not stand inside one
    ("images containing ...") or alone; "model" only heads a longer phrase."""
    if not can_head(phrase[-1]) or not can_open(phrase):
        return False
    inner = [w.lower() for w in phrase[:-1]]
    if any(_is_gerund(w) or w in JOINING for w in inner):
        return False
    last = phrase[-1].lower()
    alone = len(phrase) == 1
    if _is_gerund(last) and _stem(last) & (VERBS | VERB_ONLY):
        return False  # "success rate reaching"; "image deraining" is a thing
    number = last[0].isdigit()  # "400M" alone; "4B rephraser" is fine
    return not (alone and (number or last in GENERIC or last in JOINING or _is_gerund(last)))


def _is_camel(word: str) -> bool:
    return any(c.isupper() for c in word[1:]) and any(c.islower() for c in word)


def _opens_with_verb(first: str, before: str) -> bool:
    """Is the run's first word a verb, judging by the word before the run?"""
    b, w = before.lower(), first.lower()
    if first.isupper():
        return False
    if b in VERB_CONTEXT:  # "we train", "to check"
        return True
    if b in _PASSIVE:  # "are granted persistent access"
        return w.endswith("ed")
    if b in SUBJECTS:  # "this approach stores candidate tokens"
        return w.endswith("s") and not w.endswith("ss")
    participle = w.endswith("ed") and len(w) > 4
    return is_adverb(b) and not (participle or _is_adjective(w))  # "inadvertently damage"


def drop_verbs(run: list[str], before: str) -> list[list[str]]:
    """Split a run at the words its context marks as verbs: the first word after "to", a
    modal, "we", "is", an adverb or "this approach"; an -s word after a CamelCase name
    ("AToken encodes") or "model"."""
    if run and _opens_with_verb(run[0], before):
        run = run[1:]
    pieces: list[list[str]] = [[]]
    for i, word in enumerate(run):
        subject = i > 0 and (_is_camel(run[i - 1]) or run[i - 1].lower() in JOINING)
        if subject and word.islower() and word.endswith("s") and not word.endswith("ss"):
            pieces.append([])
        else:
            pieces[-1].append(word)
    return [p for p in pieces if p]
