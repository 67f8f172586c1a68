"""The handlers' bodies: plain functions with their dependencies as parameters."""
