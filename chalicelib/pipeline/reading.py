"""What the classifier reads of a mention: read by the stream (to classify) and by learning (to remember).

Its own module so that neither of those two imports the other.
"""

from __future__ import annotations

from chalicelib.models import Mention


def classification_text(mention: Mention) -> str:
    """What the classifier reads: title and text; for form feedback, the answers without their questions.

    A form's "Company Name: …" / "Team size: …" lines read like SMS spam templates to a model trained on
    public posts (a sales lead from Jotform scored 0.85 spam); the answers alone are what the person said.
    """
    if mention.source.startswith("form:"):
        answers = [line.split(": ", 1)[1] if 0 < line.find(": ") <= 80 else line for line in mention.text.splitlines()]
        return "\n".join(answers)
    return f"{mention.title}. {mention.text}" if mention.title else mention.text
