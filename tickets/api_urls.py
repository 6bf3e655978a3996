from django.urls import path

from intake.api import ComplaintRegisterApi, SubmissionApi, SubmissionDetailApi, TriageApi
from tickets import api

urlpatterns = [
    path("tickets/", api.TicketListApi.as_view(), name="api-ticket-list"),
    path("tickets/<str:number>/", api.TicketDetailApi.as_view(), name="api-ticket-detail"),
    path(
        "tickets/<str:number>/timeline/",
        api.TicketTimelineApi.as_view(),
        name="api-ticket-timeline",
    ),
    path(
        "tickets/<str:number>/transition/",
        api.TicketTransitionApi.as_view(),
        name="api-ticket-transition",
    ),
    path("tickets/<str:number>/reveal/", api.TicketRevealApi.as_view(), name="api-ticket-reveal"),
    path("intake/complaints/", ComplaintRegisterApi.as_view(), name="api-complaint-register"),
    path("intake/submissions/", SubmissionApi.as_view(), name="api-submission"),
    path(
        "intake/submissions/<str:number>/",
        SubmissionDetailApi.as_view(),
        name="api-submission-detail",
    ),
    path("triage/", TriageApi.as_view(), name="api-triage"),
]
