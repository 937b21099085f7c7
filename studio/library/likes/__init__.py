"""Like per take per member: the toggle, and who liked what (studio.together.likes)."""
