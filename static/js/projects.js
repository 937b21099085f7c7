/* Projects: Add to project menus, the project page (reorder, play in order). */
