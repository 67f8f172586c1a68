"""Mastodon connector: tag timelines per instance with min_id, token-only search on its own instance."""

from __future__ import annotations

import respx

from chalicelib.sources.base import FetchRequest, SourceConfig
from chalicelib.sources.mastodon import MastodonSource, hashtag
from tests.unit.sources_support import context, ok, params

SOCIAL = "https://mastodon.social"
FOSS = "https://fosstodon.org"


def test_tag_timeline_first_run_normalises_statuses() -> None:
    with respx.mock() as router:
        timeline = router.get(f"{SOCIAL}/api/v1/timelines/tag/veille").mock(
            return_value=ok("mastodon", "tag_timeline.json")
        )
        result = MastodonSource().fetch(SourceConfig(type="mastodon"), FetchRequest(terms=["Veille"]), context())

    assert timeline.call_count == 1  # no cursor: only the newest page
    assert "min_id" not in params(timeline.calls[0])
    assert result.skipped == 1
    first, julie, devon = result.mentions
    assert first.external_id == "https://mastodon.social/users/mastodonpy_test_2/statuses/117020593741189701"
    assert first.url == "https://mastodon.social/@mastodonpy_test_2/117020593741189701"
    assert first.text == "#veille (hashtag toot) Veille's digest landed in my inbox"
    assert first.lang == "en" and first.author.reach == 0
    assert julie.text == "Nous avons branché #veille sur nos avis clients.\nTrès utile !"
    assert julie.lang == "fr" and julie.author.reach == 310 and julie.engagement == 8
    assert julie.author.handle == "julie@mastodon.social"
    assert devon.author.handle == "devon@fosstodon.org"
    assert result.cursor == {"last_ids": {"https://mastodon.social#veille": "117020593741189701"}}


def test_second_run_asks_for_statuses_after_min_id() -> None:
    cursor = {"last_ids": {"https://mastodon.social#veille": "117020593741189701"}}
    with respx.mock() as router:
        timeline = router.get(f"{SOCIAL}/api/v1/timelines/tag/veille").mock(
            return_value=ok("mastodon", "tag_incremental.json")
        )
        result = MastodonSource().fetch(
            SourceConfig(type="mastodon"), FetchRequest(terms=["veille"], cursor=cursor), context()
        )

    assert params(timeline.calls[0])["min_id"] == "117020593741189701"
    assert [m.extra["status_id"] for m in result.mentions] == ["117020600000000000"]
    assert result.cursor == {"last_ids": {"https://mastodon.social#veille": "117020600000000000"}}


def test_token_is_sent_only_to_its_own_instance() -> None:
    config = SourceConfig(type="mastodon", instances=["mastodon.social", "fosstodon.org"], tags="veille")
    with respx.mock() as router:
        social_tag = router.get(f"{SOCIAL}/api/v1/timelines/tag/veille").mock(
            return_value=ok("mastodon", "tag_incremental.json")
        )
        foss_tag = router.get(f"{FOSS}/api/v1/timelines/tag/veille").mock(
            return_value=ok("mastodon", "tag_timeline.json")
        )
        search = router.get(f"{SOCIAL}/api/v2/search").mock(return_value=ok("mastodon", "search.json"))
        result = MastodonSource().fetch(
            config, FetchRequest(terms=["veille"]), context({"VEILLE_MASTODON_TOKEN": "tok"})
        )

    assert search.calls[0].request.headers["authorization"] == "Bearer tok"
    assert params(search.calls[0])["type"] == "statuses"
    assert "authorization" not in social_tag.calls[0].request.headers
    assert "authorization" not in foss_tag.calls[0].request.headers
    assert set(result.cursor["last_ids"]) == {
        "https://mastodon.social#veille",
        "https://fosstodon.org#veille",
        "https://mastodon.social?veille",
    }
    assert any(m.author.handle == "ops_tom@mastodon.social" for m in result.mentions)


def test_hashtag_form_of_terms() -> None:
    assert hashtag("Veille App") == "veilleapp"
    assert hashtag("café-crème") == "cafécrème"
