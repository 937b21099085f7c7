"""Working together (DESIGN §3): likes, projects, timestamped comments and share links.

Models and the rules that change them; the pages that show them are in studio.library.
"""
