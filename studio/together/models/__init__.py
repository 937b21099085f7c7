"""The together app's models, one module per feature."""

from studio.together.models.comments import Comment
from studio.together.models.likes import Like
from studio.together.models.projects import Project, ProjectItem
from studio.together.models.shares import ShareLink

__all__ = ["Comment", "Like", "Project", "ProjectItem", "ShareLink"]
