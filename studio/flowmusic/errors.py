"""What is Flow-Music-specific about its errors; the error types live in `studio.upstream`."""

from __future__ import annotations

from studio.upstream.http import Service

FLOWMUSIC = Service("Flow Music", "FLOWMUSIC_API_TOKEN")

# POST /files/generate declines a prompt with a bare 500 (see FlowMusicClient.generate_image).
IMAGE_DECLINED_MESSAGE = "The image model declined this prompt; try different words"
