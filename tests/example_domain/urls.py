from __future__ import annotations

from django.urls import path

from tests.example_domain import views

urlpatterns = [
    path("points/", views.points, name="points"),
    path("points/<int:resident_id>/retire/", views.retire, name="points-retire"),
]
