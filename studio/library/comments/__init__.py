"""Timestamped comments on a song page's takes."""
