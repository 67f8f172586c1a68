"""Veille's AWS CDK app: the Chalice app from the repository root plus the table, queues, topic and alarms.

The entry point is ``python -m infra_app.synth`` (run from ``infra/``); never name a module ``app.py``
here, because Chalice imports the application as the top-level module ``app``.
"""
