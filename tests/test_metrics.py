"""/metrics: bearer-token access, the Prometheus text format, and what a song leaves in it."""

from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from studio.ops.metrics import recorder
from studio.ops.models import MetricCounter
from studio.songs.models import UpstreamAccount
from studio.teams.middleware import FIRST_RUN_EXEMPT
from studio.upstream import download, errors, http
from studio.upstream.download import Limits
from tests.pipeline import Status, drive, settled, song
from tests.test_upstream_download import WAV, MediaHandler, serving
from tests.test_upstream_http import EchoClient

TOKEN = "metrics-token-9b1f27"
BEARER = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client) -> dict[str, list]:
    """The samples of each metric family, from a parse that proves the text is valid."""
    response = client.get("/metrics", **BEARER)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = response.content.decode()
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def value(samples, name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and labels.items() <= s.labels.items()]
    assert found, f"no {name} with {labels}: {samples}"
    return sum(found)


def test_without_metrics_token_there_is_no_endpoint(client, owner, settings):
    settings.METRICS_TOKEN = None
    assert client.get("/metrics", **BEARER).status_code == 404


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN, "Bearer"]
)
def test_a_missing_or_wrong_token_is_401(client, owner, metrics_on, authorization):
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    response = client.get("/metrics", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"studio_" not in response.content


def test_the_token_is_enough_without_a_login(client, owner, metrics_on):
    families = scrape(client)  # an anonymous client: no session, no redirect to the login
    assert {"studio_jobs", "studio_queue_depth", "studio_upstream_responses"} <= families.keys()
    assert value(families["studio_jobs"], "studio_jobs", status="completed") == 0


@pytest.mark.skipif(
    "/metrics" not in FIRST_RUN_EXEMPT,
    reason='needs "/metrics" in FIRST_RUN_EXEMPT (studio/teams/middleware.py)',
)
def test_metrics_work_before_the_first_account_exists(client, db, metrics_on):
    assert "studio_jobs" in scrape(client)


def test_the_token_never_reaches_the_logs(client, owner, metrics_on, caplog):
    caplog.set_level(logging.DEBUG)
    client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x")
    client.get("/metrics", **BEARER)
    assert caplog.records and TOKEN not in caplog.text


@pytest.mark.usefixtures("pipeline")
def test_a_song_shows_in_jobs_latencies_upstream_calls_ingest_and_credits(
    client, team, owner, metrics_on
):
    recorder.flush()  # counts other tests left in this process's buffer
    MetricCounter.objects.all().delete()
    generation = song(team, owner)
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED, generation.error_message

    families = scrape(client)
    assert value(families["studio_jobs"], "studio_jobs", status="completed") == 1
    assert value(families["studio_jobs"], "studio_jobs", status="queued") == 0
    posts = families["studio_upstream_responses"]
    total = "studio_upstream_responses_total"
    assert value(posts, total, method="POST", endpoint="/music", status="201") == 1
    assert value(posts, total, method="GET", endpoint="/jobs/{id}", status="200") >= 1
    assert all("@" not in s.labels["endpoint"] for s in posts)  # no emails, no job ids
    ingest = families["studio_ingest_bytes"]
    assert value(ingest, "studio_ingest_bytes_total", outcome="ok") > 0
    assert value(families["studio_ingest_downloads"], "studio_ingest_downloads_total") >= 2

    for name in ("studio_submission_latency_seconds", "studio_completion_latency_seconds"):
        samples = families[name]
        assert value(samples, f"{name}_count") == 1
        assert value(samples, f"{name}_bucket", le="+Inf") == 1
        assert value(samples, f"{name}_sum") >= 0
        buckets = [s.value for s in samples if s.name == f"{name}_bucket"]
        assert buckets == sorted(buckets)  # cumulative

    credits = families["studio_upstream_credits_remaining"]
    known = dict(UpstreamAccount.objects.values_list("email", "credits_remaining"))
    assert credits and {s.labels["account"]: s.value for s in credits} == {
        email: left for email, left in known.items() if left is not None
    }


def test_the_grafana_dashboard_asks_for_a_datasource_and_uses_real_metrics(
    client, owner, metrics_on
):
    dashboard = json.loads(
        (Path(__file__).parent.parent / "deploy/grafana-dashboard.json").read_text()
    )
    assert [i["name"] for i in dashboard["__inputs"]] == ["DS_PROMETHEUS"]
    queries = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert all(
        p["datasource"]["uid"] == "${DS_PROMETHEUS}" for p in dashboard["panels"] if "targets" in p
    )
    text = client.get("/metrics", **BEARER).content.decode()
    used = {name for query in queries for name in re.findall(r"studio_\w+", query)}
    assert used and not [name for name in used if name not in text]


# --- the observer hooks in studio.upstream ------------------------------------------------


@pytest.fixture
def seen(monkeypatch):
    calls: list[tuple] = []
    monkeypatch.setattr(http, "response_observers", [lambda *args: calls.append(args)])
    monkeypatch.setattr(download, "download_observers", [lambda *args: calls.append(args)])
    return calls


def test_upstream_calls_are_reported_with_a_path_template(seen):
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404 if "nope" in str(request.url) else 200, json={})

    transport = httpx.MockTransport(answer)
    with EchoClient("http://upstream.test/v1/", "secret", timeout=5, transport=transport) as api:
        api.get("/jobs/job%3Aab12-user%3A7-alice%40example.com-bot%3Aflowmusic")
        api.get("/accounts/alice%40example.com")
        api.get("/accounts/usage?email=alice%40example.com")
        api.create("/music/edit", {})
        with pytest.raises(errors.NotFound):
            api.get("/jobs/nope1")
    assert [(method, endpoint, status) for _, method, endpoint, status, _ in seen] == [
        ("GET", "/jobs/{id}", "200"),
        ("GET", "/accounts/{id}", "200"),
        ("GET", "/accounts/usage", "200"),
        ("POST", "/music/edit", "200"),
        ("GET", "/jobs/{id}", "404"),
    ]
    assert all(service == "Flow Music" and seconds >= 0 for service, *_, seconds in seen)


def test_a_request_that_got_no_answer_is_reported_by_its_error(seen):
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    transport = httpx.MockTransport(refuse)
    api = EchoClient("http://upstream.test", "secret", timeout=5, transport=transport)
    with api, pytest.raises(errors.ConnectionFailed):
        api.get("/accounts")
    assert [s[1:4] for s in seen] == [("GET", "/accounts", "ConnectError")]


@pytest.fixture(scope="module")
def media_host():
    with serving(MediaHandler) as origin:
        yield origin


def fetch(media_host: str, path: str, directory) -> None:
    limits = Limits(max_bytes=10 * download.MB, deadline=10.0)
    with download.media_client() as media:
        download.download(
            media, media_host + path, directory, limits=limits, allowed_origins=(media_host,)
        )


def test_an_observer_that_raises_never_breaks_the_request(
    monkeypatch, caplog, media_host, tmp_path
):
    def broken(*args: object) -> None:
        raise ValueError("observer bug")

    monkeypatch.setattr(http, "response_observers", [broken])
    monkeypatch.setattr(download, "download_observers", [broken])
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"abc"))
    with EchoClient("http://upstream.test", "secret", timeout=5, transport=transport) as api:
        assert api.get("/accounts").content == b"abc"
    fetch(media_host, "/song.wav", tmp_path)
    assert [p.read_bytes() for p in tmp_path.iterdir()] == [WAV]
    logged = [r for r in caplog.records if r.exc_info and "observer bug" in str(r.exc_info[1])]
    assert len(logged) == 2


def test_downloads_are_reported_with_bytes_and_outcome(seen, media_host, tmp_path):
    fetch(media_host, "/song.wav", tmp_path)
    with pytest.raises(download.DownloadFailed):
        fetch(media_host, "/status/410", tmp_path)
    assert [(size, outcome) for size, _, outcome in seen] == [
        (len(WAV), "ok"),
        (0, "DownloadFailed"),
    ]


# --- the recorder ------------------------------------------------------------------------


def test_counts_from_a_thread_without_database_wait_for_the_next_flush(transactional_db):
    recorder.flush()
    MetricCounter.objects.all().delete()
    worker = threading.Thread(target=recorder.media_download, args=(100, 0.5, "ok"))
    worker.start()
    worker.join()
    assert not MetricCounter.objects.filter(name="ingest_bytes").exists()
    recorder.media_download(20, 0.1, "ok")  # this thread has a connection: writes both
    assert MetricCounter.objects.get(name="ingest_bytes").value == 120
    assert MetricCounter.objects.get(name="ingest_downloads").value == 2
