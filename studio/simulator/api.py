"""Flow Music song, job and account endpoints: validation exactly as the seed documents say."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl

from studio.simulator.models import TOKENS_PER_CREDIT, ApiError, SimAccount, SimJob, credits_of, iso
from studio.simulator.state import SimulatorState
from studio.simulator.wsgi import Request, Response, json_response

PROMPT_MAX = 10_000
LYRICS_MAX = 10_000
CHOICES = {
    "ghostwriter": ("standard", "pro"),
    "mode": ("sync", "async"),
    "model": ("lyria-3-pro", "lyria-3.5"),
}
_REF = re.compile(r"^ref(Image|Audio)(\d+)$")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def parse_body(req: Request, numbers: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A JSON object, or a multipart / urlencoded form (the documents allow form-data).

    A form sends every value as text: ``instrumental`` "true"/"false" and the fields named in
    ``numbers`` that read as numbers become booleans and numbers (a blank number is left out)."""
    raw = req.body()
    if raw.lstrip().startswith(b"{"):  # JSON, even when curl -d labelled it a form
        req.content_type = "application/json"
    if req.content_type == "multipart/form-data":
        head = f"Content-Type: {req.header('Content-Type')}\r\n\r\n".encode()
        message = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
        data: Any = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                data[str(name)] = part.get_content()
    elif req.content_type == "application/x-www-form-urlencoded":
        data = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    else:
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            raise ApiError(400, "Request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Request body must be a JSON object")
    if req.content_type != "application/json" and isinstance(data.get("instrumental"), str):
        flag = data["instrumental"].strip().lower()
        data["instrumental"] = {"true": True, "false": False}.get(flag, data["instrumental"])
    if req.content_type != "application/json":
        _form_numbers(data, numbers)
    req.json = data
    return data


def _form_numbers(data: dict[str, Any], names: frozenset[str]) -> None:
    for name in names & data.keys():
        value = data[name]
        if not isinstance(value, str):
            continue
        text = value.strip()
        if not text:
            del data[name]
        elif _NUMBER.fullmatch(text):
            data[name] = float(text) if any(c in text for c in ".eE") else int(text)


def text_param(data: dict, name: str, limit: int, *, required: bool = False) -> str | None:
    value = data.get(name)
    if value is None or (required and isinstance(value, str) and not value.strip()):
        if required:
            raise ApiError(400, f"Parameter {name} is required")
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"Parameter {name} must be a string")
    if len(value) > limit:
        raise ApiError(400, f"Parameter {name} must be at most {limit:,} characters")
    return value


def _validate_song(state: SimulatorState, data: dict[str, Any]) -> str | None:
    """Check a ``POST /music`` body; returns the account the reference assets belong to."""
    text_param(data, "prompt", PROMPT_MAX, required=True)
    text_param(data, "lyrics", LYRICS_MAX)
    text_param(data, "email", 320)
    check_choices(data, CHOICES)
    if "instrumental" in data and not isinstance(data["instrumental"], bool):
        raise ApiError(400, "Parameter instrumental must be a boolean")
    check_reply(state, data)
    owners = set()
    for key, value in data.items():
        match = _REF.match(key)
        if not match:
            continue
        kind, number = match.group(1).lower(), int(match.group(2))
        if not 1 <= number <= 10:
            raise ApiError(400, f"Parameter {key} is not supported (1 to 10)")
        asset = state.asset(value) if isinstance(value, str) else None
        if asset is None or asset.kind != kind:
            raise ApiError(400, f"Parameter {key} is not a known {kind} asset id")
        owners.add(asset.email)
    if len(owners) > 1:
        found = ", ".join(sorted(owners))
        raise ApiError(400, f"Reference assets must all come from one account (found {found})")
    return owners.pop() if owners else None


def check_choices(data: dict[str, Any], choices: Mapping[str, tuple[str, ...]]) -> None:
    for name, allowed in choices.items():
        if name in data and data[name] not in allowed:
            raise ApiError(400, f"Parameter {name} must be one of: {', '.join(allowed)}")


def check_reply(state: SimulatorState, data: dict[str, Any]) -> None:
    """``replyRef`` and ``replyUrl``, as every job-creating endpoint takes them."""
    text_param(data, "replyRef", 1_000)
    reply = text_param(data, "replyUrl", 2_000)
    if reply is not None and not reply.startswith(("http://", "https://")):
        raise ApiError(400, "Parameter replyUrl must be an http(s) URL")
    prefixes = state.reply_url_prefixes
    if reply is not None and prefixes is not None and not reply.startswith(prefixes):
        # Mounted inside Studio, the simulator posts only to Studio's own webhook: never a
        # request on a stranger's behalf to an address of their choosing.
        raise ApiError(400, "Parameter replyUrl must be this Studio's own webhook URL")


def pending_record(job: SimJob) -> dict[str, Any]:
    record = {"jobid": job.jobid, "email": job.email, "status": "pending"}
    if job.operation:
        record["operation"] = job.operation
    return {**record, "created_at": iso(job.created), "request": job.request}


def answer_job(state: SimulatorState, req: Request, job: SimJob) -> Response:
    """The answer to a request that created ``job``: 201 pending when async, else (sync) wait
    for the job; a failed (moderated) job answers 422 with the failed record."""
    req.jobid = job.jobid
    if job.request.get("mode", "sync") == "async":
        return json_response(201, pending_record(job))
    time.sleep(max(0.0, job.ready_at - time.time()))
    record = state.job_record(job, req.base_url)
    return json_response(422 if record["status"] == "failed" else 200, record)


def create_song(state: SimulatorState, req: Request) -> Response:
    data = parse_body(req)
    ref_email = _validate_song(state, data)
    job = state.submit_song(data, data.get("email"), ref_email, req.base_url)
    return answer_job(state, req, job)


def get_job(state: SimulatorState, req: Request, jobid: str) -> Response:
    job = state.job(jobid)
    if job is None:
        raise ApiError(404, f"Job {jobid} not found")
    return json_response(200, state.job_record(job, req.base_url))


def delete_job(state: SimulatorState, req: Request, jobid: str) -> Response:
    if not state.delete_job(jobid):
        raise ApiError(404, f"Job {jobid} not found")
    return Response(204, [], {})


def list_jobs(state: SimulatorState, req: Request) -> Response:
    now = time.time()
    result = {}
    for acct in state.accounts:
        running = state.running(acct.email, now)
        result[acct.email] = {
            "running": len(running),
            "maxJobs": acct.max_jobs,
            "jobs": [
                {
                    "jobid": j.jobid,
                    "status": "pending",
                    **({"operation": j.operation} if j.operation else {}),
                    "created_at": iso(j.created),
                }
                for j in running
            ],
        }
    return json_response(200, result)


def _account_json(acct: SimAccount, *, credits: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"email": acct.email, "maxJobs": acct.max_jobs}
    if acct.error:
        data["error"] = acct.error
    elif credits:
        data["credits_remaining"] = acct.credits
        data["tokens_remaining"] = acct.credits * TOKENS_PER_CREDIT
    return data


def list_accounts(state: SimulatorState, req: Request) -> Response:
    return json_response(200, {a.email: _account_json(a, credits=False) for a in state.accounts})


def get_account(state: SimulatorState, req: Request, email: str) -> Response:
    acct = state.account(email)
    if acct is None:
        raise ApiError(404, f"Account {email} not found")
    return json_response(200, _account_json(acct, credits=True))


def get_usage(state: SimulatorState, req: Request) -> Response:
    """``GET /accounts/usage?email=``: the account's ledger, oldest first, and its totals."""
    email = req.query.get("email", "")
    if not email.strip():
        raise ApiError(400, "Parameter email is required")
    snapshot = state.usage_snapshot(email)
    if snapshot is None:
        raise ApiError(404, f"Account {email} not found")
    acct, events, grant = snapshot
    return json_response(
        200, {"email": email, "events": events, "summary": _summary(acct, events, grant)}
    )


def _summary(acct: SimAccount, events: list[dict[str, Any]], grant: int) -> dict[str, Any]:
    by_type: dict[str, int] = {}
    for event in events:
        by_type[event["type"]] = by_type.get(event["type"], 0) + event["tokens"]
    charged = sum(by_type.values())
    return {
        "by_type_tokens": by_type,
        "by_type_credits": {kind: credits_of(tokens) for kind, tokens in by_type.items()},
        "total_charged_tokens": charged,
        "total_charged_credits": credits_of(charged),
        "total_received_tokens": grant * TOKENS_PER_CREDIT,
        "tokens_remaining": acct.credits * TOKENS_PER_CREDIT,
        "credits_remaining": acct.credits,
    }
