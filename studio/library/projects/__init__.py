"""Projects: the team's named, ordered collections of takes, their pages and zip."""
