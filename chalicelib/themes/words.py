"""Words of a unit, made comparable across English and French.

A French word and its English equivalent should count as one word, so a request written in both
languages shares its words: each token is lower-cased and accent-folded, French product words are
mapped to their English equivalent through a small lexicon (`LEXICON`), and both languages go
through a light suffix stripper. This is what themes fall back on when the sentence encoder is off,
and what names a theme in either language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from chalicelib.classify.stopwords import STOPWORDS

TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
ELISION_RE = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu)['’]")

# Words that carry no topic in feedback (politeness, filler, question frames) in both languages.
EXTRA_STOPWORDS = frozenset(
    """
please pls thanks thank hello hi hey guys anyone someone somebody know want would could possible able need
way option find help tell give make know let use using used try tried trying there is are
svp merci bonjour salut quelqu quelqu'un possible pouvoir peut peux pourrait pourriez voudrais veux faut
savoir sais trouve trouver option moyen aimerais besoin est-ce est ce
i'd i'm im dont cant can't won't isn't it's add need plan plans wish love would like
""".split()  # noqa: SIM905 (a word list reads best as text)
)

# French -> English for the words product feedback is made of (keys accent-folded, lower-case).
# Written for Veille from general software vocabulary; not derived from any benchmark set.
LEXICON: dict[str, str] = {
    # objects
    "tableau": "board",
    "tableaux": "board",
    "carte": "card",
    "cartes": "card",
    "tache": "task",
    "taches": "task",
    "sous-tache": "subtask",
    "sous-taches": "subtask",
    "liste": "list",
    "listes": "list",
    "projet": "project",
    "projets": "project",
    "parametre": "settings",
    "parametres": "settings",
    "reglage": "settings",
    "reglages": "settings",
    "compte": "account",
    "comptes": "account",
    "identifiant": "login",
    "identifiants": "login",
    "connexion": "login",
    "connecter": "login",
    "connecte": "login",
    "deconnecte": "logout",
    "deconnexion": "logout",
    "rappel": "reminder",
    "rappels": "reminder",
    "facture": "invoice",
    "factures": "invoice",
    "facturation": "billing",
    "abonnement": "subscription",
    "abonnements": "subscription",
    "prix": "price",
    "tarif": "price",
    "tarifs": "price",
    "cher": "expensive",
    "chere": "expensive",
    "remboursement": "refund",
    "rembourser": "refund",
    "rembourse": "refund",
    "paiement": "payment",
    "payer": "pay",
    "paye": "pay",
    "appli": "app",
    "application": "app",
    "logiciel": "software",
    "version": "version",
    "plante": "crash",
    "plantes": "crash",
    "planter": "crash",
    "plantage": "crash",
    "plantages": "crash",
    "crashe": "crash",
    "ferme": "close",
    "fermer": "close",
    "lent": "slow",
    "lente": "slow",
    "lenteur": "slow",
    "lenteurs": "slow",
    "rame": "slow",
    "bogue": "bug",
    "erreur": "error",
    "erreurs": "error",
    "synchronisation": "sync",
    "synchroniser": "sync",
    "synchro": "sync",
    "hors": "off",
    "ligne": "line",
    "sombre": "dark",
    "nuit": "night",
    "theme": "theme",
    "calendrier": "calendar",
    "agenda": "calendar",
    "equipe": "team",
    "equipes": "team",
    "collegue": "colleague",
    "collegues": "colleague",
    "partager": "share",
    "partage": "share",
    "telecharger": "download",
    "telechargement": "download",
    "fichier": "file",
    "fichiers": "file",
    "piece": "attachment",
    "jointe": "attachment",
    "jointes": "attachment",
    "recherche": "search",
    "rechercher": "search",
    "chercher": "search",
    "filtre": "filter",
    "filtres": "filter",
    "filtrer": "filter",
    "etiquette": "label",
    "etiquettes": "label",
    "commentaire": "comment",
    "commentaires": "comment",
    "utilisateur": "user",
    "utilisateurs": "user",
    "langue": "language",
    "traduction": "translation",
    "traduire": "translate",
    "francais": "french",
    "anglais": "english",
    "aide": "help",
    "clavier": "keyboard",
    "raccourci": "shortcut",
    "raccourcis": "shortcut",
    "ecran": "screen",
    "ecrans": "screen",
    "ouvrir": "open",
    "ouvre": "open",
    "supprimer": "delete",
    "supprime": "delete",
    "suppression": "delete",
    "efface": "delete",
    "effacer": "delete",
    "perdu": "lost",
    "perdus": "lost",
    "perdue": "lost",
    "perte": "lost",
    "donnees": "data",
    "sauvegarde": "backup",
    "sauvegarder": "save",
    "enregistrer": "save",
    "integration": "integration",
    "courriel": "email",
    "mail": "email",
    "mails": "email",
    "telephone": "phone",
    "portable": "phone",
    "tablette": "tablet",
    "ordinateur": "computer",
    "bureau": "desktop",
    "fonctionnalite": "feature",
    "fonctionnalites": "feature",
    "fonction": "feature",
    "merci": "thanks",
    "genial": "great",
    "geniale": "great",
    "super": "great",
    "excellent": "great",
    "excellente": "great",
    "top": "great",
    "adore": "love",
    "adorons": "love",
    "aime": "like",
    "rapide": "fast",
    "rapides": "fast",
    "facile": "easy",
    "simple": "simple",
    "nouveau": "new",
    "nouvelle": "new",
    "nouvelles": "new",
    "ancien": "old",
    "ancienne": "old",
    "gratuit": "free",
    "gratuite": "free",
    "annuler": "cancel",
    "annulation": "cancel",
    "resilier": "cancel",
    "resiliation": "cancel",
    "livraison": "delivery",
    "commande": "order",
    "commandes": "order",
    "envoyer": "send",
    "envoi": "send",
    "recevoir": "receive",
    "recu": "receive",
    "recois": "receive",
    "marche": "work",
    "fonctionne": "work",
    "fonctionnent": "work",
    "bloque": "stuck",
    "bloquee": "stuck",
    "charge": "load",
    "chargement": "load",
    "charger": "load",
    "afficher": "show",
    "affiche": "show",
    "affichage": "display",
    "glisser": "drag",
    "deposer": "drop",
    "pouce": "thumb",
    "widget": "widget",
    "minuteur": "timer",
    "chronometre": "timer",
    "statistiques": "stats",
    "rapport": "report",
    "rapports": "report",
    "modele": "template",
    "modeles": "template",
    "archive": "archive",
    "archiver": "archive",
    "invitation": "invite",
    "inviter": "invite",
    "lien": "link",
    "liens": "link",
    "code": "code",
    "verification": "verification",
    "authentification": "authentication",
    "securite": "security",
    "confidentialite": "privacy",
    "couleur": "color",
    "couleurs": "color",
    "police": "font",
    "taille": "size",
    "imprimer": "print",
    "impression": "print",
    "hebdomadaire": "weekly",
    "quotidien": "daily",
    "mensuel": "monthly",
    "semaine": "week",
    "mois": "month",
    "service": "service",
    "client": "customer",
    "clients": "customer",
    "reponse": "reply",
    "repondre": "reply",
    "attente": "wait",
    "attendre": "wait",
    "pub": "ad",
    "pubs": "ad",
    "publicite": "ad",
    "publicites": "ad",
    "batterie": "battery",
    "vide": "drain",
    "hors-ligne": "offline",
    "tablettes": "tablet",
    "ajouter": "add",
    "ajoutez": "add",
    "ajout": "add",
    "ajoutes": "add",
    "oublie": "forget",
    "oublier": "forget",
    "forgot": "forget",
    "exporter": "export",
    "importer": "import",
    "modifier": "edit",
    "modifie": "edit",
    "changer": "change",
    "deplacer": "move",
    "trier": "sort",
    "tri": "sort",
    "notification": "notification",
    "alerte": "alert",
    "alertes": "alert",
    "vitesse": "speed",
    "mettre": "put",
    "disparu": "disappear",
    "disparaissent": "disappear",
    "disparait": "disappear",
    "vierge": "blank",
    "blanc": "blank",
    "blanche": "blank",
    "essai": "trial",
    "gratuitement": "free",
}
PHRASES: dict[str, str] = {
    "mot de passe": "password",
    "mots de passe": "password",
    "mise a jour": "update",
    "mises a jour": "update",
    "hors ligne": "offline",
    "hors-ligne": "offline",
    "mode sombre": "dark mode",
    "piece jointe": "attachment",
    "pieces jointes": "attachment",
    "service client": "support",
    "support client": "support",
    "customer support": "support",
    "customer service": "support",
    "dark theme": "dark mode",
    "night mode": "dark mode",
    "mode nuit": "dark mode",
    "theme sombre": "dark mode",
    "two factor": "2fa",
    "deux facteurs": "2fa",
    "double authentification": "2fa",
    "glisser deposer": "drag drop",
    "glisser-deposer": "drag drop",
    "sign in": "login",
    "log in": "login",
    "sign up": "signup",
    "log out": "logout",
    "sign out": "logout",
    "dark mode": "dark mode",
    "drag and drop": "drag drop",
    "drag-and-drop": "drag drop",
}
_PHRASE_RE = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in sorted(PHRASES, key=len, reverse=True)) + r")\b")
_SUFFIXES = (
    "issements",
    "issement",
    "ements",
    "ement",
    "ations",
    "ation",
    "ingly",
    "ings",
    "ing",
    "ions",
    "ion",
    "ies",
    "ied",
    "ees",
    "ee",
    "es",
    "ed",
    "er",
    "ez",
    "ly",
    "s",
    "e",
    "x",
)
FR_HINTS = frozenset(
    """
le la les des une est pas je vous nous que qui dans pour avec sur mon ma mes ne ce cette du au aux
est-ce il elle ils on tres comment pourquoi un une svp merci
""".split()  # noqa: SIM905
)
EN_HINTS = frozenset(
    """
the a and you that this is are was not but what with for have has my your i it to of do does can how why please
""".split()  # noqa: SIM905
)


def fold(text: str) -> str:
    """Lower-case and strip accents: "Réglages" -> "reglages"."""
    text = text.lower()
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def guess_lang(text: str) -> str:
    """ "en" or "fr" from function words: cheap, for units that came without a language."""
    words = TOKEN_RE.findall(fold(text))
    fr = sum(w in FR_HINTS or bool(ELISION_RE.match(w)) for w in words)
    en = sum(w in EN_HINTS for w in words)
    return "fr" if fr > en else "en"


def stem(word: str) -> str:
    """A crude English/French suffix stripper: "exporting", "exported", "exporter" -> "export"."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def surface_tokens(text: str) -> list[tuple[str, int, int]]:
    """(token, start, end) of every word of ``text`` as written, elisions split off ("l'option" -> "option")."""
    out: list[tuple[str, int, int]] = []
    for m in TOKEN_RE.finditer(text):
        tok, start = m.group(), m.start()
        el = ELISION_RE.match(fold(tok))
        if el:
            tok, start = tok[el.end() :], start + el.end()
        out.append((tok, start, m.end()))
    return out


def canonical(word: str) -> str | None:
    """The language-neutral key of one word, or None for a function word."""
    w = fold(word)
    el = ELISION_RE.match(w)
    if el:
        w = w[el.end() :]
    if not w or w in STOPWORDS or w in EXTRA_STOPWORDS or len(w) < 2:
        return None
    if w.isdigit():
        return None
    mapped = LEXICON.get(w, w)
    return None if mapped in EXTRA_STOPWORDS else stem(mapped)


def terms(text: str) -> list[str]:
    """The canonical content words of a text, in order (phrases such as "mot de passe" count as one)."""
    folded = _PHRASE_RE.sub(lambda m: " " + PHRASES[m.group()].replace(" ", "") + " ", fold(text))
    out: list[str] = []
    for m in TOKEN_RE.finditer(folded):
        key = canonical(m.group())
        if key:
            out.append(key)
    return out


def term_set(texts: Iterable[str]) -> set[str]:
    """Every canonical term of several texts."""
    return {t for text in texts for t in terms(text)}
