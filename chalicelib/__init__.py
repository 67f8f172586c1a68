"""Veille: social listening and feedback triage, deployed as one Chalice app."""

__version__ = "0.1.0"
