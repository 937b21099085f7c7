"""The example JSON bodies of the seed documents (shared/seeds/), copied as received.

The e-mail addresses read "[email protected]" because the documents were saved with an e-mail
obfuscator in the way; they are kept as they are, since the parsers must not care.
"""

from __future__ import annotations

from typing import Any

# 001, POST /music: sync mode, the full record returned inline.
SYNC_COMPLETED: dict[str, Any] = {
    "jobid": "job:aaaabbbb-cccc-4ddd-8eee-ffff99990000-user:[email protected]:flowmusic",
    "email": "[email protected]",
    "status": "completed",
    "created_at": "2026-06-01T18:40:42.412Z",
    "completed_at": "2026-06-01T18:42:55.123Z",
    "duration_ms": 132711,
    "clips": [
        {
            "clip": "user:[email protected]:a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
            "title": "Morning Sun",
            "duration_s": 173.04,
            "lyrics": (
                "[Verse 1]\nCity lights blur in the rain\n[Chorus]\n"
                "And I will wait for the morning sun"
            ),
            "seed": None,
            "lyrics_timing": [[0.0, 2.4], [2.4, 5.1]],
            "created_at": "2026-06-01T18:41:04.283Z",
            "audio_url": "https://storage.googleapis.com/...a1b2c3d4.m4a",
            "wav_url": "https://storage.googleapis.com/...a1b2c3d4.wav",
            "image_url": "https://storage.googleapis.com/...b2c3d4e5.jpg",
        }
    ],
    "request": {"prompt": "lo-fi hip hop, mellow piano, 80 bpm", "instrumental": False},
}

# 001, POST /music: async mode, queued and returned at once.
ASYNC_PENDING: dict[str, Any] = {
    "jobid": "job:aaaabbbb-cccc-4ddd-8eee-ffff99990000-user:[email protected]:flowmusic",
    "email": "[email protected]",
    "status": "pending",
    "created_at": "2026-06-01T18:40:42.412Z",
    "request": {"prompt": "upbeat funk groove, 110 bpm", "instrumental": True, "mode": "async"},
}

# 001: the model produced no audio (content-moderation refusal).
FAILED_MODERATION: dict[str, Any] = {
    "jobid": "job:aaaabbbb-cccc-4ddd-8eee-ffff99990000-user:[email protected]:flowmusic",
    "email": "[email protected]",
    "status": "failed",
    "created_at": "2026-06-01T18:40:42.412Z",
    "completed_at": "2026-06-01T18:41:10.512Z",
    "error": {
        "code": "moderation_reject",
        "message": "the model declined to generate audio for this prompt",
    },
    "request": {"prompt": "...", "instrumental": False},
}

# 001: error bodies.
ERROR_400: dict[str, Any] = {"error": "Parameter prompt is required", "code": 400}
ERROR_401: dict[str, Any] = {"error": "Unauthorized", "code": 401}
ERROR_402: dict[str, Any] = {
    "error": 'FlowMusic conversation failed (402): {"detail":"User has insufficient credits"}',
    "code": 402,
}
ERROR_429_ALL_BUSY: dict[str, Any] = {
    "error": "All 3 FlowMusic accounts are at their maxJobs concurrency limit — retry shortly",
    "code": 429,
}
ERROR_429_ACCOUNT_BUSY: dict[str, Any] = {
    "error": 'FlowMusic conversation failed (429): {"detail":"Too Many Requests"}',
    "code": 429,
}
ERROR_596: dict[str, Any] = {
    "error": "Account [email protected] in error state: refresh token rejected",
    "code": 596,
}

# 000, POST /files/generate.
IMAGE_GENERATED: dict[str, Any] = {
    "id": "user:[email protected]:...",
    "url": "https://storage.googleapis.com/producer-app-public/assets/....jpg",
    "kind": "image",
    "assetType": "image",
    "email": "[email protected]",
    "width": 1024,
    "height": 1024,
    "model": "google-generative-ai",
}
IMAGE_DECLINED_500: dict[str, Any] = {
    "error": 'FlowMusic image generation failed (500): "Internal Server Error"',
    "code": 500,
}

# 004, rsflowhub POST /api/v1/ai/image-generation.
RSFLOWHUB_REQUEST: dict[str, Any] = {
    "prompt": "Clean product hero image for a developer API dashboard",
    "style": "photorealistic",
    "size": "1024x1024",
    "n": 2,
}
RSFLOWHUB_RESPONSE: dict[str, Any] = {
    "success": True,
    "data": {
        "result": {
            "images": [
                "https://ai-storage.rsflowhub.com/generated/img_abc123.png",
                "https://ai-storage.rsflowhub.com/generated/img_xyz789.png",
            ]
        }
    },
    "meta": {"credits_used": 40, "credits_remaining": 960},
}
