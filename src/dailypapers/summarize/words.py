"""Words that end a keyword candidate: English function words and the stock phrases of
abstracts ("we propose a novel method ... results show")."""

from __future__ import annotations

_FUNCTION = """
    a about above across after again against all almost along already also although always
    am among an and another any are around as at be became because been before being below
    between both but by can cannot could did do does doing done down during each either
    else enough especially etc even ever every few for from further had has have having he
    her here hers herself him himself his how however i if in into is it its itself just
    least less like many may me might more most much must my myself neither no nor not now
    of off often on once one only onto or other others otherwise our ours ourselves out
    over own per perhaps quite rather same several shall she should since so some such
    than that the their theirs them themselves then there thereby therefore these they this
    those though through throughout thus to together too toward towards under until up upon
    us very via was we well were what whatever when where whereas whether which while who
    whom whose why will with within without would yet you your yours yourself yourselves
    don doesn didn isn aren wasn weren won can couldn shouldn wouldn hasn haven hadn
"""

_ABSTRACT = """
    paper papers work works propose proposes proposed proposing present presents presented
    introduce introduces introduced method methods approach approaches framework frameworks
    novel new result results show shows shown showing demonstrate demonstrates demonstrated
    experiment experiments experimental extensive comprehensive evaluation evaluate evaluated
    achieve achieves achieved achieving outperform outperforms outperforming state art sota
    existing previous prior recent recently current significantly significant substantially
    effective effectively efficient efficiently improve improves improved improving
    improvement improvements performance performances task tasks problem problems study
    studies based use uses used using leverage leverages leveraging enable enables enabling
    various different several key main first second third two three four five however
    moreover furthermore specifically particular particularly code available publicly
    github https http www com org dataset datasets benchmark benchmarks model models
    address addresses addressing provide provides providing given make makes making
    high higher low lower large larger small smaller better best strong stronger remain
    remains able across well also still yet often widely wide range rely relies
    despite due including include includes achieve further find findings finding way ways
    aim aims goal goals designed design lead leads leading compared compare comparison
    superior competitive respectively additionally finally overall thereby toward novelty
    state-of-the-art becomes become play plays played remain yields yield reveal reveals
    highlight highlights uncover uncovers require requires required allow allows allowing
    capture captures suffer suffers struggle struggles exhibit exhibits obtain obtains
    obtained consider considers considered explore explores explored focus focuses
    investigate investigates investigated identify identifies contain contains generate
    generates produce produces regarding quantifying called termed named known
"""

# Verbs common in abstracts that are rarely nouns: a phrase never runs across them.
_VERBS = """
    appear arise become bring cause change come contribute cover depend describe determine
    emerge encourage ensure exceed exist expect explain fail fall follow give grow happen help
    hide hold increase indicate involve keep lack learn let lie limit look lose mean meet
    mitigate motivate need occur offer open operate outline perform persist pose predict
    prevent preserve reach receive reduce reflect remove render replace report represent
    result retain return scale seek seem serve share show shift solve span stay suggest
    support take tend treat turn undergo unlock validate vary want yield
"""


def _verb_forms(base: str) -> tuple[str, ...]:
    if base.endswith(("s", "sh", "ch", "x")):
        return (base, base + "es")
    if base.endswith("y") and base[-2:-1] not in "aeiou":
        return (base, base[:-1] + "ies")
    return (base, base + "s")


FUNCTION_WORDS = frozenset(_FUNCTION.split())
VERBS = frozenset(form for base in _VERBS.split() for form in _verb_forms(base))
ABSTRACT_WORDS = frozenset(_ABSTRACT.split())
STOPWORDS = FUNCTION_WORDS | ABSTRACT_WORDS | VERBS
