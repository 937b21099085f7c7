"""Media in an S3-compatible bucket: stored there by the pipeline, served through the team-checked
views with ranges, exported and zipped from it, and kept by backup/restore.

Against a real S3-protocol server over HTTP (tests/s3.py), never a patched client.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from mutagen.id3 import ID3

from studio import storage_files
from studio.ranges import CHUNK
from studio.songs.models import Clip, Generation
from studio.together import projects as rules
from tests.pipeline import drive, settled, song
from tests.s3 import BUCKET, REGION
from tests.test_library import jpeg_bytes, make_cover, make_song, wav_bytes
from tests.test_projects import filled, project_zip

pytestmark = pytest.mark.usefixtures("s3_media")


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def local_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


@pytest.fixture
def clip(team, owner) -> Clip:
    return make_song(team, owner, cover=make_cover(team, owner)).clips.get(slot="A")


def test_settings_build_an_s3_storage_from_the_aws_variables(s3_media):
    assert s3_media.storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = s3_media.storage["OPTIONS"]
    assert options["bucket_name"] == BUCKET and options["endpoint_url"] == s3_media.endpoint
    assert options["region_name"] == REGION and options["default_acl"] is None


@pytest.mark.usefixtures("pipeline")
def test_a_simulated_song_lands_in_the_bucket_and_plays_from_it(
    s3_media, team, owner, client, settings
):
    generation = song(team, owner)
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Generation.Status.COMPLETED, generation.error_message
    clips = list(generation.clips.order_by("slot"))
    stored = {getattr(clip, field).name for clip in clips for field in ("audio", "wav", "image")}
    assert stored <= set(s3_media.object_keys()) and len(stored) == 6
    # Only download temp files (all gone by now) ever touch this disk.
    media_root = Path(settings.MEDIA_ROOT)
    assert all(path.is_relative_to(media_root / "tmp") for path in local_files(media_root))
    # Peaks and loudness come from the checked download; tempo is read back from the bucket.
    assert clips[0].peaks and clips[0].loudness_lufs is not None
    assert clips[0].tempo_bpm is not None

    client.force_login(owner)
    wav = client.get(f"/clips/{clips[0].pk}/wav?download")
    assert wav.status_code == 200 and body(wav) == s3_media.read(clips[0].wav.name)
    assert wav["Content-Length"] == str(len(s3_media.read(clips[0].wav.name)))


def test_the_audio_view_streams_the_whole_object(owner_client, clip):
    response = owner_client.get(f"/clips/{clip.pk}/wav?download")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "audio/wav" and response["Accept-Ranges"] == "bytes"
    assert response["Content-Disposition"] == 'attachment; filename="Morning Sun (A).wav"'
    assert response["Content-Length"] == str(len(wav_bytes()))
    assert body(response) == wav_bytes()


def test_a_range_is_answered_206_with_exactly_those_bytes(owner_client, clip):
    data = wav_bytes()
    response = owner_client.get(f"/clips/{clip.pk}/wav", headers={"Range": "bytes=100-199"})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert response["Content-Length"] == "100"
    assert body(response) == data[100:200]
    tail = owner_client.get(f"/clips/{clip.pk}/wav", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and body(tail) == data[-10:]


def test_an_unsatisfiable_range_gets_416(owner_client, clip):
    size = len(wav_bytes())
    response = owner_client.get(f"/clips/{clip.pk}/wav", headers={"Range": f"bytes={size}-"})
    assert response.status_code == 416 and response["Content-Range"] == f"bytes */{size}"


def test_a_known_etag_gets_304(owner_client, clip):
    etag = owner_client.get(f"/clips/{clip.pk}/m4a")["ETag"]
    again = owner_client.get(f"/clips/{clip.pk}/m4a", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_another_team_gets_404(client, outsider, clip):
    client.force_login(outsider)
    for kind in ("wav", "m4a", "image"):
        assert client.get(f"/clips/{clip.pk}/{kind}").status_code == 404
    assert client.get(f"/clips/{clip.pk}/export/mp3").status_code == 404
    assert client.get(f"/generations/{clip.generation_id}/zip").status_code == 404


def test_an_object_gone_from_the_bucket_is_404(owner_client, clip, s3_media):
    s3_media.client.delete_object(Bucket=BUCKET, Key=clip.wav.name)
    assert owner_client.get(f"/clips/{clip.pk}/wav").status_code == 404


def test_x_accel_is_not_used_for_bucket_files(owner_client, clip, settings):
    settings.MEDIA_X_ACCEL_PREFIX = "/protected-media/"
    response = owner_client.get(f"/clips/{clip.pk}/wav")
    assert "X-Accel-Redirect" not in response and body(response) == wav_bytes()


def test_a_big_object_is_relayed_in_chunks(owner_client, clip):
    payload = bytes(range(256)) * (4 * CHUNK // 256 + 7)  # a little over four chunks
    clip.wav.save("big.wav", ContentFile(payload), save=True)
    response = owner_client.get(f"/clips/{clip.pk}/wav")
    chunks = list(response.streaming_content)
    assert len(chunks) >= 4 and max(map(len, chunks)) <= CHUNK
    assert b"".join(chunks) == payload


def test_a_stored_object_reads_and_seeks_like_a_file(clip):
    data = wav_bytes()
    with storage_files.open_stored(clip.wav) as handle:
        assert handle.read(4) == b"RIFF"
        handle.seek(1000)
        assert handle.read(50) == data[1000:1050]
        assert handle.seek(0, io.SEEK_END) == len(data) and handle.read() == b""


def test_the_mp3_export_is_made_from_the_bucket_and_kept_there(owner_client, clip, s3_media):
    response = owner_client.get(f"/clips/{clip.pk}/export/mp3?download")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Morning Sun (A).mp3"'
    mp3 = body(response)
    assert ID3(io.BytesIO(mp3))["TIT2"].text == ["Morning Sun"]
    exported = [key for key in s3_media.object_keys() if key.startswith(f"exports/{clip.pk}/")]
    assert len(exported) == 1 and s3_media.read(exported[0]) == mp3
    ranged = owner_client.get(f"/clips/{clip.pk}/export/mp3", headers={"Range": "bytes=10-109"})
    assert ranged.status_code == 206 and body(ranged) == mp3[10:110]


def test_the_zip_holds_the_tagged_wavs_and_cover_from_the_bucket(owner_client, clip):
    response = owner_client.get(f"/generations/{clip.generation_id}/zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert archive.testzip() is None
    assert {"Morning Sun (A).wav", "Golden Sky (B).wav", "cover.jpg"} <= set(archive.namelist())
    tagged = archive.read("Morning Sun (A).wav")
    assert tagged[44 : len(wav_bytes())] == wav_bytes()[44:] and b"id3 " in tagged
    assert archive.read("cover.jpg") == jpeg_bytes("navy")


@pytest.mark.django_db(transaction=True)
def test_backup_streams_the_bucket_in_and_restore_puts_it_back(s3_media, tmp_path, clip, settings):
    before = {key: s3_media.read(key) for key in s3_media.object_keys()}
    archive = tmp_path / "backup.tar.gz"
    out = io.StringIO()
    call_command("backup", output=archive, stdout=out)
    assert f"{len(before)} media files from the bucket {BUCKET}" in out.getvalue()
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {f"media/{key}" for key in before} <= names and "database" in names

    Generation.objects.all().delete()
    s3_media.empty()
    out = io.StringIO()
    call_command("restore", str(archive), yes=True, stdout=out)
    assert f"{len(before)} media files into the bucket {BUCKET}" in out.getvalue()
    assert {key: s3_media.read(key) for key in s3_media.object_keys()} == before
    restored = Clip.objects.get(pk=clip.pk)
    with storage_files.open_stored(restored.wav) as handle:
        assert handle.read() == wav_bytes()
    assert not local_files(Path(settings.MEDIA_ROOT))


def test_a_projects_zip_has_its_tagged_mp3s_and_cover_from_the_bucket(owner_client, team, owner):
    song = make_song(team, owner, cover=make_cover(team, owner))
    project = rules.create(team, owner, "Bucket LP")
    a, b = song.clips.order_by("slot")
    filled(project, [b, a], owner)
    archive, _ = project_zip(owner_client, project)
    assert archive.namelist() == [
        "01 - Golden Sky (B).mp3",
        "02 - Morning Sun (A).mp3",
        "cover.jpg",
    ]
    tags = ID3(io.BytesIO(archive.read("01 - Golden Sky (B).mp3")))
    assert str(tags["TALB"]) == "Bucket LP" and str(tags["TRCK"]) == "1/2"
