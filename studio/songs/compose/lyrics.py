"""The lyrics assistant: "Write lyrics for me" (POST /music/lyrics, free) as a background draft.

(Stub for the helper to replace.)"""

from __future__ import annotations


def run_draft(draft_id: int) -> None:
    raise NotImplementedError
