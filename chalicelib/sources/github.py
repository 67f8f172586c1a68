"""GitHub issues and pull requests mentioning the terms (REST ``/search/issues``).

Works without a token (10 searches/minute); ``VEILLE_GITHUB_TOKEN`` (a fine-grained token with no
scopes is enough) raises it to 30. The terms are ORed in one query with ``created:>=ISO`` and
``sort=created``; once a watermark exists the pages are read oldest first (``order=asc``), so a run
cut by ``max_pages`` or the limit resumes where it stopped. Extra qualifiers (``repo:``, ``is:issue``,
``-org:``...) go in the ``qualifiers`` option. Author followers come from ``/users/{login}``.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlparse

from chalicelib.errors import SourceError
from chalicelib.models import Author, Mention
from chalicelib.sources.base import FetchContext, FetchRequest, FetchResult, SourceConfig
from chalicelib.sources.http import fetch_json
from chalicelib.sources.text import (
    Watermark,
    as_int,
    collect,
    fill_reach,
    iso,
    next_cursor,
    parse_datetime,
    plain_text,
    quoted,
    total,
)

DEFAULT_BASE_URL = "https://api.github.com"
SEARCH_CAP = 1000  # GitHub serves at most 1,000 results per search


class GitHubSource:
    """Issues and pull requests (titles and bodies) mentioning the terms."""

    type: ClassVar[str] = "github"
    needs_credentials: ClassVar[bool] = False
    settings: ClassVar[tuple[str, ...]] = ("VEILLE_GITHUB_TOKEN",)
    description: ClassVar[str] = "GitHub issues and pull requests (search, sort=created); an optional token"

    def fetch(self, config: SourceConfig, request: FetchRequest, ctx: FetchContext) -> FetchResult:
        """Fetch issues and PRs created since the cursor, with their authors' follower counts."""
        base = (config.base_url or DEFAULT_BASE_URL).rstrip("/")
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        if token := ctx.secret("VEILLE_GITHUB_TOKEN"):
            headers["Authorization"] = f"Bearer {token}"
        limit = min(config.limit, request.limit)
        per_page = min(limit, 100)
        max_pages = int(config.option("max_pages", 3))
        watermark = Watermark.load(request.cursor, request.since)
        ascending = watermark.at is not None
        parts = [" OR ".join(quoted(t) for t in request.terms)]
        if qualifiers := config.option("qualifiers"):
            parts.append(str(qualifiers))
        if watermark.at is not None:
            parts.append(f"created:>={iso(watermark.at)}")
        found: dict[str, Mention] = {}
        skipped, notes = 0, []
        for page in range(1, max_pages + 1):
            params = {
                "q": " ".join(parts),
                "sort": "created",
                "order": "asc" if ascending else "desc",
                "per_page": per_page,
                "page": page,
            }
            body = fetch_json(
                ctx.http,
                self.type,
                "GET",
                f"{base}/search/issues",
                params=params,
                headers=headers,
                timeout=config.timeout_s,
            )
            items = _items(body)
            mentions, bad = collect(items, lambda item: _mention(item, ctx.retention_days))
            skipped += bad
            for mention in mentions:
                if watermark.is_new(mention.created_at, mention.external_id):
                    found.setdefault(mention.external_id, mention)
            if len(items) < per_page or len(found) >= limit or page * per_page >= SEARCH_CAP:
                break
        else:
            notes.append(f"stopped after {max_pages} pages; the next run continues")
        if body.get("incomplete_results"):
            notes.append("GitHub marked the results incomplete (search timed out on its side)")
        mentions = sorted(found.values(), key=lambda m: m.created_at, reverse=not ascending)[:limit]
        if config.option("author_followers", True):

            def followers(login: str) -> int | None:
                user = fetch_json(
                    ctx.http, self.type, "GET", f"{base}/users/{login}", headers=headers, timeout=config.timeout_s
                )
                return as_int(user.get("followers")) if isinstance(user, dict) else None

            if failed := fill_reach(mentions, followers, int(config.option("max_reach_lookups", 10))):
                notes.append(f"followers unavailable for {failed} author(s)")
        return FetchResult(mentions, next_cursor(request.cursor, watermark, mentions), skipped, notes)


def _items(body: Any) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise SourceError("github", "unexpected answer: no 'items' list; check the base_url")
    return list(body["items"])


def _repo(item: dict[str, Any]) -> str:
    """``owner/name`` from ``repository_url``, or (older answers without it) from ``html_url``."""
    api = str(item.get("repository_url") or "")
    if "/repos/" in api:
        return api.rsplit("/repos/", 1)[-1]
    path = urlparse(str(item.get("html_url") or "")).path.strip("/").split("/")
    return "/".join(path[:2]) if len(path) >= 4 and path[2] in ("issues", "pull") else ""


def _mention(item: dict[str, Any], retention_days: int) -> Mention:
    user = item.get("user") or {}
    title = plain_text(item["title"])  # plain text: "<select> loses focus" keeps its tag name
    repo = _repo(item)
    reactions = item.get("reactions") or {}
    return Mention(
        source="github",
        external_id=str(item["id"]),
        url=str(item["html_url"]),
        author=Author(handle=user.get("login"), name=user.get("login"), url=user.get("html_url")),
        title=title,
        # Bodies are Markdown (plain text for matching); an issue may have none.
        text=str(item.get("body") or "").strip() or title,
        created_at=parse_datetime(item["created_at"]),
        engagement=total(item.get("comments"), reactions.get("total_count")),
        extra={
            "kind": "pull_request" if item.get("pull_request") else "issue",
            "repo": repo,
            "state": str(item.get("state", "")),
            "number": str(item.get("number", "")),
        },
        retention_days=retention_days,
    )
