"""Download and zip names made from titles: at most 255 UTF-8 bytes with the extension kept, no
bidi or other invisible characters, and a zip the app made extracts with zipfile and unzip."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from studio.filenames import MAX_BYTES, safe_filename
from studio.songs.models import Generation
from tests.test_library import _media, make_cover, make_song  # noqa: F401  (_media: autouse)

pytestmark = pytest.mark.django_db
PROPERTY = hsettings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
EMOJI_70 = "🎵" * 70
RLO = "\u202e"
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Titles as the upstream or a person may send them: anything the database can store.
# Without NUL: PostgreSQL cannot store it, and no title can hold one (the upstream's are cleaned
# in studio.flowmusic.fields, a rename's form refuses it).
TITLES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"),
    min_size=0,
    max_size=120,
)


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def disposition_name(header: str) -> str:
    """The file name a browser takes from a Content-Disposition header."""
    if "filename*=utf-8''" in header:
        return unquote(header.split("filename*=utf-8''", 1)[1])
    return header.split('filename="', 1)[1].rsplit('"', 1)[0].replace('\\"', '"')


def assert_clean(name: str, extension: str) -> None:
    assert len(name.encode()) <= MAX_BYTES, (name, len(name.encode()))
    assert name.endswith(extension), name
    assert not BIDI & set(name), name
    assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in name), name
    assert "/" not in name and "\\" not in name


def zip_of(client, generation: Generation) -> tuple[zipfile.ZipFile, bytes, str]:
    response = client.get(f"/generations/{generation.pk}/zip")
    assert response.status_code == 200
    data = body(response)
    return zipfile.ZipFile(io.BytesIO(data)), data, response["Content-Disposition"]


def assert_extracts(archive: zipfile.ZipFile, data: bytes, where: Path) -> None:
    """Both Python's zipfile and Info-ZIP's unzip extract every member onto this disk."""
    assert archive.testzip() is None
    archive.extractall(where / "zipfile")
    for name in archive.namelist():
        assert (where / "zipfile" / name).read_bytes() == archive.read(name)
    if shutil.which("unzip"):
        (where / "archive.zip").write_bytes(data)
        listed = subprocess.run(["unzip", "-l", where / "archive.zip"], capture_output=True)
        assert listed.returncode == 0, listed.stderr
        done = subprocess.run(
            ["unzip", "-q", "-o", where / "archive.zip", "-d", where / "unzip"],
            capture_output=True,
        )
        assert done.returncode == 0, done.stderr
        assert len(list((where / "unzip").iterdir())) == len(archive.namelist())


def test_a_zip_of_70_emoji_titles_extracts_and_keeps_both_takes(
    owner_client, team, owner, tmp_path
):
    generation = make_song(team, owner, titles=(EMOJI_70, EMOJI_70), cover=make_cover(team, owner))
    archive, data, disposition = zip_of(owner_client, generation)
    names = archive.namelist()
    assert len(set(names)) == len(names) == 6
    for name in names[:4]:
        assert_clean(name, name[-4:])
        assert name.startswith("🎵") and name[-8:-4] in (" (A)", " (B)")
    assert_clean(disposition_name(disposition), ".zip")
    assert_extracts(archive, data, tmp_path)


def test_a_long_title_is_cut_at_255_bytes_with_its_extension(owner_client, team, owner):
    clip = make_song(team, owner, titles=(EMOJI_70,)).clips.get()
    for url, extension in (
        (f"/clips/{clip.pk}/wav?download", ".wav"),
        (f"/clips/{clip.pk}/lrc", ".lrc"),
    ):
        name = disposition_name(owner_client.get(url)["Content-Disposition"])
        assert_clean(name, f" (A){extension}")


def test_a_right_to_left_override_cannot_spoof_an_extension(owner_client, team, owner, tmp_path):
    title = f"Love song{RLO}vaw.exe"
    generation = make_song(team, owner, titles=(title, f"{RLO}\u2066B\u2069\u200f"))
    clip = generation.clips.get(slot="A")
    archive, data, disposition = zip_of(owner_client, generation)
    assert archive.namelist()[:2] == ["Love songvaw.exe (A).wav", "Love songvaw.exe (A).lrc"]
    assert archive.namelist()[2] == "B (B).wav"
    assert disposition_name(disposition) == "Love songvaw.exe.zip"
    for url in (f"/clips/{clip.pk}/wav?download", f"/clips/{clip.pk}/m4a", f"/clips/{clip.pk}/lrc"):
        header = owner_client.get(url)["Content-Disposition"]
        assert RLO not in header and "%E2%80%AE" not in header.upper(), (url, header)
    assert_extracts(archive, data, tmp_path)


def test_the_cover_download_name_is_clean(owner_client, team, owner):
    cover = make_cover(team, owner)
    response = owner_client.get(f"/covers/{cover.pk}?download")
    assert response.status_code == 200
    assert disposition_name(response["Content-Disposition"]) == f"Cover {cover.pk}.jpg"


@given(name=st.text(max_size=400), extension=st.sampled_from(["", ".wav", ".zip", ".jpeg"]))
@example(name=EMOJI_70 + " (A)", extension=".wav")
@example(name="x" * 248 + " .ab" + "cdefg hij", extension="")
@example(name=f"a{RLO}\ud800b", extension=".lrc")
def test_any_name_comes_out_short_visible_and_stable(name, extension):
    cleaned = safe_filename(name + extension)
    assert cleaned and len(cleaned.encode()) <= MAX_BYTES
    assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in cleaned)
    assert not set('/\\:*?"<>|') & set(cleaned)
    assert cleaned.endswith(extension)
    assert safe_filename(cleaned) == cleaned


@PROPERTY
@given(title_a=TITLES, title_b=TITLES)
def test_any_titles_make_a_zip_that_extracts(owner_client, team, owner, tmp_path, title_a, title_b):
    generation = make_song(team, owner, titles=(title_a, title_b))
    archive, data, disposition = zip_of(owner_client, generation)
    names = archive.namelist()
    assert len(set(names)) == len(names)
    for name in names:
        assert_clean(name, name[name.rindex(".") :])
    assert_clean(disposition_name(disposition), ".zip")
    where = tmp_path / f"x{generation.pk}"
    where.mkdir()
    assert_extracts(archive, data, where)
