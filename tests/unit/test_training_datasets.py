"""training.datasets on small inline samples of each source format: no network, no mirror."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from training import datasets as ds

VU_CSV = (
    ",app_name,user_id,user_name,date,country,version,score,topic,review,url,review_id,category_final,sentiment_final\n"
    '1,Waze,1,a,2017-06-01,US,1,1,Crashes,"Keeps crashing when I open the map, please fix",u,11,bug report,negative\n'
    "2,Waze,2,b,2017-06-01,US,1,4,Great,Would love an offline mode for my trips,u,12,requirement,positive\n"
    "3,Waze,3,c,2017-06-01,US,1,5,Love it,Love it so much it is the best app,u,13,other,very positive\n"
    "4,Waze,4,d,2017-06-01,US,1,5,Bueno,Muy buena aplicación para el coche,u,14,noise,positive\n"
    "5,Waze,5,e,2017-06-01,US,1,3,Ok,The app is ok I guess Ã©,u,15,Bug Report,neutral\n"
)

NLBSE_CSV = (
    "repo,created_at,label,title,body\n"
    'r/x,2023-01-01,bug,[Bug]: Login fails,"### Describe the bug\n\nCannot log in after the update, the page spins.\n\n'
    '### Version\n\n1.2\n\n```\nTraceback here\n```\n<!-- template note -->"\n'
    "r/x,2023-01-02,feature,Add dark mode,Please add a dark theme to the editor.\n"
    "r/x,2023-01-03,question,How do I export?,How can I export my boards to CSV?\n"
    "r/x,2023-01-04,documentation,Typo,Fix a typo in the readme file please\n"
)

TRUSTPILOT_CSV = (
    ",title,comments,stars,time\n"
    '0,"\n   Colis jamais reçu\n","\n  Colis jamais reçu, aucune réponse du service client\n",1 étoile : mauvais,t\n'
    '1,"Très bien","Livraison rapide et produits de qualité, merci",5 étoiles : excellent,t\n'
    '2,"Moyen","Le produit est correct mais un peu cher",3 étoiles : moyen,t\n'
    '3,"Great","Fast delivery and nice products",5 étoiles : excellent,t\n'
)


def source(key: str, parse: ds.Parser, cap: int = 100) -> ds.Source:
    return ds.Source(key=key, files=(), licence="test", parse=parse, cap_per_label=cap)


def test_app_store_reviews_map_labels_and_stars_and_drop_foreign_text() -> None:
    rows = {r.id: r for r in ds.parse_ftesla([VU_CSV.encode()])}
    assert set(rows) == {"vu_appstore:11", "vu_appstore:12", "vu_appstore:13", "vu_appstore:15"}  # Spanish dropped
    crash = rows["vu_appstore:11"]
    assert (crash.kind, crash.stars, crash.sentiment, crash.lang) == ("complaint", 1, "negative", "en")
    assert crash.text == "Crashes. Keeps crashing when I open the map, please fix"
    assert (rows["vu_appstore:12"].kind, rows["vu_appstore:12"].sentiment) == ("feature_request", "positive")
    # "other" mixes praise and complaints: no kind; the sentiment still comes from the stars
    assert (rows["vu_appstore:13"].kind, rows["vu_appstore:13"].sentiment) == (None, "positive")
    assert rows["vu_appstore:13"].text == "Love it so much it is the best app"  # title repeats the body
    assert (rows["vu_appstore:15"].kind, rows["vu_appstore:15"].sentiment) == ("complaint", "neutral")
    assert rows["vu_appstore:15"].text.endswith("I guess é")  # mojibake repaired


def test_issues_map_labels_and_lose_their_template() -> None:
    rows = list(ds.parse_nlbse([NLBSE_CSV.encode()]))
    assert [r.kind for r in rows] == ["complaint", "feature_request", "question"]  # documentation skipped
    bug = rows[0]
    assert bug.text == "Login fails. Cannot log in after the update, the page spins."
    assert bug.domain == "issue" and bug.stars is None and bug.sentiment is None
    assert len({r.id for r in rows}) == 3


def test_pos_neg_reviews_get_stars_only_where_known() -> None:
    pos = b"I love it so cool and beautiful\nok\n"
    neg = b"Crap widget that does nothing useful\n"
    rows = list(ds.parse_android_pos_neg([pos, neg]))
    assert [(r.stars, r.sentiment, r.kind) for r in rows] == [
        (5, "positive", None),
        (5, "positive", None),
        (None, "negative", None),
    ]


def test_french_trustpilot_reads_stars_and_keeps_french_only() -> None:
    rows = list(ds.parse_trustpilot_fr([TRUSTPILOT_CSV.encode()]))
    assert [(r.id, r.stars, r.sentiment) for r in rows] == [
        ("trustpilot_fr_beauty:0", 1, "negative"),
        ("trustpilot_fr_beauty:1", 5, "positive"),
        ("trustpilot_fr_beauty:2", 3, "neutral"),
    ]
    assert rows[0].text == "Colis jamais reçu, aucune réponse du service client"
    assert rows[1].text == "Très bien. Livraison rapide et produits de qualité, merci"
    assert all(r.lang == "fr" and r.kind is None for r in rows)


def test_assemble_dedupes_across_sources_drops_short_rows_caps_and_applies_our_labels() -> None:
    first = [
        ds.Row(text="The app crashes on start", lang="en", source="a", domain="d", id="a:1", kind="complaint"),
        ds.Row(text="ok fine", lang="en", source="a", domain="d", id="a:2", kind="praise"),
    ]
    second = [
        ds.Row(text="the APP crashes, on start!", lang="en", source="b", domain="d", id="b:1", stars=1),
        *[
            ds.Row(text=f"five star review number {n}", lang="en", source="b", domain="d", id=f"b:{n + 10}", stars=5)
            for n in range(5)
        ],
    ]
    rows, dropped = ds.assemble(
        [(source("a", ds.parse_nlbse), first), (source("b", ds.parse_nlbse, cap=2), second)],
        kind_labels={"b:13": "praise"},
    )
    ids = [r.id for r in rows]
    assert "a:1" in ids and "b:1" not in ids  # same normalised text: the first source keeps it
    assert "a:2" not in ids  # under three words
    assert dropped["a"]["short"] == 1 and dropped["b"]["duplicate"] == 1
    # our label makes b:13 a praise row, kept apart from the star-capped ones
    assert next(r for r in rows if r.id == "b:13").kind == "praise"
    unlabelled = [r for r in rows if r.source == "b" and r.kind is None]
    assert len(unlabelled) == 2 and dropped["b"]["cap"] == 2  # capped per label (5 stars)


def test_split_is_deterministic_and_near_70_15_15() -> None:
    keys = [f"review text number {n}" for n in range(4000)]
    splits = [ds.split_of(k) for k in keys]
    assert splits == [ds.split_of(k) for k in keys]
    share = {s: splits.count(s) / len(splits) for s in ds.SPLITS}
    assert 0.67 < share["train"] < 0.73 and 0.13 < share["dev"] < 0.17 and 0.13 < share["test"] < 0.17
    # the split follows the normalised text, so a case or accent variant lands in the same split
    assert ds.split_of(ds.normalise("Très BIEN, merci !")) == ds.split_of(ds.normalise("tres bien merci"))


def test_clean_text_strips_html_and_caps_length() -> None:
    assert ds.clean_text("  <b>Great</b>&amp; fast \n\n app  ") == "Great & fast app"
    long = ds.clean_text("word " * 1000)
    assert len(long) <= ds.MAX_CHARS and not long.endswith(" ")


def test_sha256_mismatch_stops_with_a_clear_message() -> None:
    raw = ds.RawFile("owner/name", "a" * 40, "data.csv", "0" * 64)
    with pytest.raises(ds.DatasetError, match=r"sha256 mismatch for owner/name@aaaaaaaaaaaa:data.csv"):
        ds.verify(raw, b"not the pinned bytes")
    ds.verify(ds.RawFile("o/n", "a" * 40, "p", ds.sha256_bytes(b"ok")), b"ok")


def test_mirror_lookup_reads_the_pinned_commit_from_a_local_bare_repo(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(work)]
    subprocess.run([*git, "init", "-q"], check=True)
    (work / "data.csv").write_text("v1\n")
    subprocess.run([*git, "add", "data.csv"], check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    (work / "data.csv").write_text("v2\n")
    subprocess.run([*git, "commit", "-qam", "v2"], check=True)
    mirror = tmp_path / "mirror"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(mirror / "owner+name" / "repo")], check=True)

    raw = ds.RawFile("owner/name", commit, "data.csv", ds.sha256_bytes(b"v1\n"))
    assert ds.fetch(raw, mirror, cache=None) == b"v1\n"  # the pinned commit, not the newest
    with pytest.raises(ds.DatasetError, match="no snapshot"):
        ds.fetch(ds.RawFile("other/repo", commit, "data.csv", raw.sha256), mirror, cache=None)


def test_our_french_kind_labels_are_valid() -> None:
    labels = ds.load_kind_labels(ds.FR_KIND_LABELS)
    assert len(labels) >= 300
    assert set(labels.values()) <= set(ds.KINDS)
    assert all(i.split(":")[0] in ("trustpilot_fr_beauty", "trustpilot_fr_ring") for i in labels)
    lines = ds.FR_KIND_LABELS.read_text(encoding="utf-8").splitlines()
    assert all(set(json.loads(line)) == {"id", "kind"} for line in lines)  # ids and labels only, no source text
