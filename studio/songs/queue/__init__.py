"""The queue page: what is in flight and what just ended, with its History."""
