"""Veille's query language: compile a watch's query once, match it against every mention.

>>> q = compile_query('(acme OR "acme corp") -job lang:fr', aliases={"acme": ["akme"]})
>>> q.match("Le service d'Akme est top", lang="fr")[0].term
'acme'
"""

from chalicelib.query.compiled import Query, compile_query
from chalicelib.query.errors import QuerySyntaxError
from chalicelib.query.normalise import normalise

__all__ = ["Query", "QuerySyntaxError", "compile_query", "normalise"]
