"""Workers on two machines (issue 17): two worker sets (each both clusters, the main one and
`ingest`), each with its own local data dir, share PostgreSQL, Redis and the bucket. 50 songs
are made; every clip plays and downloads from the web process, nothing was submitted twice and
no file was stored twice.

Needs what it says: PostgreSQL and Redis (CI's second pass sets DATABASE_URL and REDIS_URL).
"""

from __future__ import annotations

import os
import subprocess

import pytest
from django.db import connection

from studio.songs.models import Clip
from tests.pipeline import song
from tests.workers import (
    assert_each_sent_once,
    cluster_env,
    complete_with,
    purge_queues,
    start_clusters,
)

SONGS = 50
pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
        reason="several machines share PostgreSQL and Redis",
    ),
    pytest.mark.django_db(transaction=True),
]


def machine(name: str, simulator, s3, data_dir) -> list[subprocess.Popen]:
    """One machine's two worker clusters, as its units run them."""
    data_dir.mkdir(parents=True)
    options = s3.storage["OPTIONS"]
    env = cluster_env(
        simulator,
        data_dir,
        AWS_STORAGE_BUCKET_NAME=options["bucket_name"],
        AWS_S3_ENDPOINT_URL=s3.endpoint,
        AWS_ACCESS_KEY_ID=options["access_key"],
        AWS_SECRET_ACCESS_KEY=options["secret_key"],
        AWS_S3_REGION_NAME=options["region_name"],
    )
    env.pop("PUBLIC_URL", None)
    return start_clusters(env, data_dir / f"{name}.log")


def test_fifty_songs_on_two_machines_play_from_the_web_host(
    simulator, s3_media, owner_client, team, owner, tmp_path
):
    purge_queues()  # nothing left over by earlier tests
    for email in ("alice@example.com", "bob@example.com"):  # room for a burst across machines
        simulator.state.set_account(email, max_jobs=20)
    made = [song(team, owner, prompt=f"two machines, song {n}") for n in range(SONGS)]
    workers = [
        *machine("one", simulator, s3_media, tmp_path / "one"),
        *machine("two", simulator, s3_media, tmp_path / "two"),
    ]
    complete_with(workers, made, timeout=240)

    # Each song was sent once, and never more at once than an account allows.
    assert_each_sent_once(simulator, SONGS)

    # Every file is in the bucket once, under the name its clip records (a second store of the
    # same file would leave a renamed copy beside it); none on a worker's own disk.
    clips = list(Clip.objects.filter(generation__in=made))
    assert len(clips) == 2 * SONGS
    stored = [f.name for clip in clips for f in (clip.audio, clip.wav, clip.image) if f.name]
    assert len(set(stored)) == len(stored) >= 2 * len(clips)
    in_bucket = [key for key in s3_media.object_keys() if key.startswith("clips/")]
    assert set(stored) <= set(in_bucket)
    for data_dir in (tmp_path / "one", tmp_path / "two"):
        media = data_dir / "media"
        local = [p for p in media.rglob("*") if p.is_file() and "tmp" not in p.parts]
        assert local == [], f"files stored on a worker's own disk: {local}"

    # The web process plays (Range) and downloads each take from the bucket.
    for clip in clips:
        played = owner_client.get(f"/clips/{clip.pk}/m4a", headers={"Range": "bytes=0-99"})
        assert played.status_code == 206 and len(b"".join(played.streaming_content)) == 100
        wav = owner_client.get(f"/clips/{clip.pk}/wav?download")
        assert wav.status_code == 200
        assert b"".join(wav.streaming_content) == s3_media.read(clip.wav.name)

    # And nothing else: a file stored twice would leave an object no clip names.
    assert set(in_bucket) == set(stored)
