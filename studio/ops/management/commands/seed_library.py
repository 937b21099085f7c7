"""`manage.py seed_library --generations N`: a large, realistic library for benchmarks and demos.

Rows go in with bulk_create in batches; every clip shares a few tiny real media files rendered
once by the simulator, so 10,000 generations take seconds, not hours. Some takes are liked by
some of their team's members (--likes). Seeded users get unusable passwords (give one a
password with `manage.py changepassword seed-1` to look around).
"""

from __future__ import annotations

import random
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from studio.ops.seed_text import SEARCH_WORD, USERNAME, lyrics, prompt, timing, title
from studio.simulator.render import render_image, render_song, write_m4a, write_wav
from studio.songs import lifecycle, search
from studio.songs.models import Clip, Generation
from studio.songs.pipeline.peaks import waveform_peaks
from studio.teams.models import Membership, Team
from studio.together import likes as like_counts
from studio.together.models import Like

BATCH = 1000
MEDIA_DIR = "seed"  # under MEDIA_ROOT; shared by every seeded clip
TEAM_NAME = "Seed team {}"
__all__ = ["SEARCH_WORD", "USERNAME", "Command"]


@contextmanager
def _keep_given_created():
    """bulk_create honours auto_now_add; seeded rows need their spread-out `created` instead."""
    fields = [Generation._meta.get_field("created"), Clip._meta.get_field("created")]
    for f in fields:
        f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True  # type: ignore[attr-defined]


SEED_KEYS = [
    f"{note} {mode}" for note in ("C", "D", "E", "F", "G", "A") for mode in ("major", "minor")
]


class Command(BaseCommand):
    help = "Create many completed generations with clips (bulk inserts, shared real media)."

    def add_arguments(self, parser):
        parser.add_argument("--generations", type=int, required=True)
        parser.add_argument("--clips-per", type=int, default=2, choices=[1, 2])
        parser.add_argument("--teams", type=int, default=2)
        parser.add_argument("--users", type=int, default=6, help="spread over the teams")
        parser.add_argument("--months", type=int, default=9, help="how far back songs go")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same data)")
        parser.add_argument(
            "--likes", type=float, default=0.3, help="share of takes liked by some members"
        )
        parser.add_argument(
            "--reset", action="store_true", help="delete the seed teams' generations first"
        )

    def handle(
        self,
        *args,
        generations: int,
        clips_per: int,
        teams: int,
        users: int,
        months: int,
        seed: int,
        reset: bool,
        likes: float,
        **options,
    ):
        if generations < 0 or teams < 1 or users < teams:
            raise CommandError("Need generations >= 0, teams >= 1 and at least a user per team.")
        if not 0 <= likes <= 1:
            raise CommandError("--likes is a share of the takes, from 0 to 1.")
        rng = random.Random(seed)
        # Its own sequence: the songs stay the same whatever the share of likes.
        like_rng = random.Random(f"likes-{seed}")
        members = self._members(teams, users)
        if reset:
            seeded = Generation.objects.filter(team__name__startswith=TEAM_NAME.format(""))
            deleted, _ = seeded.delete()
            self.stdout.write(f"Deleted {deleted} rows.")
        media = self._media()
        now = timezone.now()
        span = timedelta(days=30 * months).total_seconds()
        done = 0
        with _keep_given_created():
            while done < generations:
                size = min(BATCH, generations - done)
                ages = sorted((rng.uniform(0, span) for _ in range(size)), reverse=True)
                with transaction.atomic():
                    finished = [now - timedelta(seconds=age) for age in ages]
                    clips = self._batch(rng, members, media, finished, clips_per)
                    Like.objects.bulk_create(self._likes(like_rng, members, clips, likes))
                    like_counts.recount({clip.generation_id for clip in clips})
                done += size
        self._refresh_statistics()
        self.stdout.write(
            f"Seeded {generations} generations with {generations * clips_per} clips "
            f"for {users} users in {teams} teams."
        )

    def _refresh_statistics(self) -> None:
        """PostgreSQL plans from statistics that a bulk load leaves stale: refresh them now, as
        autovacuum would within a minute (VACUUM too, for index-only scans; not possible inside
        a transaction, e.g. in tests)."""
        if connection.vendor != "postgresql":
            return
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        tables = ", ".join(model._meta.db_table for model in (Generation, Clip, Like))
        with connection.cursor() as cursor:
            cursor.execute(f"{command} {tables}")

    def _members(self, teams: int, users: int) -> list[tuple[Team, Any]]:
        user_model = get_user_model()
        team_rows = [
            Team.objects.get_or_create(name=TEAM_NAME.format(i + 1))[0] for i in range(teams)
        ]
        unusable = make_password(None)
        members = []
        for i in range(users):
            team = team_rows[i % teams]
            user, created = user_model.objects.get_or_create(
                username=USERNAME.format(i + 1), defaults={"password": unusable}
            )
            if created:
                role = Membership.Role.OWNER if i < teams else Membership.Role.MEMBER
                Membership.objects.create(user=user, team=team, role=role)
            members.append((user.membership.team, user))
        return members

    def _media(self) -> list[dict]:
        """Three short songs (two sung, one instrumental) and a cover, rendered once."""
        folder = Path(settings.MEDIA_ROOT) / MEDIA_DIR
        folder.mkdir(parents=True, exist_ok=True)
        image = folder / "cover.jpg"
        if not image.exists():
            image.write_bytes(render_image("seed library cover", 256, 256))
        songs = []
        for i, instrumental in enumerate((False, False, True)):
            wav, m4a = folder / f"song-{i}.wav", folder / f"song-{i}.m4a"
            if not (wav.exists() and m4a.exists()):
                song = render_song(
                    f"seed song {i}, 100 bpm", lyrics=None, instrumental=instrumental, seed=i
                )
                write_wav(song, wav)
                write_m4a(song, m4a)
            songs.append(
                {
                    "wav": f"{MEDIA_DIR}/{wav.name}",
                    "audio": f"{MEDIA_DIR}/{m4a.name}",
                    "image": f"{MEDIA_DIR}/{image.name}",
                    "peaks": waveform_peaks(wav),
                    "instrumental": instrumental,
                }
            )
        return songs

    def _batch(self, rng, members, media, finished: list[datetime], clips_per: int) -> list[Clip]:
        rows = [self._generation(rng, members, when) for when in finished]
        Generation.objects.bulk_create(rows)
        clips = [
            clip
            for generation, when in zip(rows, finished, strict=True)
            for clip in self._clips(rng, generation, media, when, clips_per)
        ]
        Clip.objects.bulk_create(clips)
        by_generation: dict[int, list[Clip]] = {}
        for clip in clips:
            by_generation.setdefault(clip.generation_id, []).append(clip)
        for generation in rows:
            generation.search_text = search.text_for(
                generation.prompt, by_generation.get(generation.pk, [])
            )
        Generation.objects.bulk_update(rows, ["search_text"], batch_size=500)
        return clips

    def _likes(self, rng, members, clips: list[Clip], share: float) -> list[Like]:
        """A `share` of the takes, each liked by one to all of its team's members."""
        by_team: dict[int, list] = {}
        for team, user in members:
            by_team.setdefault(team.pk, []).append(user)
        likes = []
        for clip in clips:
            if rng.random() >= share:
                continue
            team = by_team[clip.generation.team_id]
            for user in rng.sample(team, rng.randint(1, len(team))):
                likes.append(Like(user=user, clip=clip, created=clip.created))
        return likes

    def _generation(self, rng, members, when: datetime) -> Generation:
        team, author = rng.choice(members)
        instrumental = rng.random() < 0.2
        started = when - timedelta(seconds=rng.uniform(20, 90))
        return lifecycle.seeded_completed(
            team=team,
            author=author,
            prompt=prompt(rng),
            lyrics="" if instrumental or rng.random() < 0.6 else lyrics(rng),
            instrumental=instrumental,
            jobid=f"seed-{uuid.uuid4().hex}",
            account_email="seed@example.com",
            submit_started=started,
            accepted=started,
            upstream_completed=when,
            finished=when,
            created=started,
        )

    def _clips(self, rng, generation: Generation, media, when: datetime, clips_per: int):
        picked = rng.randrange(clips_per) if rng.random() < 0.08 else None
        for index in range(clips_per):
            song = next(m for m in media if m["instrumental"] == generation.instrumental)
            if not generation.instrumental and index:
                song = media[1]
            duration = round(rng.uniform(95, 240), 2)
            if generation.instrumental:
                text, pairs = "[Instrumental]", None
            else:
                text = generation.lyrics or lyrics(rng)
                pairs = timing(text, duration, rng)
            yield Clip(
                generation=generation,
                slot="AB"[index],
                clip_id=uuid.uuid4().hex,
                title=title(rng),
                duration_s=duration,
                lyrics=text,
                lyrics_timing=pairs,
                seed=rng.randrange(2**31),
                audio=song["audio"],
                wav=song["wav"],
                image=song["image"],
                peaks=song["peaks"],
                # As the analysis would find them (seeded audio is not analysed).
                tempo_bpm=float(rng.randrange(70, 171)),
                key=rng.choice(SEED_KEYS),
                is_pick=index == picked,
                created=when,
            )
