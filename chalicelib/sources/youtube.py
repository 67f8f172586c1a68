"""YouTube Data API v3: videos mentioning the terms, then the comments on them.

Needs a free API key (``VEILLE_YOUTUBE_API_KEY``). The daily quota is 10,000 units and
``search.list`` costs 100 of them, ``commentThreads.list``, ``videos.list`` and ``channels.list`` 1
each; every call is counted, reported in the notes, and a call that would pass the per-run
``quota_budget`` (default 300 units) is not made.

Incremental: ``order=date&publishedAfter=<watermark>`` for videos. Comments keep arriving on a video
for days, so the cursor also keeps the most recent matched videos (``follow_videos``, default 10)
with the newest comment seen on each, and every run reads their new comments (``order=time``,
stopping at that watermark).
"""

from __future__ import annotations

from typing import Any, ClassVar

from chalicelib.errors import SourceError
from chalicelib.models import Author, Mention
from chalicelib.sources.base import FetchContext, FetchRequest, FetchResult, SourceConfig
from chalicelib.sources.http import fetch_json
from chalicelib.sources.text import (
    Watermark,
    as_int,
    collect,
    iso,
    next_cursor,
    parse_datetime,
    plain_text,
    primary_lang,
    quoted,
    strip_html,
    total,
)

DEFAULT_BASE_URL = "https://www.googleapis.com/youtube/v3"
COST = {"search": 100, "commentThreads": 1, "videos": 1, "channels": 1}
IDS_PER_CALL = 50


class _QuotaSpent(Exception):
    """The next call would pass the run's quota budget."""


class YouTubeSource:
    """Videos and comments mentioning the terms on YouTube."""

    type: ClassVar[str] = "youtube"
    needs_credentials: ClassVar[bool] = True
    settings: ClassVar[tuple[str, ...]] = ("VEILLE_YOUTUBE_API_KEY",)
    description: ClassVar[str] = "YouTube videos (search.list) and their comments; needs an API key, counts quota"

    def fetch(self, config: SourceConfig, request: FetchRequest, ctx: FetchContext) -> FetchResult:
        """Fetch new videos and new comments of followed videos, within the quota budget."""
        key = ctx.secret("VEILLE_YOUTUBE_API_KEY")
        if not key:
            raise SourceError(self.type, "set VEILLE_YOUTUBE_API_KEY (a YouTube Data API v3 key; see veille sources)")
        run = _Run(ctx, config, key)
        limit = min(config.limit, request.limit)
        videos_mark = Watermark.load(request.cursor.get("videos"), request.since)
        followed = request.cursor.get("comments")
        comment_marks: dict[str, dict[str, Any]] = {
            str(vid): dict(mark)
            for vid, mark in (followed.items() if isinstance(followed, dict) else ())
            if isinstance(mark, dict)
        }
        skipped, notes = 0, []
        videos: list[Mention] = []
        comments: list[Mention] = []
        try:
            found, skipped = self._videos(run, request, videos_mark, limit)
            videos = sorted(found, key=lambda m: m.created_at, reverse=True)[:limit]
            for video in videos:
                comment_marks.setdefault(video.extra["video_id"], {"published": iso(video.created_at)})
            run.enrich_videos(videos)
            for video_id, saved in list(comment_marks.items()):
                mark = Watermark.load(saved)
                new, bad, error = run.comments(video_id, mark, limit)
                skipped += bad
                if error:
                    notes.append(error)
                if new:
                    comment_marks[video_id] = {**saved, **mark.advance(new).dump()}
                    comments += new
            run.add_reach(videos + comments)
        except _QuotaSpent:
            notes.append(f"stopped before passing the quota budget of {run.budget} units")
        notes.append(f"quota units used: {run.units}")
        cursor = dict(request.cursor)
        if videos:
            cursor["videos"] = next_cursor(request.cursor.get("videos") or {}, videos_mark, videos)
        # Follow the most recently published videos only: each followed video costs a unit every run.
        follow = int(config.option("follow_videos", 10))
        newest = sorted(comment_marks.items(), key=lambda kv: str(kv[1].get("published", "")), reverse=True)
        if newest:
            cursor["comments"] = dict(newest[:follow])
        return FetchResult(videos + comments, cursor, skipped, notes)

    def _videos(self, run: _Run, request: FetchRequest, mark: Watermark, limit: int) -> tuple[list[Mention], int]:
        params: dict[str, Any] = {
            "part": "snippet",
            "q": "|".join(quoted(t) for t in request.terms),
            "type": "video",
            "order": "date",
            "maxResults": min(limit, 50),
        }
        if mark.at is not None:
            params["publishedAfter"] = iso(mark.at)
        if lang := run.config.option("relevance_language"):
            params["relevanceLanguage"] = lang
        found: dict[str, Mention] = {}
        skipped = 0
        for _ in range(int(run.config.option("max_pages", 1))):
            body = run.call("search", params)
            mentions, bad = collect(_items(body), lambda item: _video(item, run.ctx.retention_days))
            skipped += bad
            for mention in mentions:
                if mark.is_new(mention.created_at, mention.external_id):
                    found.setdefault(mention.external_id, mention)
            token = body.get("nextPageToken")
            if not token or len(found) >= limit:
                break
            params["pageToken"] = token
        return list(found.values()), skipped


class _Run:
    """One run's calls: the key, the quota counter and the budget."""

    def __init__(self, ctx: FetchContext, config: SourceConfig, key: str) -> None:
        self.ctx, self.config, self.key = ctx, config, key
        self.base = (config.base_url or DEFAULT_BASE_URL).rstrip("/")
        self.budget = int(config.option("quota_budget", 300))
        self.units = 0

    def call(self, method: str, params: dict[str, Any]) -> Any:
        cost = COST[method]
        if self.units + cost > self.budget:
            raise _QuotaSpent
        self.units += cost  # a failed call is charged too
        return fetch_json(
            self.ctx.http,
            "youtube",
            "GET",
            f"{self.base}/{method}",
            params={**params, "key": self.key},
            timeout=self.config.timeout_s,
        )

    def comments(self, video_id: str, mark: Watermark, limit: int) -> tuple[list[Mention], int, str | None]:
        """New top-level comments of a video, newest first down to the watermark."""
        params: dict[str, Any] = {
            "part": "snippet",
            "videoId": video_id,
            "order": "time",
            "maxResults": min(limit, 100),
            "textFormat": "plainText",
        }
        found: list[Mention] = []
        skipped = 0
        for _ in range(int(self.config.option("max_comment_pages", 1))):
            try:
                body = self.call("commentThreads", params)
            except SourceError as exc:
                if "commentsDisabled" in str(exc):
                    # Comments turned off on this one video: the others are still worth reading.
                    return found, skipped, f"comments of {video_id} unavailable: {exc}"
                raise
            mentions, bad = collect(_items(body), lambda item: _comment(item, self.ctx.retention_days))
            skipped += bad
            for mention in mentions:
                if mark.reached(mention.created_at, mention.external_id):
                    return found, skipped, None
                if mark.is_new(mention.created_at, mention.external_id) and len(found) < limit:
                    found.append(mention)
            token = body.get("nextPageToken")
            if not token or len(found) >= limit:
                break
            params["pageToken"] = token
        return found, skipped, None

    def enrich_videos(self, videos: list[Mention]) -> None:
        """Statistics and audio language from ``videos.list`` (1 unit per 50 videos)."""
        by_id = {v.extra["video_id"]: v for v in videos}
        ids = list(by_id)
        for start in range(0, len(ids), IDS_PER_CALL):
            body = self.call("videos", {"part": "snippet,statistics", "id": ",".join(ids[start : start + 50])})
            for item in _items(body):
                video = by_id.get(str(item.get("id"))) if isinstance(item, dict) else None
                if video is None:
                    continue
                stats = item.get("statistics") or {}
                snippet = item.get("snippet") or {}
                video.engagement = total(stats.get("likeCount"), stats.get("commentCount"))
                if (views := as_int(stats.get("viewCount"))) is not None:
                    video.extra["views"] = str(views)
                video.lang = primary_lang(snippet.get("defaultAudioLanguage") or snippet.get("defaultLanguage"))
                # search.list cuts the description at ~160 characters ("..."); videos.list has it whole,
                # as plain text (not entity-escaped like the search snippet).
                if description := plain_text(snippet.get("description")):
                    video.text = description

    def add_reach(self, mentions: list[Mention]) -> None:
        """Subscriber counts from ``channels.list`` (1 unit per 50 channels); hidden counts stay unknown."""
        channels = list(dict.fromkeys(m.extra["channel_id"] for m in mentions if m.extra.get("channel_id")))
        counts: dict[str, int] = {}
        for start in range(0, len(channels), IDS_PER_CALL):
            body = self.call("channels", {"part": "statistics", "id": ",".join(channels[start : start + 50])})
            for item in _items(body):
                stats = item.get("statistics") or {} if isinstance(item, dict) else {}
                count = as_int(stats.get("subscriberCount"))
                if count is not None and not stats.get("hiddenSubscriberCount"):
                    counts[str(item.get("id"))] = count
        for mention in mentions:
            mention.author.reach = counts.get(mention.extra.get("channel_id", ""), mention.author.reach)


def _items(body: Any) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("items", []), list):
        raise SourceError("youtube", "unexpected answer: no 'items' list; check the base_url")
    return list(body.get("items", []))


def _video(item: dict[str, Any], retention_days: int) -> Mention:
    video_id = str(item["id"]["videoId"])
    snippet = item["snippet"]
    channel = str(snippet["channelId"])
    title = strip_html(snippet["title"])
    return Mention(
        source="youtube",
        external_id=video_id,
        url=f"https://www.youtube.com/watch?v={video_id}",
        author=Author(
            handle=channel, name=snippet.get("channelTitle"), url=f"https://www.youtube.com/channel/{channel}"
        ),
        title=title,
        text=strip_html(snippet.get("description")) or title,
        created_at=parse_datetime(snippet["publishedAt"]),
        extra={"kind": "video", "video_id": video_id, "channel_id": channel},
        retention_days=retention_days,
    )


def _comment(item: dict[str, Any], retention_days: int) -> Mention:
    thread = item["snippet"]
    top = thread["topLevelComment"]
    snippet = top["snippet"]
    video_id = str(snippet.get("videoId") or thread["videoId"])
    channel = (snippet.get("authorChannelId") or {}).get("value")
    text = str(snippet.get("textOriginal") or strip_html(snippet["textDisplay"]))
    extra = {"kind": "comment", "video_id": video_id}
    if channel:
        extra["channel_id"] = str(channel)
    return Mention(
        source="youtube",
        external_id=str(top["id"]),
        url=f"https://www.youtube.com/watch?v={video_id}&lc={top['id']}",
        author=Author(handle=channel, name=snippet.get("authorDisplayName"), url=snippet.get("authorChannelUrl")),
        text=text,
        created_at=parse_datetime(snippet["publishedAt"]),
        engagement=total(snippet.get("likeCount"), thread.get("totalReplyCount")),
        extra=extra,
        retention_days=retention_days,
    )
