"""``veille fetch SOURCE --query Q``: ask one source now and print the matching mentions as JSON lines.

The connector is the deployed one, with a real HTTP client and secrets from the environment; the
query language then keeps what matches. Progress (each page fetched) and notes go to stderr, so
stdout stays clean JSONL (one ``Mention`` per line, plus its ``spans``).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

import httpx


def add_parser(subparsers: Any) -> None:
    """Register the ``fetch`` subcommand."""
    parser = subparsers.add_parser("fetch", help="fetch one source now and print matching mentions as JSONL")
    parser.add_argument("source", help="a source type (see: veille sources)")
    parser.add_argument("--query", required=True, help="a query in Veille's query language")
    parser.add_argument("--since", help="only items created after this ISO time (e.g. 2026-08-01T00:00:00Z)")
    parser.add_argument("--limit", type=int, default=50, help="at most this many items (default 50)")
    parser.add_argument("--base-url", help="the API root, for a self-hosted instance or a test server")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a connector option, repeatable (subreddits=rust,python; site=superuser; app_id=123; instances=...)",
    )
    parser.set_defaults(func=run)


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs as connector options; a JSON-looking value (number, true, list) is decoded."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--option {pair!r} is not KEY=VALUE")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options


def parse_since(value: str | None) -> datetime | None:
    """An ISO time as an aware datetime (UTC when no offset is given)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _progress(response: httpx.Response) -> None:
    url = response.request.url
    print(f"fetched {url.host}{url.path} -> HTTP {response.status_code}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Fetch, match and print; exit 2 on a usage error, 1 when the source fails."""
    from chalicelib.errors import SourceError
    from chalicelib.query import QuerySyntaxError, compile_query
    from chalicelib.secrets import get_secret
    from chalicelib.sources import UnknownSourceError, get_source
    from chalicelib.sources.base import FetchContext, FetchRequest, SourceConfig

    try:
        source = get_source(args.source)
        query = compile_query(args.query)
        options = parse_options(args.option)
        since = parse_since(args.since)
    except UnknownSourceError as exc:
        print(f"veille fetch: {exc}", file=sys.stderr)
        return 2
    except QuerySyntaxError as exc:
        print(f"veille fetch: invalid --query: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"veille fetch: {exc}", file=sys.stderr)
        return 2

    # The named flags win over an --option of the same name.
    fixed = {"type": args.source, "base_url": args.base_url, "limit": args.limit, "timeout_s": args.timeout}
    config = SourceConfig.model_validate({**options, **fixed})
    request = FetchRequest(terms=query.search_terms(), since=since, limit=args.limit)
    with httpx.Client(timeout=args.timeout, follow_redirects=True, event_hooks={"response": [_progress]}) as client:
        try:
            result = source.fetch(config, request, FetchContext(http=client, secret=get_secret))
        except SourceError as exc:
            print(
                f"veille fetch: {exc}\n"
                "Check the source's settings with `veille sources`, the --base-url and --option values; "
                "if the service is rate-limiting or down, try again later.",
                file=sys.stderr,
            )
            return 1
    matched = 0
    for mention in result.mentions:
        spans = query.match(
            mention.text,
            title=mention.title or "",
            lang=mention.lang,
            source=mention.source,
            url=mention.url,
            author=mention.author.handle or mention.author.name,
        )
        if spans is None:
            continue
        matched += 1
        line = mention.model_dump(mode="json")
        line["spans"] = [span.model_dump(mode="json") for span in spans]
        print(json.dumps(line, ensure_ascii=False))
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"{len(result.mentions)} fetched, {matched} matched, {result.skipped} skipped", file=sys.stderr)
    return 0
