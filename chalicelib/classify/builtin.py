"""The builtin backend: a hashed-feature linear model in pure Python (no numpy at runtime).

Weights are int16, bucket-major (`k` columns per bucket), loaded with `array.frombytes` in a few
milliseconds. Summed weights of each token's features are cached per token, so a text costs about
one dict lookup per word plus its bigrams.
"""

from __future__ import annotations

import json
import logging
import math
import struct
import sys
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from operator import add, itemgetter, sub
from pathlib import Path
from typing import Any

from chalicelib.classify import cues as rules
from chalicelib.classify.encoder import Encoder, EncoderUnavailable, load_encoder
from chalicelib.classify.features import context_features, normalise, token_features, tokenize
from chalicelib.classify.lang import looks_other, normalise_lang
from chalicelib.classify.schema import KINDS, ClassifyInput, Labels, Unit
from chalicelib.classify.stopwords import is_function_words
from chalicelib.classify.units import keep_units, mention_kind, split_units

MODEL_DIR = Path(__file__).parent / "model"
SENTIMENTS = ("negative", "neutral", "positive")
FLAGS = ("complaint", "spam", "offensive", "lead", "needs_reply")
# The offensive head's only French positives are MLMA's keyword-sampled insults, so French function words
# lean offensive and plain French support messages scored 0.52-0.58. In French it takes 0.65: on MLMA's
# toxic rows 1500+ (not trained on) recall goes 0.982 -> 0.954, and false positives on our French product
# talk (test split) and the DEFT dev tweets go 2/246 -> 0 and 2/324 -> 0 (those sets chose it).
FR_OFFENSIVE_THRESHOLD = 0.65
_LANE_BITS = 64
_LANE_BIAS = 1 << 62  # keeps a lane non-negative; sums of int16 weights stay far below
CACHE_LIMIT = 200_000  # entries per cache, ~30 MB each at most
# Features too vague to explain anything on their own.
HIDDEN = frozenset({"@user", "<user>", "<url>", "link", ",", ".", ":", "'", '"', "-", "…", "0", "00", "000", "0000"})


# What an encoder-raised flag with no n-gram cue is "like", for `why`.
_EXAMPLES = {
    "complaint": "complaints seen in training",
    "spam": "spam seen in training",
    "offensive": "abuse seen in training",
    "lead": "buyers' questions",
    "needs_reply": "messages awaiting an answer",
}


@cache
def _calibration() -> dict[str, Any]:
    """Thresholds and blend weights chosen on the product-feedback dev split (training.train_encoder)."""
    path = MODEL_DIR / "calibration.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _sigmoid(z: float) -> float:
    if z < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def _softmax(zs: Sequence[float]) -> list[float]:
    top = max(zs)
    exps = [math.exp(z - top) for z in zs]
    total = sum(exps)
    return [e / total for e in exps]


@lru_cache(maxsize=65_536)
def _display(feature: str) -> str:
    """A feature as a reader sees it in `why`: "b:not happy" -> "not happy", "n:good" -> "NOT good"."""
    if len(feature) < 2 or feature[1] != ":":
        return feature  # a token
    kind, body = feature[0], feature[2:]
    if kind == "n":
        return "NOT " + body
    if kind == "t":
        return {
            "question": "?",
            "mention": "@brand",
            "starts_mention": "@brand",
            "url": "link",
            "exclaim": "!",
            "caps": "CAPS",
        }.get(body, body)
    return body.replace("<s> ", "").replace(" </s>", "").replace("<user>", "@user").replace("<url>", "link")


class LinearModel:
    """Weights plus per-token and per-bigram caches; `logits` gives raw head logits for one text.

    Each cached part (a token with the bigram ending on it, or one context feature) is also kept as
    one packed Python int: its k summed int weights and its feature count, each in a 64-bit lane
    (two's complement across lanes). Adding packed ints adds every lane at once, so a text's k
    logits and its feature count come from one C-level `sum` and one `struct.unpack`.
    """

    def __init__(self, model_dir: Path = MODEL_DIR) -> None:
        spec = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
        self.k: int = spec["k"]
        self.mask: int = (1 << spec["n_bits"]) - 1
        self.scales: list[float] = spec["scales"]
        self.biases: list[float] = spec["biases"]
        self.heads: dict[str, Any] = spec["heads"]
        self.version: str = spec["model_version"]
        self.weights = array("h")
        self.weights.frombytes((model_dir / "weights.bin").read_bytes())
        if sys.byteorder == "big":
            self.weights.byteswap()
        if len(self.weights) != self.k * (self.mask + 1):
            raise ValueError(f"{model_dir / 'weights.bin'} does not match model.json: retrain with make train")
        lexicon_file = model_dir / "lexicon.json"
        # Word -> polarity class, a token feature like the others (absent in older models).
        self.lexicon: dict[str, str] | None = (
            json.loads(lexicon_file.read_text(encoding="utf-8")) if lexicon_file.exists() else None
        )
        n_lanes = self.k + 1  # k weight lanes, then the feature count
        # Added to a sum of packed ints, makes every lane non-negative so the bytes read back as uint64.
        self._offset = sum(_LANE_BIAS << (_LANE_BITS * i) for i in range(n_lanes))
        self._unpack = struct.Struct(f"<{n_lanes}Q").unpack
        self._n_bytes = 8 * n_lanes
        # Summed int weights (and feature count) per token; packed and plain weights per part.
        self._tokens: dict[str, tuple[list[int], int]] = {}
        self._pairs: dict[str, int] = {}
        self._pair_vecs: dict[str, list[int]] = {}
        self._context: dict[str, int] = {}
        self._context_vecs: dict[str, list[int]] = {}

    def _row(self, feature: str) -> array[int]:
        i = (zlib.crc32(feature.encode("utf-8")) & self.mask) * self.k
        return self.weights[i : i + self.k]

    def _pack(self, vec: list[int], count: int) -> int:
        return sum(v << (_LANE_BITS * i) for i, v in enumerate(vec)) + (count << (_LANE_BITS * self.k))

    def _token(self, tok: str) -> tuple[list[int], int]:
        """(summed int weights, feature count) of one token's own features, cached."""
        hit = self._tokens.get(tok)
        if hit is None:
            feats = token_features(tok, self.lexicon)
            hit = (list(map(sum, zip(*map(self._row, feats), strict=True))), len(feats))
            if len(self._tokens) >= CACHE_LIMIT:
                self._tokens.clear()
            self._tokens[tok] = hit
        return hit

    def _pair_vec(self, key: str) -> list[int]:
        """Int weights of the part `key` ("prev tok"): tok's own features plus the bigram, cached."""
        vec = self._pair_vecs.get(key)
        if vec is None:
            vec, count = self._token(key.split(" ", 1)[1])
            vec = list(map(add, vec, self._row("b:" + key)))
            if len(self._pairs) >= CACHE_LIMIT:
                self._pairs.clear()
                self._pair_vecs.clear()
            self._pair_vecs[key] = vec
            self._pairs[key] = self._pack(vec, count + 1)
        return vec

    def _context_vec(self, feat: str) -> list[int]:
        vec = self._context_vecs.get(feat)
        if vec is None:
            vec = list(self._row(feat))
            if len(self._context) >= CACHE_LIMIT:
                self._context.clear()
                self._context_vecs.clear()
            self._context_vecs[feat] = vec
            self._context[feat] = self._pack(vec, 1)
        return vec

    def logits(self, text: str) -> tuple[list[float], list[str], list[str]]:
        """`logits_of_tokens` of a raw text."""
        return self.logits_of_tokens(tokenize(normalise(text)), text)

    def logits_of_tokens(self, tokens: list[str], text: str) -> tuple[list[float], list[str], list[str]]:
        """Logits per column, plus the display names and cache keys of the text's parts (for `why`).

        A part is a token with the bigram ending on it (key "prev tok"), or one context feature.
        """
        ctx = context_features(tokens, text)
        ctx.append("b:" + (tokens[-1] if tokens else "<s>") + " </s>")
        keys = list(map(" ".join, zip(["<s>", *tokens], tokens, strict=False)))
        try:
            total = sum(map(self._pairs.__getitem__, keys), self._offset)
        except KeyError:
            total = sum(self._pairs.get(key) or self._pair_packed(key) for key in keys) + self._offset
        try:
            total += sum(map(self._context.__getitem__, ctx))
        except KeyError:
            total += sum(self._context.get(feat) or self._context_packed(feat) for feat in ctx)
        lanes = self._unpack(total.to_bytes(self._n_bytes, "little"))
        norm = 1.0 / math.sqrt(lanes[-1] - _LANE_BIAS)
        # lanes has one more item (the count) than scales and biases
        logits = [
            (lane - _LANE_BIAS) * s * norm + b for lane, s, b in zip(lanes, self.scales, self.biases, strict=False)
        ]
        return logits, tokens + ctx, keys + ctx

    def _pair_packed(self, key: str) -> int:
        self._pair_vec(key)
        return self._pairs[key]

    def _context_packed(self, feat: str) -> int:
        self._context_vec(feat)
        return self._context[feat]

    def part_vectors(self, keys: list[str], n_pairs: int) -> list[list[int]]:
        """Int weights of each part: the first `n_pairs` keys are bigram parts, the rest context features."""
        vecs = list(map(self._pair_vecs.get, keys[:n_pairs]))
        vecs += map(self._context_vecs.get, keys[n_pairs:])
        if None in vecs:  # a cache was cleared since `logits_of_tokens`
            return [self._pair_vec(key) for key in keys[:n_pairs]] + [self._context_vec(f) for f in keys[n_pairs:]]
        return vecs  # type: ignore[return-value]

    def top_features(
        self, names: list[str], vecs: list[list[int]], col: int, minus: int | None = None, limit: int = 3
    ) -> list[str]:
        """The few features pushing column `col` up most (relative to `minus` for softmax heads)."""
        values = list(map(itemgetter(col), vecs))
        if minus is not None:
            values = list(map(sub, values, map(itemgetter(minus), vecs)))
        out: list[str] = []
        for i in sorted(range(len(values)), key=values.__getitem__, reverse=True)[: limit + 6]:
            if values[i] <= 0:
                break
            label = _display(names[i])
            if label and label not in HIDDEN and label not in out and _explains(label):
                out.append(label)
                if len(out) == limit:
                    break
        return out


class BuiltinClassifier:
    """Labels from the trained linear heads, blended with the encoder's heads where the encoder runs, plus cues.

    `labels.backend` says which answered: "builtin+encoder" (both tiers) or "builtin" (the n-gram model
    alone: the encoder package is absent, altered, or failed on this batch).
    """

    name = "builtin"

    def __init__(self, model: LinearModel | None = None, use_encoder: bool = True) -> None:
        self.model = model or LinearModel()
        self.model_version = self.model.version
        heads = self.model.heads
        calibration = _calibration()
        ngram_thresholds = calibration.get("ngram", {}).get("thresholds", {})
        # (flag, column, probability threshold) per flag head, looked up once.
        self._flags = [
            (flag, heads[flag]["col"], ngram_thresholds.get(flag, heads[flag]["threshold"])) for flag in FLAGS
        ]
        self._blend: dict[str, float] = calibration.get("encoder", {}).get("blend", {})
        self._enc_thresholds: dict[str, float] = calibration.get("encoder", {}).get("thresholds", {})
        # French thresholds, chosen on the French dev split alone (training.calibrate_fr); a flag absent there
        # keeps the shared threshold.
        self._fr_thresholds: dict[str, float] = calibration.get("ngram", {}).get("thresholds_fr", {})
        self._enc_fr_thresholds: dict[str, float] = calibration.get("encoder", {}).get("thresholds_fr", {})
        self._use_encoder = use_encoder
        self._encoder: Encoder | None = None
        self.encoder_error: str | None = None if use_encoder else "disabled"
        self.last_vectors: Any = None  # the encoder's vectors of the last batch, row i for item i; None without it

    @property
    def encoder(self) -> Encoder | None:
        """The encoder tier, loaded on first use; None where it cannot run (the reason is in `encoder_error`)."""
        if self._encoder is None and self.encoder_error is None:
            try:
                self._encoder = load_encoder()
            except EncoderUnavailable as exc:
                self.encoder_error = str(exc)
                logging.getLogger(__name__).warning("encoder tier off, n-gram model alone: %s", exc)
        return self._encoder

    def classify(self, items: Sequence[ClassifyInput]) -> list[Labels]:
        """Labels for each input, in order (the encoder runs once on the whole batch, units included)."""
        spans = [split_units(item.text) for item in items]
        encoded = self._encode(items, spans)
        if encoded is None:
            return [self.classify_one(item, spans=s) for item, s in zip(items, spans, strict=True)]
        whole, parts = encoded
        return [self.classify_one(item, whole[i], parts[i], spans[i]) for i, item in enumerate(items)]

    def _encode(
        self, items: Sequence[ClassifyInput], spans: list[list[tuple[int, int]]]
    ) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]] | None:
        """Each item's encoder probabilities and those of its units (none for a one-unit item), in one pass."""
        self.last_vectors = None
        encoder = self.encoder
        if encoder is None or not items:
            return None
        texts = [item.text for item in items]
        for item, item_spans in zip(items, spans, strict=True):
            if len(item_spans) > 1:
                texts.extend(item.text[s:e] for s, e in item_spans)
        try:
            vectors = encoder.vectors(texts)
            probabilities = encoder.probabilities(vectors)
            # Kept for the stream's per-watch corrections, which compare the same vectors (no second pass).
            self.last_vectors = vectors[: len(items)]
        except Exception as exc:  # noqa: BLE001 - any encoder failure leaves the n-gram model to answer
            logging.getLogger(__name__).warning("encoder failed on a batch, n-gram model alone: %r", exc)
            return None
        rows = [{name: probs[i] for name, probs in probabilities.items()} for i in range(len(texts))]
        whole, parts, at = rows[: len(items)], [], len(items)
        for item_spans in spans:
            n = len(item_spans) if len(item_spans) > 1 else 0
            parts.append(rows[at : at + n])
            at += n
        return whole, parts

    def _lang(self, item: ClassifyInput, logits: list[float], words: list[str]) -> str:
        given = normalise_lang(item.lang)
        if given:
            return given
        if looks_other(item.text, words):
            return "other"
        col = self.model.heads["lang_fr"]["col"]
        return "fr" if logits[col] > 0 else "en"

    def _sentiment_probs(self, logits: list[float], lang: str, encoded: dict[str, Any] | None) -> list[float]:
        c0 = self.model.heads["sent_fr" if lang == "fr" else "sent_en"]["col"]
        probs = _softmax(logits[c0 : c0 + 3])
        if encoded is not None:
            a = self._blend.get("sentiment", 0.5)
            probs = [a * float(e) + (1 - a) * p for e, p in zip(encoded["sentiment"], probs, strict=True)]
        return probs

    def _flag_probability(
        self, flag: str, col: int, threshold: float, logits: list[float], lang: str, encoded: dict[str, Any] | None
    ) -> tuple[float, float]:
        """(probability, threshold) of one flag head, blended with the encoder's head where it ran."""
        p = _sigmoid(logits[col])
        if encoded is not None and flag in encoded:
            a = self._blend.get(flag, 0.5)
            p = a * float(encoded[flag]) + (1 - a) * p
            threshold = self._enc_thresholds.get(flag, threshold)
            if lang == "fr":
                threshold = self._enc_fr_thresholds.get(flag, threshold)
        elif lang == "fr":
            threshold = self._fr_thresholds.get(flag, threshold)
        if flag == "offensive" and lang == "fr" and encoded is None:
            threshold = max(threshold, FR_OFFENSIVE_THRESHOLD)
        return p, threshold

    def classify_one(
        self,
        item: ClassifyInput,
        encoded: dict[str, Any] | None = None,
        unit_encoded: Sequence[dict[str, Any]] | None = None,
        spans: list[tuple[int, int]] | None = None,
    ) -> Labels:
        """Labels for one input, read whole and unit by unit (`units.split_units`, or `spans` when given).

        `encoded` holds the encoder heads' probabilities for the whole text, when it ran, and `unit_encoded`
        those of each unit (row i for unit i); without them the units are read by the n-gram model alone.
        """
        m = self.model
        heads = m.heads
        if spans is None:
            spans = split_units(item.text)
        lowered = normalise(item.text)
        tokens = tokenize(lowered)
        logits, names, keys = m.logits_of_tokens(tokens, item.text)
        lang = self._lang(item, logits, tokens)
        c0 = heads["sent_fr" if lang == "fr" else "sent_en"]["col"]
        probs = self._sentiment_probs(logits, lang, encoded)
        sentiment = SENTIMENTS[max(range(3), key=probs.__getitem__)]
        scores = {s: round(p, 4) for s, p in zip(SENTIMENTS, probs, strict=True)}
        flags: dict[str, bool] = {}
        why: dict[str, list[str]] = {}
        raised: list[tuple[str, int, float]] = []
        for flag, col, threshold in self._flags:
            p, threshold = self._flag_probability(flag, col, threshold, logits, lang, encoded)
            scores[flag] = round(p, 4)
            flags[flag] = p >= threshold
            if p >= threshold:
                raised.append((flag, col, p))
        # Per-part weights only when something needs explaining (most neutral texts raise nothing).
        vecs = m.part_vectors(keys, len(tokens)) if raised or sentiment != "neutral" else []
        for flag, col, _ in raised:
            why[flag] = m.top_features(names, vecs, col)
        self._french_rules(lang, lowered, probs[0], flags, why, encoded is None)
        matched = rules.matched_cues(tokens, lowered)
        found = rules.cue_names(matched)
        phrases = rules.said(matched)
        if found and flags["spam"] and scores["spam"] < 0.9:
            flags["spam"] = False  # "I'm cancelling my subscription" is a customer, not an SMS blast
            why.pop("spam", None)
        bug = None if flags["spam"] else rules.bug_report(lowered, probs[0], probs[2])
        if bug:
            phrases = _merge([bug], phrases)
        if (found or bug) and not flags["spam"]:
            # Something broken, locked, lost, charged or a threat to leave is a complaint even when the
            # words around it are friendly ("awesome app... but now it force closes"); so is a bug report
            # worded as a request ("please fix the sync").
            breakage = bug is not None or not {"outage", "access", "data loss", "security", "refund"}.isdisjoint(found)
            if not flags["complaint"] and (breakage or ("churn" in found and probs[2] < 0.8) or probs[0] > 0.6):
                flags["complaint"] = True
                scores["complaint"] = max(scores["complaint"], 0.85)
                why["complaint"] = []
            if flags["complaint"]:
                why["complaint"] = _merge(phrases, [w for w in why["complaint"] if not _inside(w, phrases)])[:4]
            if flags["complaint"] and sentiment == "positive":
                sentiment = "negative"  # "thanks for losing all my contacts!": praise words, lost data
        kind = self._kind(lowered, sentiment, flags, found + ([bug] if bug else []), encoded)
        # The message part by part: a bug inside a kind review is still a bug.
        readings = (
            [self._read_unit(item.text, s, e, lang, enc) for (s, e), enc in _with_rows(spans, unit_encoded)]
            if len(spans) > 1
            else []
        )
        pressing = _pressing_complaint(readings) if not flags["spam"] else None
        if pressing is not None and not flags["complaint"] and pressing.strong:
            flags["complaint"] = True
            kind = "complaint"
            scores["complaint"] = max(scores["complaint"], pressing.p_complaint)
            why["complaint"] = pressing.said or self._unit_words(pressing)
            phrases = _merge(phrases, pressing.said)
        elif readings and not flags["complaint"]:
            kind = _kind_of_units(kind, readings)
        if kind == "feature_request" and flags["complaint"]:
            flags["complaint"] = False  # asked for something new: not a complaint
            why.pop("complaint", None)
        if kind == "feature_request":
            request = rules.first_match(rules.FEATURE_REQUEST, lowered)
            why["feature_request"] = [request] if request else []
        if flags["complaint"] and sentiment == "positive" and pressing is not None and pressing.strong:
            # Praise and a bug in one review is not a positive review. Only for a part that names what broke:
            # mild reservations in kind reviews (3-4 stars) read as complaints and were wrongly made negative.
            sentiment = "negative"
        addressed = "<user>" in lowered
        if not flags["needs_reply"] and flags["complaint"] and addressed and not flags["spam"]:
            flags["needs_reply"] = True
            why["needs_reply"] = ["complaint"]
        if flags["lead"] and flags["spam"] and scores["lead"] >= scores["spam"]:
            flags["spam"] = False  # a buyer asking about prices reads like an ad to the spam head
            why.pop("spam", None)
        if flags["needs_reply"]:
            cues_reply = (["?"] if "?" in item.text else []) + (["@brand"] if addressed else [])
            why["needs_reply"] = _merge(why.get("needs_reply", []), cues_reply)
        if sentiment == "negative":
            why["negative"] = m.top_features(names, vecs or m.part_vectors(keys, len(tokens)), c0, minus=c0 + 2)
        elif sentiment == "positive":
            why["positive"] = m.top_features(names, vecs, c0 + 2, minus=c0)
        for flag, _, p in raised:
            if flag in why and not why[flag]:
                why[flag] = [f"like {_EXAMPLES.get(flag, flag)} ({p:.0%})"] if encoded is not None else []
        p_complaint = scores["complaint"] if not flags["complaint"] else max(scores["complaint"], 0.85)
        p_negative = probs[0]
        cues = found if flags["complaint"] or probs[0] > 0.3 else []
        if flags["complaint"] and pressing is not None:
            # The complaint's own part sets how urgent it is, not the praise around it.
            p_negative = max(p_negative, pressing.p_negative)
            cues = [c for c in rules.CUES if c in found or c in pressing.found]
        level = rules.urgency(
            p_negative,
            p_complaint if kind not in ("feature_request", "praise") else min(p_complaint, 0.3),
            cues,
            item.followers,
            item.engagement,
            flags["needs_reply"],
            flags["spam"],
        )
        scores["urgent"] = round(level / 100, 4)
        if level >= 50:
            # What was said ("charged twice", "chargeback"), and the reach: never label names.
            reasons = list(phrases) if cues or bug or flags["complaint"] else []
            if not reasons:
                reasons = [w for w in why.get("complaint", []) if not w.startswith("like ")] or why.get("negative", [])
            if rules.reach_points(item.followers) >= 12:
                reasons.append(f"followers:{item.followers}")
            if rules.engagement_points(item.engagement) >= 6:
                reasons.append(f"engagement:{item.engagement}")
            why["urgent"] = reasons[:6]
        polarity = probs[2] - probs[0]
        if readings:
            units = keep_units([Unit(start=r.start, end=r.end, kind=r.kind, sentiment=r.sentiment) for r in readings])
        else:
            units = [Unit(start=s, end=e, kind=kind, sentiment=sentiment) for s, e in spans]  # type: ignore[arg-type]
        return Labels(
            lang=lang,
            sentiment=sentiment,
            sentiment_score=round(polarity if sentiment != "negative" else min(polarity, -0.3), 4),
            kind=kind,  # type: ignore[arg-type]
            urgency=level,
            why={k: v for k, v in why.items() if v},
            units=units,
            scores=scores,
            backend="builtin+encoder" if encoded is not None else "builtin",
            model_version=m.version if encoded is None else f"{m.version}+{self.encoder.version}",  # type: ignore[union-attr]
            **flags,
        )

    def _read_unit(self, text: str, start: int, end: int, lang: str, encoded: dict[str, Any] | None) -> _Reading:
        """One unit's kind, sentiment and severity, by the same heads and rules as a whole message."""
        m = self.model
        piece = text[start:end]
        lowered = normalise(piece)
        tokens = tokenize(lowered)
        logits, names, keys = m.logits_of_tokens(tokens, piece)
        probs = self._sentiment_probs(logits, lang, encoded)
        sentiment = SENTIMENTS[max(range(3), key=probs.__getitem__)]
        flag, col, threshold = self._flags[0]
        p_complaint, threshold = self._flag_probability(flag, col, threshold, logits, lang, encoded)
        matched = rules.matched_cues(tokens, lowered)
        found = rules.cue_names(matched)
        bug = rules.bug_report(lowered, probs[0], probs[2])
        said = rules.said(([("bug", bug)] if bug else []) + matched)
        breakage = bug is not None or not {"outage", "access", "data loss", "security", "refund"}.isdisjoint(found)
        strong = breakage or (bool(found) and probs[0] > 0.6)
        complaint = p_complaint >= threshold or strong
        if complaint and sentiment == "positive" and said:
            sentiment = "negative"
        kind = self._kind(lowered, sentiment, {"complaint": complaint}, found + ([bug] if bug else []), encoded)
        return _Reading(
            start,
            end,
            kind,
            sentiment,
            probs[0],
            p_complaint,
            found,
            said,
            strong and kind == "complaint",
            (names, keys, len(tokens), col),
        )

    def _unit_words(self, reading: _Reading) -> list[str]:
        """The words that make a unit a complaint, for `why` (its features, as for a whole message)."""
        names, keys, n_pairs, col = reading.parts
        return self.model.top_features(names, self.model.part_vectors(keys, n_pairs), col)

    @staticmethod
    def _kind(
        lowered: str, sentiment: str, flags: dict[str, bool], found: list[str], encoded: dict[str, Any] | None
    ) -> str:
        """complaint (a bug or complaint), feature_request, question, praise or other."""
        requested = rules.FEATURE_REQUEST.search(lowered) is not None
        if requested and not found:
            return "feature_request"  # the request phrases are precise; a broken thing outranks them
        if encoded is not None and "kind" in encoded:
            p = dict(zip(KINDS, map(float, encoded["kind"]), strict=True))
            if flags["complaint"]:
                # A feature request worded as a grievance ("no dark mode, really?") stays a request, unless
                # something is broken, lost or charged (the cues).
                if p["feature_request"] > p["complaint"] and not found:
                    return "feature_request"
                return "complaint"
            best = max((k for k in KINDS if k != "complaint"), key=p.__getitem__)
            if best == "praise" and sentiment == "negative":
                return "other"
            return best
        if flags["complaint"]:
            return "complaint"  # a request without a cue was answered above
        if requested:
            return "feature_request"
        if "?" in lowered:
            return "question"
        if sentiment == "positive":
            return "praise"
        return "other"

    @staticmethod
    def _french_rules(
        lang: str,
        lowered: str,
        p_negative: float,
        flags: dict[str, bool],
        why: dict[str, list[str]],
        complaint_words: bool = True,
    ) -> None:
        """French complaint and insult cues where the n-gram heads saw little or no French data.

        The encoder's heads learned French complaints (and praise) from French reviews, so with the
        encoder the complaint words are not needed: they flagged positive reviews ("service client au top").
        """
        if lang != "fr":
            return
        word = rules.first_match(rules.FR_COMPLAINT, lowered) if complaint_words else None
        if word and not flags["complaint"] and p_negative >= 0.35:
            flags["complaint"] = True
            why["complaint"] = [word]
        word = rules.first_match(rules.FR_OFFENSIVE, lowered)
        if word and not flags["offensive"]:
            flags["offensive"] = True
            why["offensive"] = [word]


@cache
def shared_builtin() -> BuiltinClassifier:
    """The process's one builtin classifier (its model loads once): ``get_classifier("builtin")`` returns
    it, and the AWS backends fall back on it."""
    return BuiltinClassifier()


def _explains(label: str) -> bool:
    """A shown feature names content: no function words alone, no internal feature (length buckets)."""
    return not label.startswith("len:") and not is_function_words(label)


def _inside(word: str, phrases: list[str]) -> bool:
    """True when a feature repeats a cue phrase already shown ("billed" beside "billed twice")."""
    return any(word in phrase for phrase in phrases)


def _merge(first: list[str], more: list[str]) -> list[str]:
    return first + [x for x in more if x not in first]


@dataclass(frozen=True)
class _Reading:
    """What one unit says: its labels, and what a complaint unit brings to the message's urgency and why."""

    start: int
    end: int
    kind: str
    sentiment: str
    p_negative: float
    p_complaint: float
    found: list[str]  # cue names
    said: list[str]  # cue and bug-report phrases, as written
    strong: bool  # a complaint on its own: a breakage cue, a bug report, or a cue said negatively
    parts: tuple[list[str], list[str], int, int]  # names, keys, bigram parts and complaint column, for `why`


def _with_rows(
    spans: list[tuple[int, int]], rows: Sequence[dict[str, Any]] | None
) -> list[tuple[tuple[int, int], dict[str, Any] | None]]:
    if rows is None or len(rows) != len(spans):
        return [(span, None) for span in spans]
    return list(zip(spans, rows, strict=True))


def _pressing_complaint(readings: list[_Reading]) -> _Reading | None:
    """The complaint unit that matters most: a strong one first, then the most negative."""
    complaints = [r for r in readings if r.kind == "complaint"]
    return max(complaints, key=lambda r: (r.strong, r.p_negative + r.p_complaint), default=None)


def _kind_of_units(whole: str, readings: list[_Reading]) -> str:
    """The message's kind when no part is a complaint: a request anywhere outranks praise or chatter."""
    kinds = [r.kind for r in readings if r.kind != "complaint"]
    if whole in ("praise", "other") and "feature_request" in kinds:
        return "feature_request"
    return whole if whole != "complaint" else mention_kind(kinds)
