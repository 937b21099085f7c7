"""The simulator itself, over real HTTP with plain httpx (the clients are tested elsewhere)."""

from __future__ import annotations

import io
import json
import threading
import time
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import httpx
import pytest
from PIL import Image

from studio.simulator.models import SimAccount, iso
from studio.simulator.server import SimulatorServer

SONG = {"prompt": "lo-fi hip hop, mellow piano, 80 bpm, single take", "mode": "async"}


def wait_done(api, jobid: str) -> dict:
    for _ in range(100):
        record = api.get(f"/jobs/{jobid}").json()
        if record["status"] != "pending":
            return record
        time.sleep(0.02)
    raise AssertionError("job never finished")


def png_bytes(size=(8, 4)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def receiver():
    """A webhook receiver answering the statuses in ``answers`` (then 200), recording bodies."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            server.bodies.append(body)
            self.send_response(server.answers.pop(0) if server.answers else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.bodies, server.answers = [], []
    server.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def eventually(check, timeout=5.0):
    deadline = time.time() + timeout
    while not check():
        assert time.time() < deadline, "condition never became true"
        time.sleep(0.02)


def test_every_api_route_wants_the_bearer_token(simulator, api):
    for method, path in [("POST", "/music"), ("GET", "/jobs"), ("GET", "/accounts")]:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            r = httpx.request(method, simulator.flowmusic_url + path, headers=headers, json={})
            assert (r.status_code, r.json()) == (401, {"error": "Unauthorized", "code": 401})
    r = httpx.post(simulator.rsflowhub_url + "/ai/image-generation", json={"prompt": "x"})
    assert r.status_code == 401 and r.json()["success"] is False


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Parameter prompt is required"),
        ({"prompt": ""}, "Parameter prompt is required"),
        ({"prompt": "x" * 10_001}, "Parameter prompt must be at most 10,000 characters"),
        ({"prompt": "x", "lyrics": "y" * 10_001}, "Parameter lyrics must be at most 10,000"),
        ({"prompt": "x", "ghostwriter": "poet"}, "Parameter ghostwriter must be one of"),
        ({"prompt": "x", "mode": "later"}, "Parameter mode must be one of"),
        ({"prompt": "x", "model": "lyria-2"}, "Parameter model must be one of"),
        ({"prompt": "x", "instrumental": "yes"}, "Parameter instrumental must be a boolean"),
        ({"prompt": "x", "refImage1": "nope"}, "Parameter refImage1 is not a known image"),
        ({"prompt": "x", "email": "nobody@example.com"}, "Account nobody@example.com is not"),
    ],
)
def test_song_validation_answers_400(api, body, message):
    r = api.post("/music", json=body)
    assert r.status_code == 400 and r.json()["code"] == 400
    assert r.json()["error"].startswith(message)


def test_async_song_is_pending_then_completes_with_real_media(simulator, api):
    body = {"prompt": "upbeat funk groove, 110 bpm", "instrumental": True, "mode": "async"}
    r = api.post("/music", json=body)
    assert r.status_code == 201
    job = r.json()
    assert set(job) == {"jobid", "email", "status", "created_at", "request"}
    assert job["status"] == "pending" and job["request"] == body
    assert job["jobid"].startswith("job:") and job["jobid"].endswith(
        f"-{job['email']}-bot:flowmusic"
    )
    done = wait_done(api, job["jobid"])
    assert done["status"] == "completed" and done["duration_ms"] >= 0 and done["completed_at"]
    a, b = done["clips"]
    assert a["clip"] != b["clip"] and b["seed"] == a["seed"] + 1
    assert a["lyrics"] == "[Instrumental]" and a["title"]
    wav = httpx.get(a["wav_url"])
    assert wav.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(wav.content)) as w:
        assert abs(w.getnframes() / w.getframerate() - a["duration_s"]) < 0.1
    assert httpx.get(a["audio_url"]).content[4:8] == b"ftyp"
    assert httpx.get(a["image_url"]).content[:3] == b"\xff\xd8\xff"
    # The jobid URL-encoded works as well as raw.
    again = api.get("/jobs/" + quote(job["jobid"], safe="")).json()
    assert [c["clip"] for c in again["clips"]] == [a["clip"], b["clip"]]
    # Completed once its files were made (rendered for the first record asked for), as a real
    # upstream has them by then; and the same time however often it is asked.
    assert again["completed_at"] == done["completed_at"]
    rendered = simulator.state.job(job["jobid"]).rendered_at
    assert rendered and done["completed_at"] == iso(rendered)


def test_sync_mode_is_the_default_and_blocks_until_completed(api):
    r = api.post("/music", json={"prompt": "a single take of a waltz"})
    assert r.status_code == 200 and r.json()["status"] == "completed"
    assert len(r.json()["clips"]) == 1


def test_forbidden_prompt_fails_with_moderation_reject(api):
    job = api.post("/music", json={"prompt": "something Forbidden", "mode": "async"}).json()
    done = wait_done(api, job["jobid"])
    assert done["status"] == "failed" and "clips" not in done
    assert done["error"]["code"] == "moderation_reject"
    r = api.post("/music", json={"prompt": "forbidden again"})
    assert r.status_code == 422 and r.json()["status"] == "failed"


def test_account_errors_402_and_596(simulator, api):
    r = api.post("/music", json={**SONG, "email": "carol@example.com"})
    assert r.status_code == 402 and "insufficient credits" in r.json()["error"]
    r = api.post("/music", json={**SONG, "email": "broken@example.com"})
    assert r.json() == {
        "error": "Account broken@example.com in error state: refresh token rejected",
        "code": 596,
    }
    r = api.post("/files/generate", json={"prompt": "x", "email": "broken@example.com"})
    assert r.status_code == 596


def test_credits_go_down_and_accounts_are_listed(simulator, api):
    api.post("/music", json={**SONG, "email": "bob@example.com"})
    bob = api.get("/accounts/bob@example.com").json()
    assert bob == {
        "email": "bob@example.com",
        "maxJobs": 2,
        "credits_remaining": 990,
        "tokens_remaining": 990 * 12,
    }
    accounts = api.get("/accounts").json()
    assert accounts["broken@example.com"]["error"] == "refresh token rejected"
    assert "credits_remaining" not in api.get("/accounts/broken@example.com").json()
    assert api.get("/accounts/nobody@example.com").status_code == 404


def test_capacity_429_for_one_account_and_for_all(simulator, api):
    simulator.state.latency = 30
    for _ in range(2):
        assert api.post("/music", json={**SONG, "email": "bob@example.com"}).status_code == 201
    r = api.post("/music", json={**SONG, "email": "bob@example.com"})
    assert (
        r.json()["error"] == 'FlowMusic conversation failed (429): {"detail":"Too Many Requests"}'
    )
    for _ in range(3):  # bob is full: alice takes the rest
        assert api.post("/music", json=SONG).json()["email"] == "alice@example.com"
    r = api.post("/music", json=SONG)
    assert r.status_code == 429
    assert r.json()["error"].startswith("All 2 FlowMusic accounts are at their maxJobs")
    running = api.get("/jobs").json()
    assert (
        running["alice@example.com"]["running"] == 3 and running["bob@example.com"]["maxJobs"] == 2
    )
    assert simulator.state.max_running == {"bob@example.com": 2, "alice@example.com": 3}
    jobid = running["bob@example.com"]["jobs"][0]["jobid"]
    assert api.delete(f"/jobs/{jobid}").status_code == 204
    assert api.get(f"/jobs/{jobid}").status_code == 404
    assert api.post("/music", json={**SONG, "email": "bob@example.com"}).status_code == 201


def test_references_must_come_from_one_account(api):
    image = api.post("/files/generate", json={"prompt": "neon city", "email": "alice@example.com"})
    assert image.status_code == 200
    asset = image.json()
    assert asset["kind"] == asset["assetType"] == "image" and asset["width"] == 1024
    assert httpx.get(asset["url"]).content[:3] == b"\xff\xd8\xff"
    audio = api.post("/files?email=bob@example.com", content=b"ID3" + bytes(64),
                     headers={"Content-Type": "audio/mpeg"}).json()  # fmt: skip
    assert audio["kind"] == "audio" and audio["email"] == "bob@example.com"
    two = api.post("/music", json={**SONG, "refImage1": asset["id"], "refAudio1": audio["id"]})
    assert two.status_code == 400 and "one account" in two.json()["error"]
    other = api.post("/music", json={**SONG, "refImage1": asset["id"], "email": "bob@example.com"})
    assert other.status_code == 400
    wrong_kind = api.post("/music", json={**SONG, "refAudio1": asset["id"]})
    assert wrong_kind.status_code == 400
    job = api.post("/music", json={**SONG, "refImage1": asset["id"]}).json()
    assert job["email"] == "alice@example.com"


def test_generated_image_declined_for_forbidden_prompt(api):
    r = api.post("/files/generate", json={"prompt": "a forbidden picture"})
    assert r.json() == {
        "error": 'FlowMusic image generation failed (500): "Internal Server Error"',
        "code": 500,
    }


@pytest.mark.parametrize(
    ("content_type", "content", "status"),
    [
        ("image/png", png_bytes(), 200),
        ("image/png", b"\xff\xd8\xff" + bytes(20), 400),  # a JPEG body declared as PNG
        ("text/plain", b"hello", 400),
        ("image/jpeg", b"", 400),
        ("image/jpeg", b"\xff\xd8\xff" + bytes(20 * 1024 * 1024), 413),
    ],
)
def test_upload_checks_type_bytes_and_size(api, content_type, content, status):
    r = api.post("/files", content=content, headers={"Content-Type": content_type})
    assert r.status_code == status, r.text
    if status == 200:
        assert r.json()["width"] == 8 and r.json()["height"] == 4
        assert httpx.get(r.json()["url"]).content == content


def test_media_urls_expire_and_support_ranges(simulator, api):
    url = api.post("/files", content=png_bytes(), headers={"Content-Type": "image/png"}).json()[
        "url"
    ]
    whole = httpx.get(url)
    assert whole.headers["accept-ranges"] == "bytes"
    assert int(whole.headers["content-length"]) == len(whole.content)
    part = httpx.get(url, headers={"Range": "bytes=2-9"})
    assert part.status_code == 206 and part.content == whole.content[2:10]
    assert part.headers["content-range"] == f"bytes 2-9/{len(whole.content)}"
    assert httpx.get(url, headers={"Range": "bytes=-4"}).content == whole.content[-4:]
    assert httpx.get(url, headers={"Range": "bytes=99999-"}).status_code == 416
    assert httpx.get(url.replace("sig=", "sig=0")).status_code == 403
    simulator.state.media_ttl = -5
    expired = api.post("/files", content=png_bytes(), headers={"Content-Type": "image/png"})
    assert httpx.get(expired.json()["url"]).status_code == 403


def test_webhook_is_retried_and_carries_reply_ref(simulator, api, receiver):
    simulator.state.webhook_backoff = (0.01, 0.01, 0.01)
    receiver.answers = [500, 503]
    body = {**SONG, "prompt": "forbidden", "replyUrl": receiver.url, "replyRef": "gen-7"}
    jobid = api.post("/music", json=body).json()["jobid"]
    eventually(lambda: len(simulator.state.webhook_log) == 3)
    assert receiver.bodies[-1]["replyRef"] == "gen-7" and receiver.bodies[-1]["jobid"] == jobid
    assert receiver.bodies[-1]["status"] == "failed"
    assert [a.status for a in simulator.state.webhook_log] == [500, 503, 200]


def test_webhook_repeat_and_disabled(simulator, api, receiver):
    simulator.state.webhook_repeat = 2
    api.post("/music", json={**SONG, "replyUrl": receiver.url})
    eventually(lambda: len(simulator.state.webhook_log) == 2)
    assert receiver.bodies[0] == receiver.bodies[1]
    assert receiver.bodies[0]["status"] == "completed" and len(receiver.bodies[0]["clips"]) == 1
    simulator.state.webhooks_enabled = False
    jobid = api.post("/music", json={**SONG, "replyUrl": receiver.url}).json()["jobid"]
    wait_done(api, jobid)
    time.sleep(0.1)
    assert len(receiver.bodies) == 2


@pytest.mark.parametrize("status", ["429", "500", "503"])
def test_injected_error_statuses(simulator, api, status):
    simulator.state.inject("GET /accounts", status, count=2)
    for _ in range(2):
        r = api.get("/accounts")
        assert r.status_code == int(status) and r.json()["code"] == int(status)
    assert r.headers.get("retry-after") == ("1" if status == "429" else None)
    assert api.get("/accounts").status_code == 200


def test_drop_creates_nothing_but_accept_then_drop_creates_the_job(simulator, api):
    state = simulator.state
    state.inject("POST /music", "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/music", json=SONG)
    assert state.accepted_songs() == [] and state.jobs() == []
    assert state.requests[-1].status is None and state.requests[-1].json == SONG
    state.inject("POST /music", "accept_then_drop")
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/music", json={**SONG, "email": "bob@example.com"})
    [accepted] = state.accepted_songs()
    assert accepted.status is None and state.job(accepted.jobid) is not None
    assert api.get("/accounts/bob@example.com").json()["credits_remaining"] == 990


@pytest.mark.parametrize("action", ["timeout", "accept_then_timeout"])
def test_timeouts_answer_after_the_client_gave_up(simulator, api, action):
    simulator.state.inject("POST /music", action, delay=0.5)
    with pytest.raises(httpx.ReadTimeout):
        api.post("/music", json=SONG, timeout=0.2)
    assert bool(simulator.state.jobs()) == (action == "accept_then_timeout")
    eventually(lambda: len(simulator.state.jobs()) == 1)


def test_rsflowhub_images_and_credits(simulator):
    url = simulator.rsflowhub_url + "/ai/image-generation"
    auth = {"Authorization": f"Bearer {simulator.token}"}
    body = {"prompt": "product hero", "style": "illustration", "size": "1024x1792", "n": 2}
    r = httpx.post(url, json=body, headers=auth, timeout=10)
    assert r.status_code == 200 and r.json()["meta"] == {
        "credits_used": 80,
        "credits_remaining": 920,
    }
    image = httpx.get(r.json()["data"]["result"]["images"][1])
    assert Image.open(io.BytesIO(image.content)).size == (1024, 1792)
    bad = httpx.post(url, json={"prompt": "x", "n": 5}, headers=auth)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_request"
    simulator.state.rsflowhub_credits = 10
    assert httpx.post(url, json={"prompt": "x"}, headers=auth).status_code == 402


def test_own_accounts_and_server_lifecycle():
    accounts = [SimAccount("solo@example.com", max_jobs=1, credits=10)]
    with SimulatorServer(token="t", accounts=accounts, latency=0) as server:
        auth = {"Authorization": "Bearer t"}
        r = httpx.post(server.flowmusic_url + "/music", json=SONG, headers=auth)
        assert r.json()["email"] == "solo@example.com"
        r = httpx.post(server.flowmusic_url + "/music", json=SONG, headers=auth)
        assert r.status_code == 402


def test_mounted_in_django(client, settings):
    if not settings.FLOWMUSIC_SIMULATED:
        pytest.skip("the simulator is only mounted without FLOWMUSIC_API_TOKEN")
    from studio.simulator.views import default_state

    state = default_state()
    state.latency = 0
    auth = {"HTTP_AUTHORIZATION": f"Bearer {settings.SIMULATOR_TOKEN}"}
    try:
        r = client.post("/simulator/v1/flowmusic/files", png_bytes(), "image/png", **auth)
        assert r.status_code == 200, r.content
        url = r.json()["url"]
        assert url.startswith("http://testserver/simulator/v1/flowmusic/_media/file/")
        part = client.get(url.removeprefix("http://testserver"), HTTP_RANGE="bytes=0-7")
        assert part.status_code == 206 and b"".join(part.streaming_content) == png_bytes()[:8]
        r = client.post("/simulator/v1/flowmusic/music", SONG, "application/json", **auth)
        assert r.status_code == 201 and r.json()["status"] == "pending"
        assert client.get("/simulator/v1/flowmusic/jobs").status_code == 401
    finally:
        state.reset()
