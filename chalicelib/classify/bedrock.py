"""The bedrock backend: an LLM (Bedrock Converse API) labels a batch of texts as strict JSON.

The model answers one JSON object per text; the answer is parsed with pydantic. Whatever does not
parse (bad JSON, missing ids, wrong values) falls back to the builtin labels for that batch, with a
warning in the logs. Language, scores, urgency and rule cues still come from builtin.

Cost per 1,000 mentions with Amazon Nova Micro ($0.035 per 1M input tokens, $0.14 per 1M output):
~20 texts per call, ~400 prompt tokens shared by the batch + ~60 tokens per tweet in, ~45 tokens per
label out: 1,000 x 80 in = 80k tokens ($0.0028) + 45k out ($0.0063), so **about $0.01 per 1,000
mentions** (about half with batch inference); Nova 2 Lite ($0.30 / $2.50) is about $0.14 per 1,000.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from chalicelib.classify import cues as rules
from chalicelib.classify.builtin import BuiltinClassifier, shared_builtin
from chalicelib.classify.features import normalise, tokenize
from chalicelib.classify.schema import ClassifyInput, Labels

DEFAULT_MODEL = "amazon.nova-micro-v1:0"
BATCH = 20
MAX_CHARS = 1_000
logger = logging.getLogger(__name__)

SYSTEM = (
    "You label social-media mentions of a brand for a support and sales team. For each input item answer "
    "one JSON object with exactly these keys: id (string, copied), sentiment (negative|neutral|positive), "
    "complaint (bool: the author reports a problem or dissatisfaction with a product or service), spam (bool), "
    "offensive (bool: insults, slurs, profanity aimed at someone), lead (bool: looking for or asking about "
    "buying a product, tool or provider), needs_reply (bool: the author expects an answer from the brand), "
    "why (object mapping each true flag and a negative sentiment to 1-3 short words quoted from the text). "
    "Reply with ONLY a JSON array of these objects, in input order, no prose. Texts may be English or French."
)


class LLMLabel(BaseModel):
    """One object of the model's answer."""

    id: str
    sentiment: Literal["negative", "neutral", "positive"]
    complaint: bool
    spam: bool
    offensive: bool
    lead: bool
    needs_reply: bool
    why: dict[str, list[str]] = {}


def parse_answer(text: str, ids: list[str]) -> list[LLMLabel]:
    """The model's labels in the order of `ids`; raises ValueError when the answer is unusable."""
    cleaned = re.sub(r"^```(?:json)?\s*|\s*```$", "", text.strip())
    try:
        raw = json.loads(cleaned)
    except json.JSONDecodeError as exc:
        raise ValueError(f"answer is not JSON: {exc.msg}") from exc
    if isinstance(raw, dict):
        raw = raw.get("items") or raw.get("labels") or [raw]
    if not isinstance(raw, list):
        raise ValueError("answer is not a JSON array")
    try:
        labels = {lab.id: lab for lab in (LLMLabel.model_validate(obj) for obj in raw)}
    except ValidationError as exc:
        raise ValueError(f"answer does not match the schema: {exc.error_count()} errors") from exc
    missing = [i for i in ids if i not in labels]
    if missing:
        raise ValueError(f"answer misses {len(missing)} of {len(ids)} ids")
    return [labels[i] for i in ids]


class BedrockClassifier:
    """LLM labels via Bedrock Converse, falling back to builtin. `client` is injectable for tests."""

    name = "bedrock"

    def __init__(
        self, client: Any = None, model_id: str = DEFAULT_MODEL, builtin: BuiltinClassifier | None = None
    ) -> None:
        self._client = client
        self.model_id = model_id
        self.builtin = builtin or shared_builtin()
        self.model_version = f"bedrock:{model_id}"

    @property
    def client(self) -> Any:
        """The boto3 bedrock-runtime client, created at first use."""
        if self._client is None:
            import boto3

            self._client = boto3.client("bedrock-runtime")
        return self._client

    def classify(self, items: Sequence[ClassifyInput]) -> list[Labels]:
        """Labels for each item, in order."""
        base = self.builtin.classify(items)
        out: list[Labels] = []
        for start in range(0, len(items), BATCH):
            chunk, chunk_base = items[start : start + BATCH], base[start : start + BATCH]
            try:
                answer = self._ask(chunk)
            except ValueError as exc:
                logger.warning("bedrock answer unusable, using builtin labels: %s", exc)
                out.extend(chunk_base)
                continue
            out.extend(
                self._merge(item, labels, llm) for item, labels, llm in zip(chunk, chunk_base, answer, strict=True)
            )
        return out

    def _ask(self, chunk: Sequence[ClassifyInput]) -> list[LLMLabel]:
        ids = [str(i) for i in range(len(chunk))]
        payload = [{"id": i, "text": item.text[:MAX_CHARS]} for i, item in zip(ids, chunk, strict=True)]
        response = self.client.converse(
            modelId=self.model_id,
            system=[{"text": SYSTEM}],
            messages=[{"role": "user", "content": [{"text": json.dumps(payload, ensure_ascii=False)}]}],
            inferenceConfig={"maxTokens": 120 * len(chunk) + 100, "temperature": 0.0},
        )
        blocks = response.get("output", {}).get("message", {}).get("content", [])
        text = "".join(block.get("text", "") for block in blocks)
        return parse_answer(text, ids)

    def _merge(self, item: ClassifyInput, labels: Labels, llm: LLMLabel) -> Labels:
        flags = {
            "complaint": llm.complaint,
            "spam": llm.spam,
            "offensive": llm.offensive,
            "lead": llm.lead,
            "needs_reply": llm.needs_reply,
        }
        why = {k: v[:3] for k, v in llm.why.items() if flags.get(k) or k == llm.sentiment}
        for flag, raised in flags.items():
            if raised and not why.get(flag):
                why[flag] = labels.why.get(flag, ["llm"])
        lowered = normalise(item.text)
        matched = rules.matched_cues(tokenize(lowered), lowered)
        found, phrases = rules.cue_names(matched), rules.said(matched)
        if llm.complaint and phrases:
            why["complaint"] = why["complaint"] + [p for p in phrases if p not in why["complaint"]]
        p_neg = 1.0 if llm.sentiment == "negative" else 0.0
        level = rules.urgency(
            p_neg, 1.0 if llm.complaint else 0.0, found, item.followers, item.engagement, llm.needs_reply, llm.spam
        )
        if level >= 50:
            # What was said, never label names: the cue phrases, else the model's own words for the complaint.
            said = phrases or [w for w in why.get("complaint", []) if w != "llm"] or why.get("negative", [])
            why["urgent"] = said + [f"followers:{item.followers}"] * (rules.reach_points(item.followers) >= 12)
        score = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}[llm.sentiment]
        return labels.model_copy(
            update={
                **flags,
                "sentiment": llm.sentiment,
                "sentiment_score": score,
                "urgency": level,
                "why": why,
                "backend": self.name,
                "model_version": self.model_version,
            }
        )
