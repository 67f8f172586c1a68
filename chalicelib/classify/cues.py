"""Rule cues (English and French) and the urgency score.

Cues are words a human triager would point at: they feed `urgency`, back some flags where the
trained heads have no data (French complaints and insults), and show up in `Labels.why`.
"""

from __future__ import annotations

import math
import re

CUES = ("outage", "security", "refund", "legal threat", "churn")
# Single tokens, token prefixes and phrases; checked on tokens / the lowercased text (no regex: fast).
CUE_WORDS = {
    **dict.fromkeys(
        [
            "outage",
            "outages",
            "broken",
            "crashed",
            "crashes",
            "crashing",
            "panne",
            "pannes",
            "inaccessible",
            "hs",
            "bugué",
            "buggé",
            "plante",
            "planté",
            "plantée",
        ],
        "outage",
    ),
    **dict.fromkeys(
        [
            "security",
            "breach",
            "breached",
            "hacked",
            "hacker",
            "hackers",
            "hack",
            "phishing",
            "fraud",
            "fraudulent",
            "stolen",
            "leaked",
            "piraté",
            "piratée",
            "piratage",
            "sécurité",
            "securite",
            "usurpation",
            "arnaque",
            "scam",
        ],
        "security",
    ),
    **dict.fromkeys(
        [
            "refund",
            "refunds",
            "refunded",
            "chargeback",
            "remboursement",
            "remboursez",
            "rembourser",
            "remboursé",
            "remboursée",
            "remboursements",
        ],
        "refund",
    ),
    **dict.fromkeys(
        [
            "lawyer",
            "lawyers",
            "lawsuit",
            "suing",
            "attorney",
            "court",
            "avocat",
            "avocats",
            "plainte",
            "tribunal",
            "procès",
            "proces",
            "dgccrf",
        ],
        "legal threat",
    ),
    **dict.fromkeys(["unsubscribe", "unsubscribed", "résilier", "résiliation", "resilier", "resiliation"], "churn"),
}
CUE_PHRASES = {
    "outage": (
        "is down",
        "are down",
        "went down",
        "down again",
        "not working",
        "doesn't work",
        "doesnt work",
        "stopped working",
        "won't load",
        "ne marche plus",
        "ne marche pas",
        "ne fonctionne plus",
        "ne fonctionne pas",
        "marche plus",
        "fonctionne plus",
    ),
    "security": ("data leak", "fuite de données", "account was hacked", "compte piraté"),
    "refund": ("money back", "charged twice", "double charged", "prélevé deux fois", "débité deux fois"),
    "legal threat": ("legal action", "sue you", "small claims", "mise en demeure", "60 millions de consommateurs"),
    "churn": (
        "cancel my",
        "cancelling my",
        "canceling my",
        "switching to",
        "closing my account",
        "je pars chez",
        "je vais partir",
        "fermer mon compte",
        "je me désabonne",
    ),
}
CUE_WORD_SET = frozenset(CUE_WORDS)
_PHRASE_CUES = tuple((phrase, cue) for cue, phrases in CUE_PHRASES.items() for phrase in phrases)
CUE_POINTS = {"outage": 18, "security": 25, "refund": 12, "legal threat": 25, "churn": 10}

# French complaint vocabulary: the complaint head learned from English tweets only.
FR_COMPLAINT = re.compile(
    r"\b(rembours\w*|inadmissible|inacceptable|scandal\w*|honte\w*|arnaque\w*|toujours pas|jamais re[çc]u\w*"
    r"|service client|d[ée][çc]u\w*|plainte|r[ée]clamation|retard\w*|annul[ée]\w*|panne|bloqu[ée]\w*"
    r"|lamentable|pas normal|aucune r[ée]ponse|sans r[ée]ponse|n'importe quoi|ras le bol|marre)\b"
)
FR_OFFENSIVE = re.compile(
    r"\b(connard\w*|connasse\w*|encul[ée]\w*|salope\w*|pute\w*|ta gueule|fdp|abruti\w*|cr[ée]tin\w*|d[ée]bile\w*"
    r"|batard\w*|bâtard\w*|pd|tarlouze\w*|nique\w*|ntm|trou du cul|merdeux|bouffon\w*)\b"
)
QUESTION_TO_BRAND = re.compile(r"@\w+")


def find_cues(tokens: list[str], lowered: str) -> list[str]:
    """Names of the urgency cues found in a text (its tokens and normalised lowercase form), in CUES order."""
    found = set() if CUE_WORD_SET.isdisjoint(tokens) else {CUE_WORDS[t] for t in tokens if t in CUE_WORDS}
    for phrase, cue in _PHRASE_CUES:
        if phrase in lowered:
            found.add(cue)
    return [c for c in CUES if c in found] if found else []


def first_match(pattern: re.Pattern[str], lowered: str) -> str | None:
    """The first word a pattern matched, for `why`."""
    m = pattern.search(lowered)
    return m.group(0) if m else None


def reach_points(followers: int | None) -> float:
    """0-20 points, log-scaled: 100 followers ~ 8, 10k ~ 16, 1M ~ 24 capped to 20."""
    if not followers or followers <= 0:
        return 0.0
    return min(20.0, 4.0 * math.log10(1 + followers))


def engagement_points(engagement: int | None) -> float:
    """0-10 points, log-scaled (likes + replies + shares)."""
    if not engagement or engagement <= 0:
        return 0.0
    return min(10.0, 4.0 * math.log10(1 + engagement))


def urgency(
    p_negative: float,
    p_complaint: float,
    cues: list[str],
    followers: int | None,
    engagement: int | None,
    needs_reply: bool,
    spam: bool,
) -> int:
    """0-100: how soon a human should look. Monotonic in every input (spam damps everything)."""
    points = 25.0 * p_negative + 20.0 * p_complaint
    points += sum(CUE_POINTS[c] for c in cues)
    points += reach_points(followers) + engagement_points(engagement)
    if needs_reply:
        points += 5.0
    if spam:
        points *= 0.2
    return max(0, min(100, round(points)))
