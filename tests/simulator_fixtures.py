"""Fixtures that run the Flow Music / rsflowhub simulator over real HTTP (filled in by issue 3)."""
