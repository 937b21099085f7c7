from django.urls import path

from studio.library.credits import views

urlpatterns = [
    path("credits/", views.credits_page, name="credits"),
    path("credits/ledger.csv", views.ledger_csv, name="credits_csv"),
    path("credits/budget/<int:pk>", views.set_budget, name="credits_budget"),
    path("credits/retry/<int:pk>", views.retry_refused, name="credits_retry"),
]
