from django.apps import AppConfig


class TogetherConfig(AppConfig):
    name = "studio.together"
    label = "together"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from studio.together import likes
        from studio.together.models import Like

        post_save.connect(likes.liked, sender=Like, dispatch_uid="like-count-up")
        post_delete.connect(likes.unliked, sender=Like, dispatch_uid="like-count-down")
