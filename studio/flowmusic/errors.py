"""What is Flow-Music-specific about its errors; the error types live in `studio.upstream`."""

from __future__ import annotations

from studio.upstream.http import Service

FLOWMUSIC = Service("Flow Music", "FLOWMUSIC_API_TOKEN")

# POST /files/generate declines a prompt with a bare 500 (see FlowMusicClient.generate_image).
IMAGE_DECLINED_MESSAGE = "The image model declined this prompt; try different words"

# POST /music/lyrics answers 422 `no_lyrics` when the theme gave it nothing to write about.
NO_LYRICS_MESSAGE = (
    "Flow Music could not write lyrics for this idea. Describe a theme, a story or a feeling "
    'in a few words (not only a style such as "lo-fi, 80 bpm") and try again.'
)
