"""Rule cues (English and French) and the urgency score.

Cues are words a human triager would point at: they feed `urgency`, back some flags where the
trained heads have no data (French complaints and insults), and show up in `Labels.why`.
"""

from __future__ import annotations

import math
import re

CUES = ("security", "data loss", "outage", "access", "refund", "legal threat", "churn")
# Single tokens, token prefixes and phrases; checked on tokens / the lowercased text (no regex: fast).
CUE_WORDS = {
    **dict.fromkeys(
        [
            "outage",
            "outages",
            "broken",
            "crash",
            "crashed",
            "crashes",
            "crashing",
            "crashe",
            "freezes",
            "freezing",
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
            # Not "security", "sécurité" or "hack" alone: "the best security app", "please add fingerprint
            # security", "a hack to get the component stack" are praise and requests; the phrases
            # ("security hole", "faille de sécurité", "account was hacked") still count.
            "breach",
            "breached",
            "hacked",
            "hacker",
            "hackers",
            "phishing",
            "fraud",
            "fraudulent",
            "stolen",
            "leaked",
            "piraté",
            "piratée",
            "piratage",
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
    **dict.fromkeys(
        [
            "unsubscribe",
            "unsubscribed",
            "uninstalled",
            "uninstalling",
            "cancelling",
            "canceling",
            "résilier",
            "résiliation",
            "resilier",
            "resiliation",
            "résilie",
            "désinstallé",
            "désinstalle",
        ],
        "churn",
    ),
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
        "been down",
        "down for",
        "site down",
        "app down",
        "can't work",
        "cannot work",
        "can't use",
        "unusable",
        "inutilisable",
        "est en panne",
        "force close",
        "keeps closing",
        "won't open",
        "wont open",
        "doesn't open",
        "ne s'ouvre plus",
        "ne se lance plus",
    ),
    "access": (
        "can't log",
        "cant log",
        "cannot log",
        "can not log",
        "unable to log",
        "can't sign in",
        "cant sign in",
        "cannot sign in",
        "unable to sign in",
        "can't login",
        "cant login",
        "cannot login",
        "locked out",
        "can't access",
        "cannot access",
        "can't get in",
        "impossible de me connecter",
        "impossible de se connecter",
        "impossible de me reconnecter",
        "je ne peux plus me connecter",
        "je ne peux pas me connecter",
        "je n'arrive plus à me connecter",
        "je n'arrive pas à me connecter",
        "accès bloqué",
        "compte bloqué",
    ),
    "data loss": (
        "lost my data",
        "losing all",
        "losing my",
        "lost all my",
        "lost all of my",
        "lost everything",
        "deleted my",
        "deleted all",
        "wiped my",
        "wiped out",
        "data is gone",
        "are gone",
        "disappeared",
        "data loss",
        "perdu mes",
        "perdu toutes",
        "perdu tous",
        "tout perdu",
        "supprimé mes",
        "effacé mes",
        "ont disparu",
        "a disparu",
        "perte de données",
    ),
    "security": (
        "data leak",
        "security hole",
        "security issue",
        "vulnerability",
        "fuite de données",
        "account was hacked",
        "compte piraté",
        "faille de sécurité",
        "faille",
    ),
    "refund": (
        "money back",
        "charged twice",
        "charged me twice",
        "billed twice",
        "billed me twice",
        "double charged",
        "double billed",
        "overcharged",
        "prélevé deux fois",
        "débité deux fois",
        "facturé deux fois",
        "payé deux fois",
    ),
    "legal threat": ("legal action", "sue you", "small claims", "mise en demeure", "60 millions de consommateurs"),
    "churn": (
        "cancel my",
        "cancelling my",
        "canceling my",
        "i'm cancelling",
        "im cancelling",
        "i am cancelling",
        "i'm done with",
        "i'm leaving",
        "moving to",
        "switching to",
        "closing my account",
        "je pars chez",
        "je vais partir",
        "fermer mon compte",
        "je me désabonne",
        "je résilie",
        "j'annule mon abonnement",
        "annuler mon abonnement",
        "je vais résilier",
    ),
}
CUE_WORD_SET = frozenset(CUE_WORDS)
_PHRASE_CUES = tuple((phrase, cue) for cue, phrases in CUE_PHRASES.items() for phrase in phrases)
# Points of the most severe cue; each further cue adds a quarter of its own. Set so that a complaint with
# one of these ("can't log in", "crashes every time", "charged twice", "lost my data", "security hole",
# "I'm cancelling") reaches the default alert threshold of 60 with no reach at all (tests/unit/test_urgency.py).
CUE_POINTS = {
    "security": 40,
    "data loss": 38,
    "legal threat": 36,
    "outage": 34,
    "access": 34,
    "refund": 32,
    "churn": 34,
}
# A feature request asks for something new, never for rescue.
FEATURE_REQUEST = re.compile(
    r"\b(would be (?:nice|great|awesome|cool|helpful|good)|it would be (?:nice|great)|please add|pls add"
    r"|add (?:an? |the )?(?:option|feature|ability|support|setting|way)|feature request|i wish|wish (?:it|there|you)"
    r"|could you (?:add|make|please add)|can you (?:add|make)|would love (?:to see|if|a |an )"
    r"|should (?:add|have|support)"
    r"|needs? (?:an? )?option|dark mode|j'aimerais|ce serait (?:bien|top|génial|super)|serait bien|serait top"
    r"|pourriez-vous ajouter|pouvez-vous ajouter|il manque|ajouter (?:une|un|la|le) (?:option|fonction\w*)"
    r"|je souhaiterais|mode sombre|i(?:'?d| would) like (?:to see|an? option|the ability)"
    r"|please (?:consider|bring|make it possible)|serait-il possible|pouvez-vous mettre|ajoutez)"
)
# What a founder calls a bug even when it is phrased as a request: "please fix X", "X doesn't work anymore",
# "can't sync anymore". A request that names one of these, or a cue (broken, lost, charged), is a complaint.
BUG_REPORT = re.compile(
    r"\b((?:please|pls|plz|kindly|can you|could you) (?:please )?(?:fix|repair|sort out|look into)"
    r"|(?:doesn'?t|does not|don'?t|do not|won'?t|will not|isn'?t|is not|aren'?t|not) (?:work|load|open|sync|connect"
    r"|play|show|save|start|launch|respond|function|update|send|download|upload)\w* any ?more"
    r"|(?:can'?t|cannot|can not|unable to) (?:\w+ ){1,3}any ?more|no longer (?:work|load|open|sync|connect|play|show"
    r"|save|start|launch|respond|function|let|send|download|upload)\w*"
    r"|merci de (?:corriger|réparer)|(?:pouvez|pourriez)-vous (?:corriger|réparer)|veuillez corriger|corrigez"
    r"|ne (?:marche|fonctionne|charge|s'ouvre|se lance|synchronise) plus)"
)
# "since the update ..." is a bug report unless what follows is praise ("since the update it is much faster").
SINCE_UPDATE = re.compile(
    r"\b((?:since|after) (?:the |this |your |that |an? )?(?:last |latest |recent |new |newest )?"
    r"(?:update|upgrade|version|release)|depuis (?:la |cette |votre |la dernière )?(?:mise à jour|maj|version)"
    r"|après (?:la |cette )?(?:dernière )?(?:mise à jour|maj))"
)

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


# Words that cancel a cue a few words later: "never had it crash", "no data loss", "sans panne".
NEGATORS = frozenset(
    (
        "no",
        "not",
        "never",
        "without",
        "nothing",
        "none",
        "zero",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "wasn't",
        "haven't",
        "hasn't",
        "won't",
        "cannot",
        "jamais",
        "sans",
        "aucun",
        "aucune",
        "pas",
        "plus",
        "rien",
    )
)
_NEGATION_WINDOW = 3  # words
# Words that close an incident a few words after its cue: "the crash is fixed", "panne résolue".
RESOLVED = frozenset(("fixed", "resolved", "solved", "gone", "corrigé", "corrigée", "résolu", "résolue", "réglé"))


def _negated(words: list[str], after: list[str] = ()) -> bool:  # type: ignore[assignment]
    return not NEGATORS.isdisjoint(words[-_NEGATION_WINDOW:]) or not RESOLVED.isdisjoint(after[:4])


def matched_cues(tokens: list[str], lowered: str) -> list[tuple[str, str]]:
    """(cue, the words that matched) for every urgency cue in a text, skipping negated ones ("never crashes")."""
    found: list[tuple[str, str]] = []
    if not CUE_WORD_SET.isdisjoint(tokens):
        for i, tok in enumerate(tokens):
            if tok in CUE_WORDS and not _negated(tokens[max(0, i - _NEGATION_WINDOW) : i], tokens[i + 1 : i + 5]):
                found.append((CUE_WORDS[tok], tok))
    for phrase, cue in _PHRASE_CUES:
        at = lowered.find(phrase)
        if at < 0:
            continue
        after = lowered[at + len(phrase) : at + len(phrase) + 40].split()
        if not _negated(lowered[max(0, at - 40) : at].split(), after):
            found.append((cue, phrase))
    return found


def cue_names(matched: list[tuple[str, str]]) -> list[str]:
    """The names of the cues in ``matched_cues``'s answer, once each, in CUES order."""
    names = {cue for cue, _ in matched}
    return [c for c in CUES if c in names]


def said(matched: list[tuple[str, str]]) -> list[str]:
    """The words of ``matched_cues``'s answer as written, once each, none inside another ("cant log" in
    "cant login"): what `why` shows, never a cue's name."""
    phrases = list(dict.fromkeys(words for _, words in matched))
    return [p for p in phrases if not any(p != q and p in q for q in phrases)]


def find_cues(tokens: list[str], lowered: str) -> list[str]:
    """Names of the urgency cues found in a text (its tokens and normalised lowercase form), in CUES order."""
    return cue_names(matched_cues(tokens, lowered))


# "it doesn't crash anymore since the update": the update ended a problem.
_STOPPED = re.compile(r"\b(?:any ?more|no longer|no more|plus jamais)\b")


def bug_report(lowered: str, p_negative: float, p_positive: float) -> str | None:
    """The words that make a text a bug report ("please fix", "doesn't work anymore", "since the update" when
    what is said is not praise), or None. A negated or resolved report ("it doesn't crash anymore") is none."""
    lowered = lowered.replace("’", "'")
    hit = BUG_REPORT.search(lowered)
    if hit is not None:
        return hit.group(0)
    hit = SINCE_UPDATE.search(lowered)
    if hit is None or p_negative <= p_positive or _STOPPED.search(lowered):
        return None
    return hit.group(0) if RESOLVED.isdisjoint(lowered.split()) else None


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
    """0-100: how soon a human should look. Monotonic in every input (spam damps everything).

    A complaint alone is worth up to 45 points; the severity of what went wrong (the cues) adds 32-40,
    reach up to 20 and engagement up to 10, so praise and chatter stay low whoever says them, and a
    complaint that something is broken, lost, charged or about to churn alerts on its own.
    """
    points = 30.0 * p_complaint + 15.0 * p_negative
    if cues:
        severities = sorted((CUE_POINTS[c] for c in cues), reverse=True)
        points += severities[0] + 0.25 * sum(severities[1:])
    points += reach_points(followers) + engagement_points(engagement)
    if needs_reply:
        points += 5.0
    if spam:
        points *= 0.2
    return max(0, min(100, round(points)))
