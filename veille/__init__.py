"""The local side of Veille: the ``veille`` command and a local runtime for the Lambda handlers.

Not deployed: the Lambda package holds only ``app.py`` and ``chalicelib/``.
"""
