"""The shared HTTP base: the status table, failures without an answer, what every request carries
and what no log or error may carry. httpx.MockTransport gives the answers the simulator cannot
give; the rest runs against the simulator over real HTTP, through a bare BearerClient."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from studio.ops.bench.common import spare_port
from studio.upstream import errors
from studio.upstream.http import (
    CONNECT_TIMEOUT,
    USER_AGENT,
    BearerClient,
    Service,
    error_for_exception,
    error_for_response,
    parse_body,
    parse_retry_after,
)

SECRET = "secret-token-4d2e"
SERVICE = Service("Flow Music", "FLOWMUSIC_API_TOKEN")
SHORT_TIMEOUT = 0.3


class EchoClient(BearerClient):
    """The base with nothing on top: a read, and a call that creates something."""

    service = SERVICE

    def get(self, path: str) -> httpx.Response:
        return self._request("GET", path, idempotent=True)

    def create(self, path: str, body: dict[str, str]) -> httpx.Response:
        return self._request("POST", path, idempotent=False, json=body)


def mocked(answer: Callable[[httpx.Request], httpx.Response]) -> EchoClient:
    return EchoClient(
        "http://upstream.test/v1", SECRET, timeout=5, transport=httpx.MockTransport(answer)
    )


def answer_error(status: int, body: object = None, idempotent: bool = True, **headers: str):
    body = {"error": "upstream says no", "code": status} if body is None else body
    content = {"json": body} if isinstance(body, dict) else {"text": str(body)}
    response = httpx.Response(status, headers=headers, **content)
    return error_for_response(response, service=SERVICE, idempotent=idempotent, secret=SECRET)


@pytest.mark.parametrize(
    ("status", "error_class", "message"),
    [
        (400, errors.BadRequest, "Flow Music rejected the request: upstream says no"),
        (
            401,
            errors.Unauthorized,
            "Flow Music rejected our API token: an admin must fix FLOWMUSIC_API_TOKEN.",
        ),
        (
            402,
            errors.InsufficientCredits,
            "The Flow Music account has no credits left: top up its credits or choose another "
            "account.",
        ),
        (
            403,
            errors.Forbidden,
            "Flow Music refused access: this item belongs to another account or API token.",
        ),
        (
            404,
            errors.NotFound,
            "Flow Music does not know this item: it does not exist or has expired.",
        ),
        (
            413,
            errors.PayloadTooLarge,
            "The file is too large for Flow Music: images up to 20 MB, audio up to 40 MB.",
        ),
        (
            422,
            errors.Moderated,
            "Flow Music's content filter blocked this prompt. Change the words it objects to "
            "(real artists' names, lyrics you did not write, explicit content) and try again.",
        ),
        (409, errors.UpstreamError, "Flow Music refused the request (409): upstream says no"),
    ],
)
def test_each_client_error_status_has_its_class_and_message(status, error_class, message):
    for idempotent in (True, False):
        error = answer_error(status, idempotent=idempotent)
        assert type(error) is error_class
        assert (error.message, str(error)) == (message, message)
        assert (error.status, error.kind, error.retry_after) == (status, errors.PERMANENT, None)
        assert error.detail == "upstream says no"


def test_429_is_transient_and_reads_retry_after():
    error = answer_error(429, **{"Retry-After": "12"})
    assert type(error) is errors.RateLimited and error.kind == errors.TRANSIENT
    assert error.message == "Flow Music is busy (too many generations at once); try again shortly."
    assert error.retry_after == 12.0
    assert answer_error(429).retry_after is None


@pytest.mark.parametrize("status", [500, 502, 503, 599])
def test_a_5xx_is_transient_for_reads_and_ambiguous_for_creates(status):
    read = answer_error(status, idempotent=True, **{"Retry-After": "5"})
    assert type(read) is errors.ServerError and read.kind == errors.TRANSIENT
    assert read.message == f"Flow Music had a temporary failure ({status}); try again shortly."
    assert read.retry_after is None
    create = answer_error(status, idempotent=False)
    assert type(create) is errors.ServerError and create.kind == errors.AMBIGUOUS
    assert create.message == (
        f"Flow Music failed while handling the request ({status}); it may still have been "
        "accepted, so check before resubmitting."
    )


def test_596_names_the_account_when_the_upstream_does():
    body = {"error": "Account dan@example.com in error state: cookie expired ", "code": 596}
    named = answer_error(596, body)
    assert type(named) is errors.AccountError and named.kind == errors.PERMANENT
    assert named.message == (
        "The Flow Music account dan@example.com is in an error state (cookie expired): "
        "re-add it upstream."
    )
    vague = answer_error(596, {"error": "broken", "code": 596})
    assert (
        vague.message == "A Flow Music account is in an error state (broken): re-add it upstream."
    )


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"error": {"code": "x", "message": "nested"}}, "nested"),
        ({"message": "top level"}, "top level"),
        ({"error": ""}, '{"error":""}'),
        ("  plain text  ", "plain text"),
        ("", "Bad Request"),
        ("x" * 600, "x" * 500),
        (f"token {SECRET} leaked", "token [redacted] leaked"),
    ],
)
def test_the_detail_is_the_upstream_text_without_the_secret(body, detail):
    assert answer_error(400, body).detail == detail


@pytest.mark.parametrize(
    ("exc", "idempotent", "error_class", "kind"),
    [
        (httpx.ConnectTimeout("slow"), False, errors.UpstreamTimeout, errors.TRANSIENT),
        (httpx.PoolTimeout("busy"), False, errors.UpstreamTimeout, errors.TRANSIENT),
        (httpx.ReadTimeout("slow"), True, errors.UpstreamTimeout, errors.TRANSIENT),
        (httpx.ReadTimeout("slow"), False, errors.UpstreamTimeout, errors.AMBIGUOUS),
        (httpx.ConnectError("refused"), False, errors.ConnectionFailed, errors.TRANSIENT),
        (httpx.UnsupportedProtocol("ftp"), True, errors.ConnectionFailed, errors.PERMANENT),
        (httpx.LocalProtocolError("bad"), False, errors.ConnectionFailed, errors.PERMANENT),
        (httpx.RemoteProtocolError("drop"), True, errors.ConnectionFailed, errors.TRANSIENT),
        (httpx.ReadError("drop"), False, errors.ConnectionFailed, errors.AMBIGUOUS),
    ],
)
def test_failures_without_an_answer(exc, idempotent, error_class, kind):
    error = error_for_exception(exc, service=SERVICE, idempotent=idempotent, secret=SECRET)
    assert type(error) is error_class and error.kind == kind and error.status is None
    assert ("may still have been accepted" in error.message) == (kind == errors.AMBIGUOUS)


def test_the_secret_is_scrubbed_from_exception_details():
    exc = httpx.LocalProtocolError(f"Illegal header value b'Bearer {SECRET}\\n'")
    error = error_for_exception(exc, service=SERVICE, idempotent=True, secret=SECRET)
    assert SECRET not in error.detail and "[redacted]" in error.detail


def test_an_unreadable_success_is_a_server_error():
    response = httpx.Response(200, text="<html>not json</html>")
    with pytest.raises(errors.ServerError) as read:
        parse_body(response, dict, service=SERVICE, idempotent=True)
    assert read.value.kind == errors.TRANSIENT and read.value.detail == "JSONDecodeError"
    assert read.value.message == "Flow Music sent an answer we could not read; try again shortly."
    created = httpx.Response(201, json=[])
    with pytest.raises(errors.ServerError) as create:
        parse_body(created, lambda data: data["jobid"], service=SERVICE, idempotent=False)
    assert create.value.kind == errors.AMBIGUOUS and create.value.status == 201


def test_parse_retry_after():
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    in_30s = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(in_30s, now=now) == 30.0
    assert parse_retry_after("Mon, 01 Jun 2026 12:00:10", now=now) == 10.0  # no zone: UTC
    assert parse_retry_after(format_datetime(now - timedelta(hours=1)), now=now) == 0.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("-3") == 0.0
    for value in (None, "", "  ", "soon", "nan", "inf"):
        assert parse_retry_after(value) is None


def test_every_request_carries_auth_user_agent_and_timeouts(caplog):
    caplog.set_level(logging.DEBUG)
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    transport = httpx.MockTransport(answer)
    with EchoClient("http://upstream.test/v1/", SECRET, timeout=7, transport=transport) as client:
        assert client.get("/accounts").json() == {"ok": True}
        assert client.base_url == "http://upstream.test/v1"
        assert SECRET not in repr(client)
        assert client._http.timeout == httpx.Timeout(7, connect=CONNECT_TIMEOUT)
    [request] = seen
    assert request.url == "http://upstream.test/v1/accounts"
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.headers["Authorization"] == f"Bearer {SECRET}"
    assert "Flow Music GET /v1/accounts -> 200" in caplog.text


def test_retry_after_as_an_http_date():
    def answer(request: httpx.Request) -> httpx.Response:
        when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
        return httpx.Response(
            429, json={"error": "busy", "code": 429}, headers={"Retry-After": when}
        )

    with mocked(answer) as client, pytest.raises(errors.RateLimited) as caught:
        client.create("/music", {"prompt": "hello"})
    assert caught.value.retry_after is not None and 25 <= caught.value.retry_after <= 30


# --- over real HTTP: the simulator's injected faults ------------------------------------------


def test_the_token_never_reaches_logs_or_errors(simulator, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-secret-7f3a9c"
    simulator.state.inject("GET /accounts", "drop")
    failures = []
    with (
        EchoClient(simulator.flowmusic_url, simulator.token, timeout=5) as client,
        EchoClient(simulator.flowmusic_url, wrong, timeout=5) as intruder,
    ):
        calls = [lambda: client.get("/accounts"), lambda: client.get("/jobs/job:nope")]
        for call in [*calls, lambda: intruder.create("/music", {"prompt": "hello"})]:
            try:
                call()
            except errors.UpstreamError as exc:
                failures.append(exc)
    assert [e.status for e in failures] == [None, 404, 401]
    assert "FLOWMUSIC_API_TOKEN" in failures[-1].message and failures[-1].kind == errors.PERMANENT
    texts = [caplog.text, *(str(r.args) for r in caplog.records), repr(client), repr(intruder)]
    texts += [t for e in failures for t in (str(e), repr(e), e.detail)]
    assert not [t for t in texts if simulator.token in t or wrong in t]


@pytest.mark.parametrize(
    ("action", "error_class"),
    [
        ("500", errors.ServerError),
        ("503", errors.ServerError),
        ("drop", errors.ConnectionFailed),
        ("timeout", errors.UpstreamTimeout),
    ],
)
def test_read_failures_are_transient(simulator, action, error_class):
    simulator.state.inject("GET /accounts", action, delay=1.0)
    client = EchoClient(simulator.flowmusic_url, simulator.token, timeout=SHORT_TIMEOUT)
    with client, pytest.raises(error_class) as caught:
        client.get("/accounts")
    assert caught.value.kind == errors.TRANSIENT
    assert "may still have been accepted" not in caught.value.message
    time.sleep(1.3 if action == "timeout" else 0)  # let the simulator finish the request


def test_an_injected_429_carries_retry_after(simulator):
    simulator.state.inject("POST /music", "429")
    client = EchoClient(simulator.flowmusic_url, simulator.token, timeout=5)
    with client, pytest.raises(errors.RateLimited) as caught:
        client.create("/music", {"prompt": "hello"})
    assert caught.value.retry_after == 1.0 and caught.value.kind == errors.TRANSIENT
    assert simulator.state.accepted_songs() == []


def test_nothing_listening_is_transient_even_for_a_create():
    port = spare_port()
    client = EchoClient(f"http://127.0.0.1:{port}/v1/flowmusic", "t", timeout=5)
    with client, pytest.raises(errors.ConnectionFailed) as caught:
        client.create("/music", {"prompt": "never sent"})
    assert caught.value.kind == errors.TRANSIENT
