"""The stream side of per-watch adaptation: read each watch's corrections once per batch, apply them.

The adaptation itself is pure (chalicelib.classify.adapt); this module brings it the corrections from the
store and, where the classifier ran its encoder, the vectors. Cost per batch: one GetItem per watch in
the batch (the set's version token, 0.5 read unit); the corrections themselves are queried only when that
token changed since this container last read them. Where a watch has corrections, its mentions are
encoded once more (the classifier does not hand out its vectors), and a correction without a vector gets
one here, stored for the other containers.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from chalicelib.classify.adapt import MAX_CORRECTIONS, MAX_TEXT_CHARS, Correction, WatchCorrections, adapt_batch
from chalicelib.models import Mention, utcnow
from chalicelib.observability import logger, metrics

# (table, watch) -> (version token, corrections): survives between batches of a warm container, and is
# used only while the token read at the start of each batch is the same.
_SEEN: dict[tuple[str, str], tuple[str, WatchCorrections]] = {}


def clear_cache() -> None:
    """Forget every watch's corrections (tests; a new table)."""
    _SEEN.clear()


def correction_of(mention: Mention) -> Correction:
    """A mention's corrections as the adaptation keeps them: the text the classifier read, the labels, now."""
    from chalicelib.pipeline.stream import classification_text

    return Correction(
        mention_id=mention.id,
        text=classification_text(mention)[:MAX_TEXT_CHARS],
        labels=dict(mention.corrections or {}),
        at=utcnow(),
        lang=(mention.corrections or {}).get("lang") or (mention.labels or {}).get("lang") or mention.lang,
    )


def remember_corrections(store: Any, mention: Mention) -> None:
    """After a triage change of labels: the mention's corrections now act on its watch (or stop acting)."""
    if not mention.watch:
        return
    if mention.corrections:
        correction = correction_of(mention)
        store.put_correction(mention.watch, correction, lang=correction.lang)
    else:
        store.remove_correction(mention.watch, mention.id)


class Learner:
    """One stream batch's view of the watches' corrections (each watch read at most once per batch)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._batch: dict[str, WatchCorrections] = {}

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
        return found

    def apply(self, mentions: Sequence[Mention], labels: dict[str, dict[str, Any]], texts: dict[str, str]) -> int:
        """Adapt ``labels`` (mention id -> labels) in place with each mention's watch's corrections; returns
        how many mentions changed. ``texts`` are what the classifier read (mention id -> text)."""
        by_watch: dict[str, list[Mention]] = defaultdict(list)
        for m in mentions:
            if m.id in labels and m.watch:
                by_watch[m.watch].append(m)
        changed = 0
        for watch, group in by_watch.items():
            corrections = self.corrections_of(watch)
            if not len(corrections):
                continue
            started = time.perf_counter()
            vectors = self._vectors(watch, corrections, group, labels, texts)
            items = [(watch, labels[m.id], texts[m.id]) for m in group]
            for m, new in zip(group, adapt_batch(items, corrections, vectors), strict=True):
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
        return encoder.vectors([texts[m.id] for m in group])
