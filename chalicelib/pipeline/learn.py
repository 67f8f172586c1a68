"""The stream side of per-watch adaptation: read each watch's corrections once per batch, apply them.

The adaptation itself is pure (chalicelib.classify.adapt); this module brings it the corrections from the
store and, where the classifier ran its encoder, the vectors. With the builtin classifier it also fits the
watch's head (a small residual model on the shipped one, chalicelib.classify.adapt.WatchHead) on those
corrections, once per set of corrections and tier, and keeps it in this container's memory: the shipped
model's own labels of each corrected text are recomputed for the fit (from the stored vectors on the
encoder tier, so without encoding again). Cost per batch: one GetItem per watch in
the batch (the set's version token, 0.5 read unit); the corrections themselves are queried only when that
token changed since this container last read them. Where a watch has corrections, its mentions' vectors
are the ones the classifier just computed (``BuiltinClassifier.last_vectors``: no second encoder pass), and
a correction without a vector gets one here, stored for the other containers.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from chalicelib.classify.adapt import (
    HEAD_PARAMS,
    HEAD_TIERS,
    MAX_CORRECTIONS,
    MAX_TEXT_CHARS,
    Correction,
    Example,
    WatchCorrections,
    WatchHead,
    adapt_batch,
    decode_vector,
)
from chalicelib.models import Mention, utcnow
from chalicelib.observability import logger, metrics
from chalicelib.pipeline.reading import classification_text

# (table, watch) -> (version token, corrections): survives between batches of a warm container, and is
# used only while the token read at the start of each batch is the same.
_SEEN: dict[tuple[str, str], tuple[str, WatchCorrections]] = {}
# (table, watch, tier) -> (version token, head): the head fitted on that version of the watch's corrections.
_HEADS: dict[tuple[str, str, str], tuple[str, WatchHead]] = {}


def clear_cache() -> None:
    """Forget every watch's corrections and heads (tests; a new table)."""
    _SEEN.clear()
    _HEADS.clear()


def correction_of(mention: Mention) -> Correction:
    """A mention's corrections as the adaptation keeps them: the text the classifier read, the labels, now."""
    return Correction(
        mention_id=mention.id,
        text=classification_text(mention)[:MAX_TEXT_CHARS],
        labels=dict(mention.corrections or {}),
        at=utcnow(),
        lang=mention.effective_labels().get("lang") or mention.lang,
    )


def remember_corrections(store: Any, mention: Mention) -> None:
    """After a triage change of labels: the mention's corrections now act on its watch (or stop acting)."""
    if not mention.watch:
        return
    if mention.corrections:
        correction = correction_of(mention)
        store.put_correction(mention.watch, correction)
    else:
        store.remove_correction(mention.watch, mention.id)


class Learner:
    """One stream batch's view of the watches' corrections (each watch read at most once per batch)."""

    def __init__(self, store: Any, classifier: Any = None) -> None:
        self.store = store
        # The head is fitted on the builtin classifier's own labels; other backends get the overrides alone.
        self.classifier = classifier if hasattr(classifier, "classify_one") else None
        self._batch: dict[str, WatchCorrections] = {}
        self._versions: dict[str, str | None] = {}
        self._batch_rows: dict[str, Any] = {}  # mention id -> the classifier's vector of it, this batch

    def corrections_of(self, watch: str) -> WatchCorrections:
        hit = self._batch.get(watch)
        if hit is not None:
            return hit
        key = (getattr(self.store, "table_name", ""), watch)
        version = self.store.corrections_version(watch)
        cached = _SEEN.get(key)
        if version is None:
            found = WatchCorrections(watch, [])
        elif cached is not None and cached[0] == version:
            found = cached[1]
        else:
            version, items = self.store.watch_corrections(watch)
            found = WatchCorrections(watch, items)
            extra = {c.mention_id for c in items} - {c.mention_id for c in found.corrections}
            if len(items) > MAX_CORRECTIONS and extra:
                # Past the bound the oldest stop acting; drop them so reads stay bounded too.
                self.store.drop_corrections(watch, sorted(extra))
            if version is not None:
                _SEEN[key] = (version, found)
        self._batch[watch] = found
        self._versions[watch] = version
        return found

    def head_of(self, watch: str, corrections: WatchCorrections, encoder_tier: bool) -> WatchHead | None:
        """The watch's head for this set of corrections and tier: fitted once, then kept in memory."""
        version = self._versions.get(watch)
        if self.classifier is None or version is None or not len(corrections):
            return None
        tier = "encoder" if encoder_tier else "ngram"
        if tier not in HEAD_TIERS:
            return None
        key = (getattr(self.store, "table_name", ""), watch, tier)
        cached = _HEADS.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        head = WatchHead.fit(watch, self._examples(corrections, encoder_tier), encoder_tier, HEAD_PARAMS[tier])
        _HEADS[key] = (version, head)
        logger.info(
            "watch head fitted",
            extra={"watch": watch, "tier": tier, "examples": head.examples, "fit_ms": round(head.fit_ms, 1)},
        )
        return head

    def _examples(self, corrections: WatchCorrections, encoder_tier: bool) -> list[Example]:
        """Each correction beside the shipped model's own labels of its text (what the head corrects)."""
        from chalicelib.classify import ClassifyInput

        usable = [c for c in corrections.corrections if c.vector or not encoder_tier]
        vectors = None
        encoded: dict[str, Any] | None = None
        if encoder_tier and usable:
            import numpy as np

            vectors = np.vstack([decode_vector(c.vector) for c in usable if c.vector])
            encoder = self.classifier.encoder  # type: ignore[union-attr]
            encoded = encoder.probabilities(vectors) if encoder is not None else None
            if encoded is None:
                return []
        out = []
        for i, c in enumerate(usable):
            item = ClassifyInput(id=c.mention_id, text=c.text, lang=c.lang)
            mine = {name: probs[i] for name, probs in encoded.items()} if encoded is not None else None
            base = self.classifier.classify_one(item, mine).model_dump(mode="json")  # type: ignore[union-attr]
            out.append(Example(base, dict(c.labels), vectors[i] if vectors is not None else None))
        return out

    def apply(self, mentions: Sequence[Mention], labels: dict[str, dict[str, Any]], texts: dict[str, str]) -> int:
        """Adapt ``labels`` (mention id -> labels) in place with each mention's watch's corrections; returns
        how many mentions changed. ``texts`` are what the classifier read (mention id -> text)."""
        by_watch: dict[str, list[Mention]] = defaultdict(list)
        for m in mentions:
            if m.id in labels and m.watch:
                by_watch[m.watch].append(m)
        changed = 0
        # The classifier's own vectors of this batch (row i for mentions[i]), when it just classified it.
        last = getattr(self.classifier, "last_vectors", None)
        self._batch_rows = (
            {m.id: last[i] for i, m in enumerate(mentions)} if last is not None and len(last) == len(mentions) else {}
        )
        for watch, group in by_watch.items():
            corrections = self.corrections_of(watch)
            if not len(corrections):
                continue
            started = time.perf_counter()
            vectors = self._vectors(watch, corrections, group, labels, texts)
            head = self.head_of(watch, corrections, vectors is not None)
            items = [(watch, labels[m.id], texts[m.id]) for m in group]
            for m, new in zip(group, adapt_batch(items, corrections, vectors, head), strict=True):
                if new != labels[m.id]:
                    labels[m.id] = new
                    changed += 1
            logger.info(
                "corrections applied",
                extra={
                    "watch": watch,
                    "corrections": len(corrections),
                    "mentions": len(group),
                    "ms_per_mention": round((time.perf_counter() - started) * 1000 / len(group), 3),
                },
            )
        if changed:
            metrics.add_metric(name="MentionsAdapted", unit="Count", value=changed)
        return changed

    def _vectors(
        self,
        watch: str,
        corrections: WatchCorrections,
        group: list[Mention],
        labels: dict[str, dict[str, Any]],
        texts: dict[str, str],
    ) -> Any:
        """The group's vectors when the classifier used its encoder on all of it (else None: word overlap)."""
        if not all(str(labels[m.id].get("backend", "")).endswith("+encoder") for m in group):
            return None
        from chalicelib.classify.adapt import encode_vector
        from chalicelib.classify.encoder import PACKAGE_VERSION, EncoderUnavailable, bare_encoder

        try:
            encoder = bare_encoder()
        except EncoderUnavailable:
            return None
        missing = corrections.missing_vectors(PACKAGE_VERSION)
        if missing:
            vecs = encoder.vectors([c.text for c in missing])
            new = {c.mention_id: encode_vector(v) for c, v in zip(missing, vecs, strict=True)}
            corrections.set_vectors(new, PACKAGE_VERSION)
            self.store.set_correction_vectors(watch, new, PACKAGE_VERSION)
        rows = self._batch_rows
        if all(m.id in rows for m in group):
            import numpy as np

            return np.vstack([rows[m.id] for m in group])  # no second encoder pass
        return encoder.vectors([texts[m.id] for m in group])
