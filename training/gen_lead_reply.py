"""Generate the lead / needs_reply training set (no public dataset exists for these two flags).

    python -m training.gen_lead_reply [--out training/data/lead_reply.jsonl] [--seed 13]

Texts are built from hand-written English and French templates with slots (brand, product category,
problem, time, tone, emoji, typos) filled at random with a fixed seed. Each template belongs to one
group; whole groups are held out for the test split (`"split": "test"`), so the held-out score measures
generalisation to unseen phrasings, not to unseen slot fillers.

Labels: `lead` = the author is looking for a product/tool/provider or asks about buying it (a sales
opportunity); `needs_reply` = the author expects an answer from the brand (question or help request
addressed to it, or a problem that needs support). A pricing question to @brand is both.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

BRANDS = ["@acme", "@Zendo", "@nimbusapp", "@Frely", "@orbit_hq", "@Lumio", "@Stackly", "@getkoda", "@Brevia", "@Plumo"]
BRAND_NAMES = [
    "Acme",
    "Zendo",
    "Nimbus",
    "Frely",
    "Orbit",
    "Lumio",
    "Stackly",
    "Koda",
    "Brevia",
    "Plumo",
    "Hubspot",
    "Notion",
    "Trello",
    "Slack",
    "Shopify",
    "Mailchimp",
    "Asana",
    "Zendesk",
    "Intercom",
    "Airtable",
]
CAT_EN = [
    "CRM",
    "project management tool",
    "help desk",
    "email marketing tool",
    "invoicing app",
    "social listening tool",
    "analytics platform",
    "website builder",
    "password manager",
    "note-taking app",
    "scheduling tool",
    "accounting software",
    "chatbot",
    "VPN",
    "HR software",
    "survey tool",
    "booking system",
    "ticketing system",
]
CAT_FR = [
    "CRM",
    "outil de gestion de projet",
    "logiciel de facturation",
    "outil d'emailing",
    "outil de veille",
    "logiciel de compta",
    "plateforme d'analytics",
    "créateur de site",
    "gestionnaire de mots de passe",
    "appli de prise de notes",
    "outil de planning",
    "logiciel RH",
    "outil de sondage",
    "chatbot",
    "helpdesk",
    "logiciel de caisse",
    "outil de prise de rendez-vous",
]
TEAM_EN = [
    "our team of 5",
    "a small agency",
    "our startup",
    "my shop",
    "a 50-person company",
    "our nonprofit",
    "my freelance business",
    "our sales team",
    "the support team",
    "our school",
]
TEAM_FR = [
    "notre équipe de 5",
    "une petite agence",
    "notre startup",
    "ma boutique",
    "une PME de 50 personnes",
    "notre asso",
    "mon activité de freelance",
    "l'équipe commerciale",
    "notre service client",
    "notre école",
]
PROB_EN = [
    "the app keeps crashing",
    "I can't log in",
    "my invoice is wrong",
    "the sync stopped working",
    "I was charged twice",
    "the export button does nothing",
    "my account got locked",
    "the page won't load",
    "I never received the confirmation email",
    "the integration with Gmail is broken",
    "my data disappeared",
    "the mobile app logs me out every time",
]
PROB_FR = [
    "l'appli plante sans arrêt",
    "je n'arrive pas à me connecter",
    "ma facture est fausse",
    "la synchro ne marche plus",
    "j'ai été prélevé deux fois",
    "l'export ne fonctionne pas",
    "mon compte est bloqué",
    "la page ne charge pas",
    "je n'ai jamais reçu le mail de confirmation",
    "l'intégration avec Gmail est cassée",
    "mes données ont disparu",
    "l'appli mobile me déconnecte tout le temps",
]
TIME_EN = ["since yesterday", "since this morning", "for 3 days", "again", "since the last update", "all week", ""]
TIME_FR = [
    "depuis hier",
    "depuis ce matin",
    "depuis 3 jours",
    "encore",
    "depuis la dernière mise à jour",
    "toute la semaine",
    "",
]
EMOJI = ["", "", "", " 🙏", " 😅", " 🤔", " 😩", " 👀", " 😊", " 🔥", " 😡", " 💯"]
TOPIC_EN = [
    "the game tonight",
    "this weather",
    "the new season",
    "my coffee",
    "the election",
    "Monday mornings",
    "the concert",
    "my cat",
    "the traffic",
    "this podcast",
]
TOPIC_FR = [
    "le match ce soir",
    "cette météo",
    "la nouvelle saison",
    "mon café",
    "les élections",
    "les lundis matin",
    "le concert",
    "mon chat",
    "les bouchons",
    "ce podcast",
]

# (group, lang, lead, needs_reply, templates)
GROUPS: list[tuple[str, str, int, int, list[str]]] = [
    (
        "en_alt",
        "en",
        1,
        0,
        [
            "any good alternative to {name}?",
            "what's the best alternative to {name} for {team}?",
            "looking for an alternative to {name}, it's getting too expensive",
            "is there anything cheaper than {name}?",
            "we're moving away from {name}, recommendations?",
            "{name} raised prices again. what are you all switching to?",
        ],
    ),
    (
        "en_seek",
        "en",
        1,
        0,
        [
            "looking for a {cat} for {team}",
            "can anyone recommend a {cat}?",
            "need a {cat} that doesn't suck, ideas?",
            "what {cat} do you use? looking to switch",
            "in the market for a {cat}, budget is tight",
            "we need a simple {cat} for {team}, any suggestions?",
            "which {cat} would you recommend for {team}?",
            "hey twitter, best {cat} in 2024?",
            "shopping around for a {cat}. what should I look at?",
        ],
    ),
    (
        "en_buy",
        "en",
        1,
        1,
        [
            "{brand} how much is the pro plan for {team}?",
            "{brand} do you offer a discount for nonprofits?",
            "{brand} can I get a demo for {team}?",
            "hi {brand}, do you have an annual plan? thinking of buying",
            "{brand} is there a free trial? we're evaluating a {cat}",
            "{brand} do you integrate with {name}? we might sign up",
            "{brand} what's the pricing for 20 seats?",
            "{brand} can we talk to sales? interested in your {cat}",
        ],
    ),
    (
        "en_eval",
        "en",
        1,
        0,
        [
            "thinking about trying {name} as our {cat}, anyone using it?",
            "{name} or {name2}? choosing a {cat} this week",
            "has anyone used {name} for {team}? worth it?",
            "comparing {name} and {name2} for our {cat}, thoughts?",
            "ready to pay for a good {cat} if it saves me time",
            "I'd happily pay for a {cat} that just works",
        ],
    ),
    (
        "en_help",
        "en",
        0,
        1,
        [
            "{brand} {prob} {time}, can you help?",
            "{brand} help! {prob}",
            "hey {brand}, {prob} {time}. what do I do?",
            "{brand} how do I reset my password?",
            "{brand} how do I export my data to csv?",
            "{brand} where can I change my billing address?",
            "{brand} is the service down? {prob}",
            "{brand} can someone from support DM me? {prob}",
            "{brand} I opened a ticket {time} and still no answer",
            "{brand} any update on my ticket? {prob}",
            "{brand} why was I charged twice this month?",
            "{brand} please fix this, {prob} {time}",
            "{brand} can you look into my account? {prob}",
        ],
    ),
    (
        "en_howto",
        "en",
        0,
        1,
        [
            "how do I add a teammate in {brand}?",
            "{brand} is there a way to schedule posts in advance?",
            "{brand} does the mobile app support dark mode?",
            "quick question {brand}: can I cancel anytime?",
            "{brand} how can I delete my account?",
            "{brand} when will the new feature be available?",
            "{brand} is my data stored in the EU?",
            "{brand} can I get a refund for last month?",
        ],
    ),
    (
        "en_complain_dm",
        "en",
        0,
        1,
        [
            "{brand} {prob} {time}. this is unacceptable, please respond",
            "{brand} still waiting for a reply. {prob}",
            "{brand} your support is not answering and {prob}",
            "{brand} I need this fixed today, {prob}",
        ],
    ),
    (
        "en_praise",
        "en",
        0,
        0,
        [
            "loving the new update from {brand}{emoji}",
            "{name} just saved my day, great {cat}",
            "shoutout to {brand} for the quick fix",
            "been using {name} for a year and it's still great",
            "{brand} the new dashboard looks amazing",
            "honestly {name} is the best {cat} I've used",
            "thanks {brand}, problem solved!",
            "just switched to {name} and never looking back",
        ],
    ),
    (
        "en_news",
        "en",
        0,
        0,
        [
            "{name} raises $20M to build the next-gen {cat}",
            "{name} announces a new integration with {name2}",
            "{name} is hiring engineers in Berlin",
            "report: {name} now has 1M users",
            "{name} launches a {cat} for small businesses",
            "new blog post: how we migrated from {name} to {name2}",
            "webinar next week: getting the most out of your {cat}",
        ],
    ),
    (
        "en_chatter",
        "en",
        0,
        0,
        [
            "anyone else watching {topic}?",
            "can't believe {topic} lol",
            "who's ready for {topic}?",
            "{topic} is something else today",
            "what a day. {topic} was wild",
            "is it just me or is {topic} overrated?",
            "why is {topic} always like this?",
            "so tired of {topic}{emoji}",
        ],
    ),
    (
        "en_rant",
        "en",
        0,
        0,
        [
            "{name} is the worst {cat} ever made",
            "never using {name} again, total garbage",
            "{name} keeps getting worse with every update",
            "I hate how slow {name} has become",
            "used {name} for a week and I regret it",
        ],
    ),
    (
        "en_happy_no",
        "en",
        0,
        0,
        [
            "not looking for a new {cat}, {name} works fine for us",
            "we're happy with {name}, no plans to switch",
            "people keep asking what {cat} we use: it's {name} and we love it",
        ],
    ),
    (
        "fr_alt",
        "fr",
        1,
        0,
        [
            "une alternative à {name} ?",
            "quelle est la meilleure alternative à {name} pour {team} ?",
            "je cherche une alternative à {name}, trop cher maintenant",
            "y a-t-il moins cher que {name} ?",
            "on quitte {name}, vous conseillez quoi ?",
            "{name} augmente encore ses prix, vous êtes passés à quoi ?",
        ],
    ),
    (
        "fr_seek",
        "fr",
        1,
        0,
        [
            "on cherche une solution pour {team}, un {cat} simple",
            "vous connaissez un bon {cat} ?",
            "je cherche un {cat} pour {team}, des idées ?",
            "quel {cat} utilisez-vous ? on veut changer",
            "besoin d'un {cat} pas trop cher, des recommandations ?",
            "vous me conseillez quel {cat} pour {team} ?",
            "on est à la recherche d'un {cat}, des retours ?",
            "quel est le meilleur {cat} en ce moment ?",
            "je cherche un outil qui fasse {cat} et facturation",
        ],
    ),
    (
        "fr_buy",
        "fr",
        1,
        1,
        [
            "{brand} combien coûte l'offre pro pour {team} ?",
            "{brand} vous avez un tarif pour les associations ?",
            "{brand} est-ce qu'on peut avoir une démo ?",
            "bonjour {brand}, vous proposez un abonnement annuel ?",
            "{brand} il y a un essai gratuit ? on compare plusieurs {cat}",
            "{brand} vous êtes compatibles avec {name} ?",
            "{brand} quel est le prix pour 20 utilisateurs ?",
            "{brand} on peut parler à un commercial ?",
        ],
    ),
    (
        "fr_eval",
        "fr",
        1,
        0,
        [
            "on hésite entre {name} et {name2} comme {cat}, des avis ?",
            "quelqu'un utilise {name} pour {team} ?",
            "je pense tester {name} comme {cat}, ça vaut le coup ?",
            "prêt à payer pour un {cat} qui marche vraiment",
            "vous avez des retours sur {name} ? on choisit un {cat} cette semaine",
        ],
    ),
    (
        "fr_help",
        "fr",
        0,
        1,
        [
            "{brand} {prob} {time}, vous pouvez m'aider ?",
            "{brand} au secours, {prob}",
            "bonjour {brand}, {prob} {time}",
            "{brand} comment je réinitialise mon mot de passe ?",
            "{brand} comment exporter mes données ?",
            "{brand} où est-ce que je change mon adresse de facturation ?",
            "{brand} le service est en panne ? {prob}",
            "{brand} quelqu'un du support peut me contacter en MP ? {prob}",
            "{brand} j'ai ouvert un ticket {time} et toujours pas de réponse",
            "{brand} des nouvelles de mon ticket ?",
            "{brand} pourquoi j'ai été prélevé deux fois ce mois-ci ?",
            "{brand} merci de corriger ça, {prob}",
            "{brand} vous pouvez regarder mon compte ? {prob}",
        ],
    ),
    (
        "fr_howto",
        "fr",
        0,
        1,
        [
            "comment on ajoute un collègue sur {brand} ?",
            "{brand} on peut programmer les envois à l'avance ?",
            "{brand} l'appli mobile a un mode sombre ?",
            "petite question {brand} : on peut résilier à tout moment ?",
            "{brand} comment supprimer mon compte ?",
            "{brand} la nouvelle fonctionnalité arrive quand ?",
            "{brand} mes données sont hébergées en France ?",
            "{brand} je peux être remboursé pour le mois dernier ?",
        ],
    ),
    (
        "fr_complain_dm",
        "fr",
        0,
        1,
        [
            "{brand} {prob} {time}, c'est inadmissible, répondez-moi",
            "{brand} j'attends toujours une réponse. {prob}",
            "{brand} votre support ne répond pas et {prob}",
            "{brand} il faut régler ça aujourd'hui, {prob}",
        ],
    ),
    (
        "fr_praise",
        "fr",
        0,
        0,
        [
            "j'adore la nouvelle mise à jour de {brand}{emoji}",
            "{name} m'a sauvé la journée, super {cat}",
            "merci {brand} pour la réactivité",
            "j'utilise {name} depuis un an et c'est toujours top",
            "{brand} le nouveau tableau de bord est magnifique",
            "franchement {name} est le meilleur {cat}",
            "merci {brand}, problème réglé !",
            "passé à {name} et aucun regret",
        ],
    ),
    (
        "fr_news",
        "fr",
        0,
        0,
        [
            "{name} lève 20 M€ pour son {cat}",
            "{name} annonce une intégration avec {name2}",
            "{name} recrute des développeurs à Lyon",
            "{name} dépasse le million d'utilisateurs",
            "{name} lance un {cat} pour les TPE",
            "nouvel article : comment on a migré de {name} vers {name2}",
            "webinaire la semaine prochaine : bien utiliser son {cat}",
        ],
    ),
    (
        "fr_chatter",
        "fr",
        0,
        0,
        [
            "quelqu'un regarde {topic} ?",
            "j'en reviens pas de {topic} mdr",
            "qui est prêt pour {topic} ?",
            "{topic} c'est quelque chose aujourd'hui",
            "quelle journée, {topic} était n'importe quoi",
            "c'est moi ou {topic} est surcoté ?",
            "pourquoi {topic} c'est toujours comme ça ?",
            "marre de {topic}{emoji}",
        ],
    ),
    (
        "fr_rant",
        "fr",
        0,
        0,
        [
            "{name} est le pire {cat} du monde",
            "plus jamais {name}, une horreur",
            "{name} empire à chaque mise à jour",
            "je déteste la lenteur de {name}",
            "une semaine sur {name} et je regrette",
        ],
    ),
    (
        "fr_happy_no",
        "fr",
        0,
        0,
        [
            "on ne cherche pas de nouveau {cat}, {name} nous suffit",
            "contents de {name}, pas prévu de changer",
            "on me demande quel {cat} on utilise : c'est {name} et on adore",
        ],
    ),
]
# Held-out templates: the last template of each group goes to the test split, plus every 4th one.
PREFIX_EN = ["", "", "", "hey all, ", "quick q: ", "ok so ", "honestly ", "serious question, "]
PREFIX_FR = ["", "", "", "salut, ", "petite question : ", "bon, ", "sérieux, ", "hello, "]


def _typo(text: str, rng: random.Random) -> str:
    """Small realistic noise: case, dropped punctuation, doubled letter."""
    r = rng.random()
    if r < 0.15:
        text = text.capitalize()
    elif r < 0.22:
        text = text.replace(" ?", "?").replace("?", "??")
    elif r < 0.3:
        text = text.rstrip("?!. ")
    elif r < 0.35 and len(text) > 10:
        i = rng.randrange(len(text))
        if text[i].isalpha():
            text = text[:i] + text[i] + text[i:]
    return text


def generate(seed: int = 13, per_template: int = 10) -> list[dict[str, object]]:
    """All examples, deterministic for a given seed."""
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for group, lang, lead, reply, templates in GROUPS:
        en = lang == "en"
        for t_index, template in enumerate(templates):
            split = "test" if t_index == len(templates) - 1 or t_index % 4 == 3 else "train"
            for _ in range(per_template):
                name, name2 = rng.sample(BRAND_NAMES, 2)
                text = template.format(
                    brand=rng.choice(BRANDS),
                    name=name,
                    name2=name2,
                    cat=rng.choice(CAT_EN if en else CAT_FR),
                    team=rng.choice(TEAM_EN if en else TEAM_FR),
                    prob=rng.choice(PROB_EN if en else PROB_FR),
                    time=rng.choice(TIME_EN if en else TIME_FR),
                    topic=rng.choice(TOPIC_EN if en else TOPIC_FR),
                    emoji=rng.choice(EMOJI),
                )
                text = rng.choice(PREFIX_EN if en else PREFIX_FR) + " ".join(text.split())
                text = _typo(text, rng) + (rng.choice(EMOJI) if rng.random() < 0.3 else "")
                rows.append(
                    {
                        "text": text,
                        "lang": lang,
                        "labels": {"lead": lead, "needs_reply": reply},
                        "group": group,
                        "split": split,
                    }
                )
    seen: set[str] = set()
    unique = []
    for row in rows:
        if row["text"] not in seen:
            seen.add(str(row["text"]))
            unique.append(row)
    return unique


def main(argv: list[str] | None = None) -> int:
    """Write the generated set as JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / "lead_reply.jsonl")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    rows = generate(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
