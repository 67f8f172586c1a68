"""The committed weights: present, small, consistent with metadata, loaded lazily."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from chalicelib.classify.builtin import MODEL_DIR, LinearModel

MAX_MODEL_BYTES = 20 * 1024 * 1024


def test_weights_match_metadata_sha256():
    meta = json.loads((MODEL_DIR / "metadata.json").read_text())
    blob = (MODEL_DIR / "weights.bin").read_bytes()
    assert hashlib.sha256(blob).hexdigest() == meta["weights"]["sha256"]
    assert hashlib.sha256((MODEL_DIR / "model.json").read_bytes()).hexdigest() == meta["model_json_sha256"]
    lexicon = (MODEL_DIR / meta["lexicon"]["file"]).read_bytes()
    assert hashlib.sha256(lexicon).hexdigest() == meta["lexicon"]["sha256"]
    assert len(json.loads(lexicon)) == meta["lexicon"]["words"]


def test_metadata_records_data_seed_and_scores():
    meta = json.loads((MODEL_DIR / "metadata.json").read_text())
    assert meta["seed"] == 13
    assert "complaint_en.jsonl" in meta["data_files"]
    assert all(len(h) == 64 for h in meta["data_files"].values())
    assert {"sent_en", "sent_fr", "offensive", "spam"} <= set(meta["dev_scores"])
    assert meta["model_version"] == LinearModel().version


def test_model_files_stay_small():
    total = sum(p.stat().st_size for p in Path(MODEL_DIR).iterdir())
    assert total <= MAX_MODEL_BYTES


def test_import_does_not_load_weights_or_boto3():
    code = (
        "import sys, chalicelib.classify as c; "
        "print('chalicelib.classify.builtin' in sys.modules, 'boto3' in sys.modules, 'numpy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout.split()
    assert out == ["False", "False", "False"]


def test_get_classifier_is_cached_and_rejects_unknown_backends():
    import pytest

    from chalicelib.classify import get_classifier

    assert get_classifier() is get_classifier("builtin")
    with pytest.raises(ValueError, match="unknown classifier backend"):
        get_classifier("nope")
