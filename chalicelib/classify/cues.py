"""Rule cues (English and French) and the urgency score.

Cues are words a human triager would point at: they feed `urgency`, back some flags where the
trained heads have no data (French complaints and insults), and show up in `Labels.why`.
"""

from __future__ import annotations

import math
import re

# cue name -> pattern, matched on the lowercased text
URGENCY_CUES: dict[str, re.Pattern[str]] = {
    "outage": re.compile(
        r"\b(outage|is down|are down|went down|down again|not working|doesn'?t work|stopped working|broken|crash\w*"
        r"|panne|ne marche (plus|pas)|ne fonctionne (plus|pas)|marche plus|plant[ée]\w*|inaccessible|hs)\b"
    ),
    "security": re.compile(
        r"\b(security|breach\w*|hack\w*|data leak\w*|leaked|phishing|fraud\w*|stolen|vol[ée] mon|pirat\w*"
        r"|fuite de donn[ée]es|s[ée]curit[ée]|usurpation)\b"
    ),
    "refund": re.compile(
        r"\b(refund\w*|chargeback|money back|charged twice|double charged|rembours\w*|pr[ée]lev[ée]\w* deux fois"
        r"|d[ée]bit[ée]\w* deux fois)\b"
    ),
    "legal threat": re.compile(
        r"\b(lawyers?|legal action|lawsuit|sue you|suing|attorney|small claims|court|avocats?|plainte|tribunal"
        r"|proc[eè]s|mise en demeure|dgccrf|60 millions)\b"
    ),
    "churn": re.compile(
        r"\b(cancel+(ing|ed)? my|unsubscrib\w*|switching to|closing my account|r[ée]sili\w*|je pars chez"
        r"|je vais partir|fermer mon compte)\b"
    ),
}
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


def find_cues(lowered: str) -> list[str]:
    """Names of the urgency cues found in a lowercased text."""
    return [name for name, pattern in URGENCY_CUES.items() if pattern.search(lowered)]


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


def urgency(p_negative: float, p_complaint: float, cues: list[str], followers: int | None,
            engagement: int | None, needs_reply: bool, spam: bool) -> int:
    """0-100: how soon a human should look. Monotonic in every input (spam damps everything)."""
    points = 25.0 * p_negative + 20.0 * p_complaint
    points += sum(CUE_POINTS[c] for c in cues)
    points += reach_points(followers) + engagement_points(engagement)
    if needs_reply:
        points += 5.0
    if spam:
        points *= 0.2
    return max(0, min(100, round(points)))
