"""Share links: a song's public, read-only page and its media, and managing the links."""
