"""Helpers of ``bench/bench_ops.py``: capacity metering, the synthetic corpus, imports, package, cost model."""
