"""A built-in Flow Music + rsflowhub simulator speaking the upstream HTTP contract.

Like LocalStack for AWS: the app, its tests and ``make run`` without ``FLOWMUSIC_API_TOKEN`` talk
to it over real HTTP exactly as they would to useapi.net. Real media: WAV + AAC m4a songs with
lyrics timing and JPEG/PNG images (``render.py``).

Where it runs
    * Mounted in Studio under ``/simulator/`` (``views.py``; token ``settings.SIMULATOR_TOKEN``,
      jobs take 4 s). Injected drops answer a bodiless 502 there: Django cannot cut a socket.
    * Standalone: ``python manage.py simulator --port 8100 --token T [--latency 4]``.
    * In tests: ``SimulatorServer(latency=0.05)`` (``server.py``) and the ``simulator`` fixture
      (``tests/simulator_fixtures.py``); ``server.state`` is the ``SimulatorState`` to steer.

Routes: ``/v1/flowmusic/`` ``POST music``, ``POST music/edit``, ``POST music/lyrics``,
``GET music/download``, ``GET jobs``, ``GET|DELETE jobs/{jobid}``, ``POST files/generate``,
``POST files``, ``GET accounts``, ``GET accounts/usage``, ``GET accounts/{email}``;
``POST /api/v1/ai/image-generation`` (rsflowhub); ``GET .../_media/...`` (signed, no token).

How to trigger each behaviour
    * 401: any token but the state's (``Authorization: Bearer <token>``).
    * 400: a documented parameter out of range (prompt missing or over 10,000 chars, lyrics over
      10,000, ghostwriter/mode/model/instrumental of the wrong value or type, a replyUrl that is
      not http(s)); an unknown ``email``; a ``refImageN``/``refAudioN`` that is not an asset of
      that kind; references from two accounts; an ``email`` other than the references' account.
    * Accounts (``state.accounts``; pass ``accounts=[SimAccount(...)]`` to replace them):
      ``alice@example.com`` maxJobs 3, ``bob@example.com`` maxJobs 2 (1000 credits each);
      ``carol@example.com`` has 0 credits -> 402; ``broken@example.com`` is in error -> 596.
      ``state.set_account(email, credits=0, error="...", max_jobs=1)`` changes one live.
    * Credits: charged at acceptance, a song ``state.song_cost`` (10), an edit
      ``state.edit_costs[operation]`` (extend 8, replace 6, cover 10, remix 10; effect and stems
      0: free, never 402). Short of credits -> 402; a job canceled or failed later keeps its
      charge. ``GET /accounts/{email}`` shows ``credits_remaining`` and ``tokens_remaining``
      (12 tokens a credit). Each charge is a usage event (``id``, ``jobid``, ``type`` "music" or
      the operation, ``tokens``, ``credits``, ``created_at``): ``GET /accounts/usage?email=``
      lists them with a ``summary``; ``state.usage(email)`` returns them.
      ``state.charge_foreign(email, credits)`` spends as another client of that account would
      (an event whose jobid we never saw).
    * 429: with ``email``, more than maxJobs pending jobs on it -> ``FlowMusic conversation failed
      (429)``; without, every funded healthy account full -> ``All N FlowMusic accounts are at
      their maxJobs concurrency limit``. Neither sends Retry-After (injected 429s do).
    * Jobs complete ``state.latency`` seconds after creation (status computed on read).
      ``mode`` absent or ``sync`` blocks until then: 200 with the completed record (422 with the
      failed record when moderated). ``mode: async`` answers 201 pending.
    * A prompt containing the word ``forbidden`` -> the job ends ``failed`` with
      ``moderation_reject``; on ``/files/generate`` it is the documented 500.
    * A prompt containing ``single take`` -> one clip instead of the A/B pair.
    * ``DELETE /jobs/{jobid}`` -> 204; the job is forgotten (404 after, no webhook).
    * ``POST /music/edit`` (``edit_api.py``; audio in ``edits.py``): ``extend``, ``replace``,
      ``cover``, ``remix``, ``effect``, ``stems`` of a clip of a completed song or edit; 400 for
      ``email`` (the clip's account runs it), an unknown clip and out-of-range fields. Charged
      on the clip's account (402 / 429 / 596 as for songs); a ``forbidden``
      instruction, lyrics or prompt fails with ``moderation_reject``. Extend, replace and
      effects give one clip, cover and remix an A/B pair; the record has ``operation``.
    * ``effect`` (``effect_api.py`` checks, ``effects.py`` DSP): Trim, Fade, Gain, Reverb, Pan
      (the result is stereo), Equalizer; free (no credits, no 402), async like other edits.
    * ``stems`` (``stems.py``, ``separate.py``): always synchronous (200, completed record after
      at least ``0.5 x latency``; ``mode`` and ``replyUrl`` ignored), four clips (drums, bass,
      vocals, other) whose samples add up to the source's. Asking again for the same clip
      answers the same job at once, free, whatever its account's state now.
    * ``GET /music/download?id=<clip id | completed jobid>&format=mp3`` (``download.py``): the
      clip (a job's first) as an MP3 attachment; 400 missing/unknown id or format not mp3, 409
      a job not completed.
    * ``POST /music/lyrics`` (``drafts.py``): a free draft following ``structure``; a prompt
      without a word of three letters (``"123 !!"``) or with ``forbidden`` -> 422 ``no_lyrics``.
    * Media URLs expire after ``state.media_ttl`` seconds (403 after, or with a bad ``sig``);
      ``Range: bytes=a-b`` -> 206, unsatisfiable -> 416.
    * ``POST /files``: raw body; Content-Type image/jpeg|png|webp (20 MB) or
      audio/mpeg|wav|x-wav|mp4|x-m4a|aac (40 MB); wrong or empty type, empty body or bytes that
      do not match the type -> 400, too large -> 413.
    * rsflowhub: ``n`` images of ``size`` cost 20 x n (x2 above 1024x1024) of
      ``state.rsflowhub_credits`` (1000); errors are ``{"success": false, "error": {"code",
      "message", "status"}}`` with 400 / 401 / 402.
    * Webhooks: a job with ``replyUrl`` is POSTed there (record + ``replyRef``) when it turns
      terminal; non-2xx or no answer is retried after each ``state.webhook_backoff`` pause
      (0.2, 0.5, 1 s). ``state.webhook_repeat = 2`` delivers everything twice;
      ``state.webhooks_enabled = False`` delivers nothing; ``state.webhook_log`` lists attempts.
    * Faults: ``state.inject(route, action, count=1, delay=0)``, route as in
      ``faults.ROUTES`` (e.g. ``"POST /music"``, ``"GET /jobs/{jobid}"``, ``"GET /media"``),
      action one of ``429`` (with Retry-After: 1), ``500``, ``503``, ``drop`` (read the request,
      do nothing, close without answering), ``accept_then_drop`` (do it, e.g. create the job and
      spend credits, then close without answering), ``timeout`` (sleep ``delay``, default 5 s,
      then handle and answer), ``accept_then_timeout`` (handle, sleep, answer).
    * Inspection: ``state.requests`` (every request: method, route, json, status or None when
      dropped, jobid it created, fault), ``state.accepted_songs()``, ``state.accepted_edits()``,
      ``state.find_clip(clip_id)`` (its job and slot), ``state.max_running``
      (most jobs ever pending at once per account), ``state.jobs()``. ``state.reset()``
      restores accounts and configuration and forgets everything else.
"""
