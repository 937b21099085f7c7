"""Image and upload endpoints: Flow Music ``/files/generate`` and ``/files``, rsflowhub images."""

from __future__ import annotations

import uuid
from typing import Any

from PIL import Image

from studio.simulator import media, render
from studio.simulator.api import parse_body, text_param
from studio.simulator.models import FORBIDDEN, ApiError
from studio.simulator.state import SimulatorState
from studio.simulator.wsgi import Request, Response, json_response

FLOWMUSIC = "/v1/flowmusic"
RSFLOWHUB = "/api/v1"
IMAGE_PROMPT_MAX = 2_000
RSFLOWHUB_PROMPT_MAX = 4_000
RSFLOWHUB_STYLES = ("photorealistic", "illustration", "3d_render", "anime", "watercolor")
#: size -> credit factor; 20 credits per image times this.
RSFLOWHUB_SIZES = {"512x512": 1, "1024x1024": 1, "1024x1792": 2, "1792x1024": 2}
RSFLOWHUB_IMAGE_COST = 20
RSFLOWHUB_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    402: "insufficient_credits",
    403: "forbidden",
    404: "not_found",
    413: "payload_too_large",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


def _asset_json(state: SimulatorState, req: Request, asset) -> dict[str, Any]:
    return {
        "id": asset.id,
        "url": state.media_url(req.base_url, FLOWMUSIC, "file", asset.name),
        "kind": asset.kind,
        "assetType": asset.kind,
        "email": asset.email,
        "width": asset.width,
        "height": asset.height,
        "model": asset.model,
    }


def generate_image(state: SimulatorState, req: Request) -> Response:
    data = parse_body(req)
    prompt = text_param(data, "prompt", IMAGE_PROMPT_MAX, required=True)
    email = text_param(data, "email", 320)
    acct = state.usable_account(email)
    if FORBIDDEN.search(prompt or ""):
        raise ApiError(500, 'FlowMusic image generation failed (500): "Internal Server Error"')
    image = render.render_image(prompt or "", width=1024, height=1024, fmt="JPEG")
    asset, path = state.add_asset(
        acct.email, "image", "image/jpeg", "jpg", width=1024, height=1024,
        model="google-generative-ai",
    )  # fmt: skip
    path.write_bytes(image)
    return json_response(200, _asset_json(state, req, asset))


def upload_file(state: SimulatorState, req: Request) -> Response:
    """Raw body upload; the Content-Type must be allowed and match the bytes (magic numbers)."""
    content_type = req.content_type
    if content_type not in media.UPLOAD_TYPES:
        allowed = ", ".join(media.UPLOAD_TYPES)
        raise ApiError(400, f"Unsupported Content-Type {content_type or '(none)'}; use {allowed}")
    kind, limit = media.UPLOAD_TYPES[content_type]
    if req.content_length == 0:
        raise ApiError(400, "The request body is empty: send the file bytes")
    if req.content_length > limit:
        raise ApiError(413, f"File too large: {kind} uploads are limited to {limit // media.MB} MB")
    acct = state.usable_account(req.query.get("email") or None)
    spool = state.media.path_for(f"upload-{uuid.uuid4()}")
    try:
        with open(spool, "wb") as fh:
            while chunk := req.read(media.CHUNK):
                fh.write(chunk)
        with open(spool, "rb") as fh:
            head = fh.read(16)
        if not media.looks_like(content_type, head):
            raise ApiError(400, f"The file content is not {content_type}")
        width = height = None
        if kind == "image":
            try:
                with Image.open(spool) as img:
                    width, height = img.size
            except OSError:
                raise ApiError(400, f"The file content is not a valid {content_type}") from None
        asset, path = state.add_asset(
            acct.email, kind, content_type, media.EXTENSIONS[content_type], width=width,
            height=height,
        )  # fmt: skip
        spool.replace(path)
    finally:
        spool.unlink(missing_ok=True)
    return json_response(200, _asset_json(state, req, asset))


def rsflowhub_error(status: int, message: str) -> dict[str, Any]:
    """rsflowhub's error envelope (its documents show only success; this shape is ours)."""
    code = RSFLOWHUB_CODES.get(status, "error")
    return {"success": False, "error": {"code": code, "message": message, "status": status}}


def rsflowhub(state: SimulatorState, req: Request) -> Response:
    data = parse_body(req)
    prompt = text_param(data, "prompt", RSFLOWHUB_PROMPT_MAX, required=True) or ""
    style = data.get("style")
    if style is not None and style not in RSFLOWHUB_STYLES:
        raise ApiError(400, f"style must be one of: {', '.join(RSFLOWHUB_STYLES)}")
    size = data.get("size", "1024x1024")
    if size not in RSFLOWHUB_SIZES:
        raise ApiError(400, f"size must be one of: {', '.join(RSFLOWHUB_SIZES)}")
    n = data.get("n", 1)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 4:
        raise ApiError(400, "n must be an integer from 1 to 4")
    cost = RSFLOWHUB_IMAGE_COST * n * RSFLOWHUB_SIZES[size]
    remaining = state.charge_images(cost)
    width, height = (int(v) for v in size.split("x"))
    urls = []
    for index in range(n):
        name = f"{uuid.uuid4()}.png"
        text = f"{prompt} ({style or 'default'} style, image {index + 1})"
        image = render.render_image(text, width=width, height=height, fmt="PNG")
        state.media.path_for(name).write_bytes(image)
        state.media.add(name, "image", "image/png")
        urls.append(state.media_url(req.base_url, RSFLOWHUB, "image", name))
    return json_response(
        200,
        {
            "success": True,
            "data": {"result": {"images": urls}},
            "meta": {"credits_used": cost, "credits_remaining": remaining},
        },
    )
