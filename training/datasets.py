"""Rebuild the in-domain product-feedback sets (English and French) from pinned public files.

    python -m training.datasets --out .data/feedback [--mirror DIR] [--only KEY ...]

Every source is pinned by (repo, commit, path, licence, sha256 of the raw file); the raw file comes from
raw.githubusercontent.com at that commit, or with `--mirror DIR` from a local bare git snapshot
`DIR/owner+name/...` (any git directory under it). A file whose sha256 differs stops the build.

Output: `OUT/{train,dev,test}.jsonl`, one normalised row per line
(`text, lang, kind, sentiment, stars, source, domain, id`), and `OUT/manifest.json` (pins and counts).
Rows are cleaned, deduplicated across sources by normalised text, capped per source and label, and split
70/15/15 by a hash of the normalised text. The test split is for final reports only.
Only the standard library is used. Details and licences: training/DATASETS.md.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import io
import json
import re
import subprocess
import sys
import time
import unicodedata
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("complaint", "feature_request", "question", "praise", "other")
SPLITS = ("train", "dev", "test")
MAX_CHARS = 2000
MIN_WORDS = 3
FR_KIND_LABELS = Path(__file__).resolve().parent / "data" / "fr_kind_labels.jsonl"


class DatasetError(Exception):
    """A source could not be fetched, verified or parsed."""


@dataclass(frozen=True)
class RawFile:
    """One pinned file of a public GitHub repository."""

    repo: str  # owner/name
    commit: str
    path: str
    sha256: str

    @property
    def url(self) -> str:
        return f"https://raw.githubusercontent.com/{self.repo}/{self.commit}/{self.path}"


@dataclass
class Row:
    """One normalised example; `key` is the dedupe/split key (normalised text)."""

    text: str
    lang: str
    source: str
    domain: str
    id: str
    kind: str | None = None
    stars: int | None = None
    sentiment: str | None = None
    key: str = field(default="", repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "lang": self.lang,
            "kind": self.kind,
            "sentiment": self.sentiment,
            "stars": self.stars,
            "source": self.source,
            "domain": self.domain,
            "id": self.id,
        }


Parser = Callable[[list[bytes]], Iterator[Row]]


@dataclass(frozen=True)
class Source:
    """A dataset: its pinned raw files, its licence and how its rows are read."""

    key: str
    files: tuple[RawFile, ...]
    licence: str
    parse: Parser
    cap_per_label: int  # rows kept per label (kind, else stars, else sentiment)
    description: str = ""


# --- text ---------------------------------------------------------------------------------------------------

_MOJIBAKE = ("Ã", "â€", "ðŸ", "Â", "ï¿½")
_CODE_FENCE = re.compile(r"```.*?(```|$)", re.S)
_HTML_COMMENT = re.compile(r"<!--.*?(-->|$)", re.S)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_INLINE_CODE = re.compile(r"`([^`\n]{0,80})`")
_MD_MARKUP = re.compile(r"(^|\s)(#{1,6}|>|[-*+]\s\[[ xX]\]|\*\*|__)\s*", re.M)
_NO_RESPONSE = re.compile(r"_No response_", re.I)
_SPACE = re.compile(r"\s+")


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as cp1252 ("Ã©" -> "é", "ðŸ‘Ž" -> "👎"); leaves other text unchanged."""
    if not any(m in text for m in _MOJIBAKE):
        return text
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) < 256:
                out.append(ord(ch))
            else:
                return text
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return out.decode("utf-8", errors="replace").replace("\ufffd", "")


_TEMPLATE_LINE = re.compile(
    r"^\s*(?:[-*]\s*\[[ xX]\].*|add issue description here|.*\?:?\s*(?:yes|no)\s*"
    r"|(?:version|commit|date|user agent|electron|electronjs|chromium|node\.?js|v8|os|embedder|sandboxed|browser"
    r"|platform|[\w/ ]{0,20} version|custom code|source|mobile device|gpu model and memory)\s*:.*)$",
    re.I,
)
_HEADING = re.compile(r"^\s*#{1,6}\s")
_TITLE_TAG = re.compile(r"^\s*\[[^\]]{1,40}\]\s*:?\s*")


def strip_issue_template(text: str) -> str:
    """Drop what issue templates add: headings, their one-word answers, checklists, version fields."""
    lines: list[str] = []
    after_heading = False
    for line in _CODE_FENCE.sub("\n", _HTML_COMMENT.sub("\n", text)).splitlines():
        if _HEADING.match(line):
            after_heading = True
            continue
        if not line.strip():
            continue
        if _TEMPLATE_LINE.match(line) or _NO_RESPONSE.fullmatch(line.strip()):
            continue
        if after_heading and len(line.split()) <= 3:
            after_heading = False
            continue
        after_heading = False
        lines.append(line)
    return "\n".join(lines)


def clean_text(text: str, markdown: bool = False) -> str:
    """Strip HTML (and with `markdown`, code blocks, images, links, headings), collapse whitespace, cap length."""
    text = fix_mojibake(html.unescape(text)).replace("\ufffd", "")
    if markdown:
        text = _CODE_FENCE.sub(" ", text)
        text = _HTML_COMMENT.sub(" ", text)
        text = _MD_IMAGE.sub(" ", text)
        text = _MD_LINK.sub(r"\1", text)
        text = _NO_RESPONSE.sub(" ", text)
        text = _INLINE_CODE.sub(r"\1", text)
        text = _MD_MARKUP.sub(r"\1", text)
    text = _HTML_TAG.sub(" ", text)
    text = _URL.sub(" ", text) if markdown else text
    text = _SPACE.sub(" ", text).strip()
    if len(text) > MAX_CHARS:
        cut = text.rfind(" ", 0, MAX_CHARS)
        text = text[: cut if cut > MAX_CHARS // 2 else MAX_CHARS].rstrip()
    return text


def normalise(text: str) -> str:
    """The dedupe and split key: case- and accent-folded letters and digits."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", folded))


def join_title(title: str, body: str) -> str:
    """Title and body as one text, without repeating a title that only truncates or repeats the body."""
    title, body = title.strip(), body.strip()
    bare = title.rstrip("…. ").strip()
    if not title or normalise(body).startswith(normalise(bare)):
        return body
    if not body:
        return title
    sep = " " if title[-1] in ".!?…:" else ". "
    return f"{title}{sep}{body}"


_EN_WORDS = frozenset(
    {"the", "and", "is", "it", "to", "i", "you", "this", "app", "my", "for", "not", "but", "of", "was", "with"}
    | {"have", "can", "on", "be"}
)
_OTHER_WORDS = frozenset(
    {"de", "la", "el", "que", "en", "los", "las", "muy", "por", "para", "le", "les", "des", "et", "est", "une"}
    | {"pas", "je", "und", "die", "der", "ist"}
)


def looks_english(text: str) -> bool:
    """A cheap filter for the few Spanish, Arabic, ... reviews in English sets."""
    letters = [c for c in text if c.isalpha()]
    if not letters or sum(c.isascii() for c in letters) / len(letters) < 0.9:
        return False
    words = re.findall(r"[a-z']+", text.lower())
    return sum(w in _EN_WORDS for w in words) >= sum(w in _OTHER_WORDS for w in words)


_FR_WORDS = frozenset(
    {"le", "la", "les", "de", "des", "du", "et", "je", "est", "pas", "un", "une", "très", "pour", "mais", "à", "au"}
    | {"en", "il", "ce", "qui", "que", "mon", "ma", "mes", "avec", "produit", "produits", "livraison", "commande"}
    | {"bien", "merci", "rapide", "site", "colis", "parfait", "super", "bon", "top", "reçu", "envoi", "qualité"}
    | {"trop", "satisfait", "satisfaite", "délai"}
)


def looks_french(text: str) -> bool:
    """A cheap filter for the few Finnish and English reviews in French sets."""
    words = re.findall(r"[\w']+", text.lower())
    french = sum(w in _FR_WORDS for w in words)
    return french > 0 and french >= sum(w in _EN_WORDS for w in words)


def sentiment_of(stars: int | None) -> str | None:
    """1-2 negative, 3 neutral, 4-5 positive; None without stars."""
    if stars is None:
        return None
    return "negative" if stars <= 2 else "neutral" if stars == 3 else "positive"


def split_of(key: str) -> str:
    """Deterministic 70/15/15 split by a hash of the normalised text."""
    bucket = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) / 0x100000000
    return "train" if bucket < 0.70 else "dev" if bucket < 0.85 else "test"


def _rank(key: str) -> str:
    """Order used to pick which rows a cap keeps: stable, and independent of the split."""
    return hashlib.sha256(b"cap:" + key.encode("utf-8")).hexdigest()


# --- parsers (one per source format) ------------------------------------------------------------------------


def _csv_rows(data: bytes) -> Iterator[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    yield from csv.DictReader(io.StringIO(data.decode("utf-8-sig")))


FTESLA_KIND = {"bug report": "complaint", "requirement": "feature_request"}


def parse_ftesla(files: list[bytes]) -> Iterator[Row]:
    """App Store reviews with stars and a hand label (bug report / requirement / other / noise).

    Only bug report and requirement say what the review is; "other" mixes praise and complaints and "noise"
    is mostly non-English, so both get kind None.
    """
    for rec in _csv_rows(files[0]):
        text = clean_text(join_title(rec["topic"], rec["review"]))
        if not looks_english(text):
            continue
        stars = int(rec["score"])
        yield Row(
            text=text,
            lang="en",
            source="vu_appstore",
            domain="app_review",
            id=f"vu_appstore:{rec['review_id']}",
            kind=FTESLA_KIND.get(rec["category_final"].strip().lower()),
            stars=stars,
            sentiment=sentiment_of(stars),
        )


NLBSE_KIND = {
    "bug": "complaint",
    "enhancement": "feature_request",
    "feature": "feature_request",
    "question": "question",
}


def parse_nlbse(files: list[bytes]) -> Iterator[Row]:
    """GitHub issues labelled bug / feature (enhancement) / question; title and body, markdown stripped."""
    for data in files:
        for rec in _csv_rows(data):
            kind = NLBSE_KIND.get(rec["label"].strip().lower())
            if kind is None:
                continue
            title = clean_text(_TITLE_TAG.sub("", rec["title"]), markdown=True)
            body = clean_text(strip_issue_template(rec["body"]), markdown=True)
            raw_id = f"{rec['repo']}|{rec['created_at']}|{rec['title']}"
            yield Row(
                text=clean_text(join_title(title, body)),
                lang="en",
                source="nlbse_issues",
                domain="issue",
                id="nlbse_issues:" + hashlib.sha256(raw_id.encode("utf-8")).hexdigest()[:16],
                kind=kind,
            )


def parse_android_pos_neg(files: list[bytes]) -> Iterator[Row]:
    """Google Play reviews, one a line: the first file 5-star reviews, the second 1- or 2-star reviews."""
    for data, stars, sentiment, tag in ((files[0], 5, "positive", "pos"), (files[1], None, "negative", "neg")):
        for n, line in enumerate(data.decode("utf-8", errors="replace").splitlines()):
            text = clean_text(line)
            if not looks_english(text):
                continue
            yield Row(
                text=text,
                lang="en",
                source="android_pos_neg",
                domain="app_review",
                id=f"android_pos_neg:{tag}:{n}",
                stars=stars,
                sentiment=sentiment,
            )


_FR_STARS = re.compile(r"^\s*([1-5])\s+étoile")


def parse_trustpilot_fr(files: list[bytes]) -> Iterator[Row]:
    """French Trustpilot reviews (beauty and well-being shops): title, comment, "N étoiles : ..."."""
    for rec in _csv_rows(files[0]):
        match = _FR_STARS.match(rec["stars"])
        if match is None:
            continue
        stars = int(match.group(1))
        text = clean_text(join_title(rec["title"], rec["comments"]))
        if not looks_french(text):
            continue
        yield Row(
            text=text,
            lang="fr",
            source="trustpilot_fr_beauty",
            domain="shop_review",
            id=f"trustpilot_fr_beauty:{rec['']}",
            stars=stars,
            sentiment=sentiment_of(stars),
        )


_SEE_MORE = re.compile(r"\s*(?:\.\.\.|…)\s*Voir plus\s*$")


def parse_trustpilot_fr_ring(files: list[bytes]) -> Iterator[Row]:
    """French Trustpilot reviews of a smart ring and its app (Circular): title, content, rating 1-5.

    The scraper cut long reviews at about 200 characters and appended "... Voir plus": the marker is removed
    and the cut text kept. A title that is the start of the content is dropped (`join_title`).
    """
    for n, rec in enumerate(_csv_rows(files[0])):
        if not rec["Rating"].strip().isdigit():
            continue
        stars = int(rec["Rating"])
        text = clean_text(join_title(rec["Title"], _SEE_MORE.sub("", rec["Content"])))
        if not looks_french(text):
            continue
        yield Row(
            text=text,
            lang="fr",
            source="trustpilot_fr_ring",
            domain="product_review",
            id=f"trustpilot_fr_ring:{n}",
            stars=stars,
            sentiment=sentiment_of(stars),
        )


# --- the pinned sources -------------------------------------------------------------------------------------

SOURCES: tuple[Source, ...] = (
    Source(
        key="nlbse_issues",
        files=(
            RawFile(
                "nlbse2024/issue-report-classification",
                "2927bc67eb42db8affd16eaf3e5a6d74f3063961",
                "data/issues_train.csv",
                "18dc42a30aa33dccadb723ad3baeb164d38bff521496f985ca2791c26b8939f5",
            ),
            RawFile(
                "nlbse2024/issue-report-classification",
                "2927bc67eb42db8affd16eaf3e5a6d74f3063961",
                "data/issues_test.csv",
                "4f7d8619d4e5adbea126e548fd8c214449288f3a93bb3bc130c54cd307af7e85",
            ),
        ),
        licence="none stated (LICENSE file present but empty)",
        parse=parse_nlbse,
        cap_per_label=5000,
        description="NLBSE'24 tool competition: 3,000 GitHub issues labelled bug / feature / question",
    ),
    Source(
        key="vu_appstore",
        files=(
            RawFile(
                "ftesla11/review-analysis",
                "010d32dd0de15c3b4196bac1601b012c040324e8",
                "dataset.csv",
                "c8ed14bd06154a80be67b1a0712abda31883367f41eb1ca289e37ee6203038fa",
            ),
        ),
        licence="none stated",
        parse=parse_ftesla,
        cap_per_label=5000,
        description="3,000 App Store reviews (7 apps, 2017), 600 per star, hand-labelled by VU Amsterdam students",
    ),
    Source(
        key="android_pos_neg",
        files=(
            RawFile(
                "amitt001/Android-App-Reviews-Dataset",
                "30461678c9f854685f328c0d6f03c0be6bc1797d",
                "positive10k.txt",
                "4a8a5a702e80dc1d10a27102d03a071144baee7a1676c793f159399adccde164",
            ),
            RawFile(
                "amitt001/Android-App-Reviews-Dataset",
                "30461678c9f854685f328c0d6f03c0be6bc1797d",
                "negative10k.txt",
                "03d7db43153b592cd7a9340fb5d77b6a324c581c158a24979c9ea9d09a82ab8c",
            ),
        ),
        licence="none stated",
        parse=parse_android_pos_neg,
        cap_per_label=2500,
        description="Google Play reviews: 5-star and 1-2-star, punctuation stripped by the crawler",
    ),
    Source(
        key="trustpilot_fr_beauty",
        files=(
            RawFile(
                "khasaad/Natural_Language_Processing_for_sentiment_analysis",
                "5bf9f31094dce1ae95ee9a3b1c0021179297c4ef",
                "beauty_wellbeing.csv",
                "282a1d12a4d9107b7875dd8ec10435f4b71d5ce8850c80ab5cf7f21cbff81a1c",
            ),
        ),
        licence="none stated",
        parse=parse_trustpilot_fr,
        cap_per_label=1000,
        description="12,672 French Trustpilot reviews of beauty and well-being shops (2021) with stars",
    ),
    Source(
        key="trustpilot_fr_ring",
        files=(
            RawFile(
                "DataScientest-Studio/sept24_alt_truspilot_2",
                "ccfac5b3bfffe5714d4dd160389d80e0429c47f8",
                "PythonTest/Scrapper(1)/trustpilot_scrapping_circular_complet.csv",
                "105b11ecba26958e2bdf40b1cb8527a19ee6e129eca085bfd1ecbed1a23d789e",
            ),
        ),
        licence="MIT (repository LICENSE, DataScientest); review texts from Trustpilot",
        parse=parse_trustpilot_fr_ring,
        cap_per_label=1000,
        description="237 French Trustpilot reviews of the Circular smart ring and its app (2023-2025) with stars",
    ),
)


# --- fetching -----------------------------------------------------------------------------------------------


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _git_dirs(root: Path) -> list[Path]:
    """Git directories under a mirror entry, whatever its layout (bare `repo/`, `repo/.git`, `.git`, itself)."""
    candidates = [root, root / ".git", root / "repo", root / "repo" / ".git"]
    found = [c for c in candidates if (c / "HEAD").is_file() and (c / "objects").is_dir()]
    if not found:
        found = [p.parent for p in sorted(root.glob("**/HEAD")) if (p.parent / "objects").is_dir()]
    return found


def read_from_mirror(mirror: Path, raw: RawFile) -> bytes:
    """The file's bytes at the pinned commit, from a local git snapshot `mirror/owner+name/...`."""
    root = mirror / raw.repo.replace("/", "+")
    if not root.is_dir():
        raise DatasetError(f"{raw.repo}: no snapshot at {root} (fetch github:{raw.repo} first, or drop --mirror)")
    errors = []
    for git_dir in _git_dirs(root):
        proc = subprocess.run(
            ["git", f"--git-dir={git_dir}", "cat-file", "blob", f"{raw.commit}:{raw.path}"],
            capture_output=True,
            check=False,
        )
        if proc.returncode == 0:
            return proc.stdout
        errors.append(proc.stderr.decode("utf-8", errors="replace").strip())
    raise DatasetError(
        f"{raw.repo}: {raw.path} at {raw.commit[:12]} is not in the snapshot under {root} "
        f"({'; '.join(errors) or 'no git directory found'})"
    )


def download(raw: RawFile, timeout: float = 60.0) -> bytes:
    """The file's bytes at the pinned commit, from raw.githubusercontent.com."""
    try:
        with urllib.request.urlopen(raw.url, timeout=timeout) as resp:  # a fixed https URL
            data: bytes = resp.read()
            return data
    except OSError as exc:
        raise DatasetError(f"{raw.repo}: could not download {raw.url}: {exc}") from exc


def fetch(raw: RawFile, mirror: Path | None, cache: Path | None) -> bytes:
    """Fetch one pinned file (cache, then mirror or network) and verify its sha256."""
    cached = cache / raw.sha256 if cache else None
    if cached is not None and cached.is_file():
        data = cached.read_bytes()
        if sha256_bytes(data) == raw.sha256:
            return data
    data = read_from_mirror(mirror, raw) if mirror else download(raw)
    verify(raw, data)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(data)
    return data


def verify(raw: RawFile, data: bytes) -> None:
    """Stop on a file that is not the one pinned."""
    got = sha256_bytes(data)
    if got != raw.sha256:
        raise DatasetError(
            f"sha256 mismatch for {raw.repo}@{raw.commit[:12]}:{raw.path}: expected {raw.sha256}, got {got}. "
            "The file is not the pinned one (changed upstream, truncated or tampered); "
            "review it before re-pinning in training/datasets.py."
        )


# --- assembling ---------------------------------------------------------------------------------------------


def load_kind_labels(path: Path) -> dict[str, str]:
    """Our own kind labels, id -> kind (for sources without kind labels)."""
    if not path.is_file():
        return {}
    labels: dict[str, str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        if rec.get("kind") not in KINDS:
            raise DatasetError(f"{path.name}:{n}: kind must be one of {KINDS}, got {rec.get('kind')!r}")
        labels[rec["id"]] = rec["kind"]
    return labels


def _label_of(row: Row) -> str:
    if row.kind is not None:
        return f"kind:{row.kind}"
    if row.stars is not None:
        return f"stars:{row.stars}"
    return f"sentiment:{row.sentiment}"


def assemble(
    parsed: Iterable[tuple[Source, Iterable[Row]]], kind_labels: dict[str, str] | None = None
) -> tuple[list[Row], dict[str, Counter[str]]]:
    """Clean rows: our kind labels applied, short rows and duplicates dropped, each source capped per label.

    Sources are read in order; a text already seen (by normalised text, in any source) is dropped.
    Returns the kept rows and, per source, what was dropped and why.
    """
    kind_labels = kind_labels or {}
    seen: set[str] = set()
    kept: list[Row] = []
    dropped: dict[str, Counter[str]] = defaultdict(Counter)
    for source, rows in parsed:
        by_label: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            if row.id in kind_labels:
                row.kind = kind_labels[row.id]
            row.key = normalise(row.text)
            if len(row.key.split()) < MIN_WORDS:
                dropped[source.key]["short"] += 1
                continue
            if row.key in seen:
                dropped[source.key]["duplicate"] += 1
                continue
            seen.add(row.key)
            by_label[_label_of(row)].append(row)
        for label in sorted(by_label):
            group = sorted(by_label[label], key=lambda r: (r.id not in kind_labels, _rank(r.key)))
            kept.extend(group[: source.cap_per_label])
            if len(group) > source.cap_per_label:
                dropped[source.key]["cap"] += len(group) - source.cap_per_label
    return kept, dropped


def counts(rows: Iterable[Row]) -> dict[str, Any]:
    """Counts per split x lang x kind, x sentiment, and per source."""
    out: dict[str, Any] = {"kind": defaultdict(Counter), "sentiment": defaultdict(Counter), "source": Counter()}
    for row in rows:
        split = split_of(row.key)
        out["kind"][f"{split}/{row.lang}"][row.kind or "null"] += 1
        out["sentiment"][f"{split}/{row.lang}"][row.sentiment or "null"] += 1
        out["source"][f"{split}/{row.source}"] += 1
    return {
        k: {kk: dict(sorted(vv.items())) for kk, vv in sorted(v.items())} if k != "source" else dict(sorted(v.items()))
        for k, v in out.items()
    }


def write_splits(rows: list[Row], out: Path) -> dict[str, int]:
    """Write OUT/{train,dev,test}.jsonl, rows in a stable order."""
    out.mkdir(parents=True, exist_ok=True)
    by_split: dict[str, list[Row]] = {s: [] for s in SPLITS}
    for row in rows:
        by_split[split_of(row.key)].append(row)
    for split, items in by_split.items():
        items.sort(key=lambda r: (r.source, r.id))
        with (out / f"{split}.jsonl").open("w", encoding="utf-8") as fh:
            for row in items:
                fh.write(json.dumps(row.as_json(), ensure_ascii=False) + "\n")
    return {s: len(v) for s, v in by_split.items()}


def build(
    out: Path, mirror: Path | None, only: set[str] | None = None, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Fetch, verify, parse and write every source; returns the manifest."""
    sources = [s for s in SOURCES if not only or s.key in only]
    kind_labels = load_kind_labels(FR_KIND_LABELS)
    cache = out / "raw"
    parsed: list[tuple[Source, list[Row]]] = []
    for n, source in enumerate(sources, 1):
        start = time.monotonic()
        blobs = [fetch(raw, mirror, cache) for raw in source.files]
        rows = list(source.parse(blobs))
        where = "mirror" if mirror else "github"
        log(
            f"[{n}/{len(sources)}] {source.key}: {len(source.files)} file(s) from {where}, sha256 ok, "
            f"{len(rows)} rows parsed ({time.monotonic() - start:.1f}s)"
        )
        parsed.append((source, rows))
    known_ids = {row.id for _, rows in parsed for row in rows}
    missing = [i for i in kind_labels if i not in known_ids and (not only or i.split(":")[0] in only)]
    if missing:
        log(f"warning: {len(missing)} kind labels name no parsed row (first: {missing[0]})")
    rows, dropped = assemble(parsed, kind_labels)
    sizes = write_splits(rows, out)
    manifest = {
        "sources": [
            {
                "key": s.key,
                "licence": s.licence,
                "files": [{"repo": f.repo, "commit": f.commit, "path": f.path, "sha256": f.sha256} for f in s.files],
                "dropped": dict(dropped.get(s.key, {})),
            }
            for s in sources
        ],
        "splits": sizes,
        "counts": counts(rows),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"wrote {sum(sizes.values())} rows to {out}: " + ", ".join(f"{k} {v}" for k, v in sizes.items()))
    return manifest


def _print_table(manifest: dict[str, Any]) -> None:
    for what in ("kind", "sentiment"):
        print(f"\n{what} per split/lang:")
        for cell, c in manifest["counts"][what].items():
            print(f"  {cell:10} " + "  ".join(f"{k}={v}" for k, v in c.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(".data/feedback"))
    parser.add_argument("--mirror", type=Path, help="read files from local git snapshots DIR/owner+name/")
    parser.add_argument("--only", nargs="*", help="source keys to build (default: all)")
    args = parser.parse_args(argv)
    try:
        manifest = build(args.out, args.mirror, set(args.only) if args.only else None)
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _print_table(manifest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
