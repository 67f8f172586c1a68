"""The comprehend backend: Amazon Comprehend sentiment and toxicity, the other flags from builtin.

Calls: BatchDetectSentiment (25 texts per call, per language: en and fr; "other" keeps the builtin
sentiment) and DetectToxicContent (English only, 10 segments per call) for `offensive`.
complaint / spam / lead / needs_reply have no Comprehend API (custom classification needs an
always-on endpoint, ~$1,296/month), so they come from the builtin model and rules.

Cost per 1,000 mentions (us-east-1, tweets under 300 characters: 1 unit = 100 characters,
3 units minimum per document, $0.0001 per unit):
- DetectSentiment: 1,000 x 3 units x $0.0001 = **$0.30**
- DetectToxicContent (English only; priced like the other NLP APIs, unverified): **$0.30**
- so about **$0.60 per 1,000 English mentions**, $0.30 per 1,000 French ones, plus Lambda time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.classify import cues as rules
from chalicelib.classify.builtin import BuiltinClassifier, shared_builtin
from chalicelib.classify.features import normalise, tokenize
from chalicelib.classify.schema import ClassifyInput, Labels

SENTIMENT_BATCH = 25
TOXICITY_BATCH = 10
MAX_BYTES = 4_900  # BatchDetectSentiment: 5 KB per document
MAX_TOXIC_BYTES = 1_000  # DetectToxicContent: 1 KB per segment
TOXIC_THRESHOLD = 0.5
SENTIMENT_MAP = {"POSITIVE": "positive", "NEGATIVE": "negative", "NEUTRAL": "neutral", "MIXED": "neutral"}


def _clip(text: str, limit: int) -> str:
    data = text.encode("utf-8")[:limit]
    return data.decode("utf-8", errors="ignore") or "."


class ComprehendClassifier:
    """Comprehend for sentiment and toxicity; builtin for the rest. `client` is injectable for tests."""

    name = "comprehend"

    def __init__(self, client: Any = None, builtin: BuiltinClassifier | None = None) -> None:
        self._client = client
        self.builtin = builtin or shared_builtin()
        self.model_version = f"comprehend+{self.builtin.model_version}"

    @property
    def client(self) -> Any:
        """The boto3 Comprehend client, created at first use."""
        if self._client is None:
            import boto3

            self._client = boto3.client("comprehend")
        return self._client

    def classify(self, items: Sequence[ClassifyInput]) -> list[Labels]:
        """Labels for each item, in order."""
        base = self.builtin.classify(items)
        sentiments = self._sentiments(items, base)
        toxicity = self._toxicity(items, base)
        out = []
        for i, (item, labels) in enumerate(zip(items, base, strict=True)):
            update: dict[str, Any] = {"backend": self.name, "model_version": self.model_version}
            scores = dict(labels.scores)
            why = {k: v for k, v in labels.why.items() if k not in ("negative", "positive", "offensive")}
            if i in sentiments:
                label, s = sentiments[i]
                scores.update(
                    {"negative": s["Negative"], "neutral": s["Neutral"] + s["Mixed"], "positive": s["Positive"]}
                )
                update.update(sentiment=label, sentiment_score=round(s["Positive"] - s["Negative"], 4))
                if label in ("negative", "positive"):
                    why[label] = [f"comprehend {label} {s[label.capitalize()]:.2f}"]
            else:
                update["sentiment"] = labels.sentiment
                for key in ("negative", "positive"):
                    if key in labels.why:
                        why[key] = labels.why[key]
            if i in toxicity:
                score, names = toxicity[i]
                scores["offensive"] = score
                update["offensive"] = score >= TOXIC_THRESHOLD
                if update["offensive"]:
                    why["offensive"] = names or ["toxicity"]
            elif labels.offensive:
                why["offensive"] = labels.why.get("offensive", [])
            lowered = normalise(item.text)
            update["urgency"] = rules.urgency(
                scores["negative"],
                max(scores["complaint"], 0.8 * labels.complaint),
                rules.find_cues(tokenize(lowered), lowered),
                item.followers,
                item.engagement,
                labels.needs_reply,
                labels.spam,
            )
            scores["urgent"] = round(update["urgency"] / 100, 4)
            if update["urgency"] < 50:
                why.pop("urgent", None)
            out.append(labels.model_copy(update={**update, "scores": scores, "why": why}))
        return out

    def _sentiments(
        self, items: Sequence[ClassifyInput], base: list[Labels]
    ) -> dict[int, tuple[str, dict[str, float]]]:
        """Index -> (sentiment, SentimentScore) for the en and fr items."""
        found: dict[int, tuple[str, dict[str, float]]] = {}
        for lang in ("en", "fr"):
            indices = [i for i, labels in enumerate(base) if labels.lang == lang]
            for start in range(0, len(indices), SENTIMENT_BATCH):
                chunk = indices[start : start + SENTIMENT_BATCH]
                response = self.client.batch_detect_sentiment(
                    TextList=[_clip(items[i].text, MAX_BYTES) for i in chunk], LanguageCode=lang
                )
                for result in response.get("ResultList", []):
                    index = chunk[result["Index"]]
                    found[index] = (SENTIMENT_MAP[result["Sentiment"]], result["SentimentScore"])
        return found

    def _toxicity(self, items: Sequence[ClassifyInput], base: list[Labels]) -> dict[int, tuple[float, list[str]]]:
        """Index -> (toxicity, label names over 0.5) for the English items."""
        found: dict[int, tuple[float, list[str]]] = {}
        indices = [i for i, labels in enumerate(base) if labels.lang == "en"]
        for start in range(0, len(indices), TOXICITY_BATCH):
            chunk = indices[start : start + TOXICITY_BATCH]
            response = self.client.detect_toxic_content(
                TextSegments=[{"Text": _clip(items[i].text, MAX_TOXIC_BYTES)} for i in chunk], LanguageCode="en"
            )
            for index, result in zip(chunk, response.get("ResultList", []), strict=False):
                names = [lab["Name"].lower() for lab in result.get("Labels", []) if lab.get("Score", 0) >= 0.5]
                found[index] = (round(float(result.get("Toxicity", 0.0)), 4), names)
        return found
