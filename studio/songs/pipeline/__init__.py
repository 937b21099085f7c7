"""Getting a song from the queue to our storage: dispatch, tracking, recovery, ingest."""
