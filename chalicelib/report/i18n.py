"""The report's words in English and French. Numbers go through :func:`number` (decimal comma in French)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "subject_week": "Weekly report for {watch}: {start} to {end}",
        "subject_month": "Monthly report for {watch}: {start} to {end}",
        "this_week": "this week",
        "this_month": "this month",
        "before_week": "the week before",
        "before_month": "the month before",
        "proposals": "What to do",
        "no_proposals": "Nothing stands out: no theme or channel calls for action.",
        "kpis": "Key figures",
        "metric": "Figure",
        "now": "Now",
        "previous": "Before",
        "change": "Change",
        "changes": "What changed most",
        "themes": "Themes",
        "chart": "Volume and sentiment by day",
        "by_source": "By channel",
        "source": "Channel",
        "open_inbox": "Open the inbox",
        "footer": "Sent by Veille. Figures come from daily counters; a theme's people are counted per day.",
        "mentions": "Mentions",
        "share_of_voice": "Share of voice",
        "positive": "Positive",
        "neutral": "Neutral",
        "negative": "Negative",
        "complaints": "Complaints",
        "leads": "Leads",
        "median_first_reply_hours": "Median first reply",
        "share_replied": "Share replied",
        "kind_problem": "Problems",
        "kind_request": "Requests",
        "kind_question": "Questions",
        "kind_praise": "Praise",
        "trend_new": "new",
        "trend_rising": "rising",
        "trend_steady": "steady",
        "trend_falling": "falling",
        "theme_line": "{label}: {count} ({trend}, {previous} {before}), {people}",
        "people_one": "1 person",
        "people_other": "{n} people",
        "change_line": "{what}: {value}, {direction} from {previous}",
        "up": "up",
        "down": "down",
        "na": "n/a",
        "hours": "{h} h",
        "points": "{n} pts",
        "pct": "{n}%",
        "labelled": "{label}: {value}",
        "then": "; ",
        "example": "Example",
        # Proposals: each cites its numbers.
        "fix": "Fix: {label}, {count} reports {this}, {since}{one_star}",
        "one_star": ", {n} of them one-star",
        "since_none": "none {before}",
        "since_up": "up from {previous}",
        "since_other": "{previous} {before}",
        "help_article": "Write a help article: “{label}”, asked {count} times {this} by {authors} people, {since}",
        "consider_request": "Consider building: “{label}”, asked for {count} times {this} by {authors} people, {since}",
        "thank": "Thank the {authors} people who praised “{label}” ({count} times {this})",
        "reply_faster": "Reply faster on {source}: median {median} h against {others} h elsewhere ({replies} replies)",
    },
    "fr": {
        "subject_week": "Rapport hebdomadaire de {watch} : du {start} au {end}",
        "subject_month": "Rapport mensuel de {watch} : du {start} au {end}",
        "this_week": "cette semaine",
        "this_month": "ce mois-ci",
        "before_week": "la semaine précédente",
        "before_month": "le mois précédent",
        "proposals": "Que faire",
        "no_proposals": "Rien ne se détache : aucun thème ni canal n'appelle d'action.",
        "kpis": "Chiffres clés",
        "metric": "Indicateur",
        "now": "Période",
        "previous": "Avant",
        "change": "Évolution",
        "changes": "Ce qui a le plus changé",
        "themes": "Thèmes",
        "chart": "Volume et tonalité par jour",
        "by_source": "Par canal",
        "source": "Canal",
        "open_inbox": "Ouvrir la boîte de réception",
        "footer": (
            "Envoyé par Veille. Chiffres tirés des compteurs quotidiens ; les personnes d'un thème sont comptées"
            " par jour."
        ),
        "mentions": "Mentions",
        "share_of_voice": "Part de voix",
        "positive": "Positives",
        "neutral": "Neutres",
        "negative": "Négatives",
        "complaints": "Plaintes",
        "leads": "Prospects",
        "median_first_reply_hours": "Délai médian de première réponse",
        "share_replied": "Part des mentions répondues",
        "kind_problem": "Problèmes",
        "kind_request": "Demandes",
        "kind_question": "Questions",
        "kind_praise": "Compliments",
        "trend_new": "nouveau",
        "trend_rising": "en hausse",
        "trend_steady": "stable",
        "trend_falling": "en baisse",
        "theme_line": "{label} : {count} ({trend}, {previous} {before}), {people}",
        "people_one": "1 personne",
        "people_other": "{n} personnes",
        "change_line": "{what} : {value}, {direction} {previous}",
        "up": "contre",
        "down": "contre",
        "na": "n.d.",
        "hours": "{h} h",
        "points": "{n} pts",
        "pct": "{n} %",
        "labelled": "{label} : {value}",
        "then": " ; ",
        "example": "Exemple",
        "fix": "Corrigez : {label}, {count} signalements {this}, {since}{one_star}",
        "one_star": ", dont {n} à une étoile",
        "since_none": "aucun {before}",
        "since_up": "contre {previous} {before}",
        "since_other": "contre {previous} {before}",
        "help_article": (
            "Rédigez un article d'aide : « {label} », demandé {count} fois {this} par {authors} personnes, {since}"
        ),
        "consider_request": (
            "Envisagez de développer : « {label} », demandé {count} fois {this} par {authors} personnes, {since}"
        ),
        "thank": "Remerciez les {authors} personnes qui ont salué « {label} » ({count} fois {this})",
        "reply_faster": (
            "Répondez plus vite sur {source} : médiane de {median} h contre {others} h ailleurs ({replies} réponses)"
        ),
    },
}


def words(language: str) -> dict[str, str]:
    """The strings of ``language``, English when it is unknown."""
    return STRINGS.get(language, STRINGS["en"])


def plural(w: dict[str, str], key: str, n: int) -> str:
    """``key_one`` for 1, else ``key_other``, with ``{n}`` filled."""
    return w[f"{key}_one" if n == 1 else f"{key}_other"].format(n=n)


def number(value: float, language: str) -> str:
    """``value`` without trailing zeros ("31.5", "4"), with a decimal comma in French ("31,5")."""
    text = f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return text.replace(".", ",") if language == "fr" else text
