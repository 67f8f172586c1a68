"""What a form delivery is once parsed, and the two ways a delivery can be refused.

Pure: no boto3, no httpx. A provider's parser turns raw bytes into a :class:`Delivery`; the intake
service turns a delivery into a :class:`~chalicelib.models.Mention`.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.errors import VeilleError


class SignatureError(VeilleError):
    """The delivery is not signed by whoever holds the secret (missing, wrong or stale signature)."""


class PayloadError(VeilleError):
    """The body is malformed; ``field`` names the part of it that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class IgnoredDelivery(VeilleError):
    """A well-formed, signed delivery that is not a response to store (a partial response, another event).

    Answered 200 so the provider does not retry, and nothing is stored.
    """


class Answer(BaseModel):
    """One answered question: its label as the respondent saw it, and the answer as text."""

    model_config = ConfigDict(frozen=True)

    label: str
    value: str


class Delivery(BaseModel):
    """One form response, normalised across providers (personal data still included)."""

    model_config = ConfigDict(extra="forbid")

    provider: str
    response_id: str = Field(min_length=1, max_length=256)
    form_id: str | None = None
    form_name: str | None = None
    submitted_at: datetime | None = None
    answers: list[Answer] = Field(default_factory=list)
    text: str | None = Field(default=None, description="free text given as such (generic), else built from answers")
    author_name: str | None = None
    author_email: str | None = None
    phone: str | None = None
    url: str | None = None

    def has_contact(self) -> bool:
        """True when the respondent left a name, an email or a phone: a sign-up or a lead, even with no text."""
        return bool(self.author_name or self.author_email or self.phone)

    def body_text(self) -> str:
        """The mention's text: the free text when given, else one ``Question: answer`` line per answer."""
        if self.text:
            return self.text
        return "\n".join(f"{a.label}: {a.value}" if a.label else a.value for a in self.answers)
