"""The compose page: the song form, cover art and reference uploads."""
