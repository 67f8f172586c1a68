"""A reproducible stream of form deliveries for the generic webhook: praise, questions, complaints, spam.

Roughly what a SaaS founder receives: mostly neutral or positive, a share of complaints (some
urgent, in strong words), a few leads, a little spam, in English and French.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass

PRAISE = [
    "Love the new dashboard in Acme, the export finally works and my team saves an hour a week.",
    "Acme support answered in ten minutes, thank you so much, great product.",
    "J'adore la nouvelle version d'Acme, l'interface est beaucoup plus claire.",
    "The Acme mobile app is smooth and fast since the last update, well done.",
]
QUESTIONS = [
    "How do I connect Acme to our Slack workspace? I could not find it in the settings.",
    "Is there a way to export Acme reports as CSV every Monday?",
    "Comment changer l'adresse de facturation sur mon compte Acme ?",
    "Does Acme have an API for creating invoices from our CRM?",
]
COMPLAINTS = [
    "Acme charged my card twice this month and nobody answers my emails. I want a refund now.",
    "The Acme app crashes every time I open a report, this is unacceptable, we pay for this.",
    "Worst experience ever with Acme: my data is gone after the update and support is silent. Cancelling today.",
    "Acme est en panne depuis ce matin, impossible de travailler, c'est inadmissible, remboursez-moi.",
    "Acme login is broken again, third time this week, I'm switching to another tool.",
    "The sync in Acme is a bit slow on large files, could you look into it?",
]
LEADS = [
    "We are 40 people evaluating Acme against Rival, can someone send pricing for the team plan?",
    "Looking for a tool like Acme for our agency, do you offer a discount for non-profits?",
]
SPAM = [
    "Acme fans: earn $500 a day from home, click here bit.ly/xx-free-money now!!!",
    "Cheap followers for your Acme page, 10k for $5, DM me.",
]
MIX = [(PRAISE, 0.3), (QUESTIONS, 0.3), (COMPLAINTS, 0.25), (LEADS, 0.1), (SPAM, 0.05)]


@dataclass(frozen=True)
class Delivery:
    """One generic-webhook body (JSON bytes) and its response id."""

    id: str
    body: bytes


def deliveries(count: int, seed: int = 7, prefix: str = "bench") -> Iterator[Delivery]:
    """``count`` deliveries with unique ids; the same seed gives the same bodies."""
    rng = random.Random(seed)
    pools, weights = zip(*MIX, strict=True)
    for n in range(count):
        pool = rng.choices(pools, weights=weights)[0]
        text = rng.choice(pool)
        if rng.random() < 0.5:
            text += f" (ticket {rng.randint(1000, 99999)})"
        ident = f"{prefix}-{seed}-{n:06d}"
        body = {
            "id": ident,
            "text": text,
            "author": f"user{rng.randint(1, 5000)}",
            "form": "feedback",
            "url": f"https://forms.example.com/r/{ident}",
        }
        if rng.random() < 0.3:
            body["email"] = f"user{n}@example.com"
        yield Delivery(ident, json.dumps(body).encode())
