"""training.warm_start: the shipped heads move towards the corrections, and only the heads they label."""

from __future__ import annotations

import numpy as np

from training.warm_start import refit_head, warm_start


def test_a_corrected_example_flips_and_unlabelled_heads_stay_as_shipped() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 16))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    w0 = rng.normal(size=(1, 16)) * 0.1
    b0 = np.array([2.0])  # the shipped head says "complaint" to everything
    spec = {
        "heads": {
            "complaint": {"kind": "sigmoid", "w": w0.tolist(), "b": b0.tolist()},
            "lead": {"kind": "sigmoid", "w": w0.tolist(), "b": b0.tolist()},
            "kind": {"kind": "softmax", "w": np.zeros((5, 16)).tolist(), "b": np.zeros(5).tolist()},
        }
    }
    rows = [{"text": f"t{i}", "labels": {"complaint": False, "kind": "feature_request"}} for i in range(6)]
    used = warm_start(spec, rows, x, strength=0.1)
    assert used == {"complaint": 6, "kind": 6}
    z = x @ np.asarray(spec["heads"]["complaint"]["w"]).T + np.asarray(spec["heads"]["complaint"]["b"])
    assert (z[:, 0] < 0).all()  # now "not a complaint" on what was corrected
    assert spec["heads"]["lead"]["b"] == b0.tolist()
    assert (np.argmax(x @ np.asarray(spec["heads"]["kind"]["w"]).T + spec["heads"]["kind"]["b"], axis=1) == 1).all()


def test_a_strong_prior_keeps_the_shipped_weights() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 8))
    w0, b0 = rng.normal(size=(1, 8)), np.array([0.5])
    w, b = refit_head(w0, b0, x, np.array([0, 1, 0]), strength=1e6, softmax=False)
    assert np.allclose(w, w0, atol=1e-3) and np.allclose(b, b0, atol=1e-3)
