"""``GET /music/download?id=...&format=mp3``: a clip as an MP3 attachment.

``id`` is a clip id (of a completed job) or a jobid (its first clip); ``format`` must be ``mp3``,
the only value upstream documents. 400 for a missing or unknown id or another format, 409 for a
job that has not completed (pending, or failed: it has no clip). The MP3 is encoded from the
clip's WAV once (LAME, 192 kbit/s; about 0.7 s for a 30 s clip) and kept with the other media.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from studio import ranges
from studio.simulator.encode import write_mp3
from studio.simulator.media import ClipMedia
from studio.simulator.models import ApiError
from studio.simulator.state import SimulatorState
from studio.simulator.wsgi import Request, Response

_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/]')


def download(state: SimulatorState, req: Request) -> Response:
    wanted = req.query.get("id", "").strip()
    if not wanted:
        raise ApiError(400, "Parameter id is required")
    if req.query.get("format") != "mp3":
        raise ApiError(400, "Parameter format must be mp3")
    clip = _clip(state, wanted)
    name = clip.wav.rsplit(".", 1)[0] + ".mp3"
    path = state.media.path_for(name)

    state.media.cached(f"mp3:{name}", lambda: write_mp3(state.media.path_for(clip.wav), path))
    size = path.stat().st_size
    headers = {
        "Content-Type": "audio/mpeg",
        "Content-Length": str(size),
        "Content-Disposition": attachment(clip.title),
    }
    return Response(200, ranges.iter_file(path, 0, size), headers)


def _clip(state: SimulatorState, wanted: str) -> ClipMedia:
    """The clip an ``id`` names: a clip id, or a completed job's first clip."""
    job = state.job(wanted)
    if job is not None:
        status = job.status()
        if status != "completed":
            raise ApiError(409, f"Job {wanted} is not completed (status: {status})")
        return state.clip_media(job, 0)
    found = state.find_clip(wanted)
    if found is None:
        raise ApiError(400, "Parameter id is not a known clip id or jobid")
    return state.clip_media(*found)


def attachment(title: str | None) -> str:
    """``attachment`` with the title as file name: an ASCII fallback and, when the title is
    not plain ASCII, its UTF-8 form as well (RFC 6266)."""
    clean = _UNSAFE.sub("_", (title or "").strip()) or "clip"
    ascii_name = clean.encode("ascii", "replace").decode().replace("?", "_")
    value = f'attachment; filename="{ascii_name}.mp3"'
    if ascii_name != clean:
        value += f"; filename*=UTF-8''{quote(clean + '.mp3', safe='')}"
    return value
