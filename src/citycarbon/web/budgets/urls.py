"""URL patterns of the budgets app, mounted at the site root by ``web.urls``."""

from __future__ import annotations

from django.urls import path

from citycarbon.web.budgets import views

urlpatterns = [
    path("budgets/", views.budgets_page, name="budgets"),
    path("budgets/plans/new/", views.plan_upload, name="budget-upload"),
    path("budgets/plans/<int:plan_id>/", views.plan_page, name="budget-plan"),
    path("budgets/plans/<int:plan_id>/line/", views.plan_line, name="budget-plan-line"),
    path("budgets/plans/<int:plan_id>/allocate/", views.plan_allocate, name="budget-allocate"),
    path("budgets/plans/<int:plan_id>/approve/", views.plan_approve, name="budget-approve"),
    path("budgets/plans/<int:plan_id>/adjust/", views.plan_adjust, name="budget-adjust"),
    path("budgets/plans/<int:plan_id>/monitor/", views.plan_monitor, name="budget-monitor"),
    path("budgets/lines/<int:line_id>/", views.line_page, name="budget-line"),
    path("budgets/districts/<int:district_id>/", views.district_page, name="budget-district"),
    path("budgets/cases/", views.cases_page, name="budget-cases"),
    path("budgets/cases/<int:case_id>/", views.case_page, name="budget-case"),
    path("budgets/cases/<int:case_id>/answer/", views.case_answer, name="budget-case-answer"),
    path("budgets/cases/<int:case_id>/close/", views.case_close, name="budget-case-close"),
    path(
        "budgets/enterprises/<int:enterprise_id>/",
        views.enterprise_budget_page,
        name="budget-enterprise",
    ),
]
