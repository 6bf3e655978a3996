from django.urls import path

from tickets import views
from tickets.views import dispatch, field, team, work

app_name = "tickets"
# Each area's routes come before "<str:number>/", which would otherwise take their prefixes.
urlpatterns = [
    *team.urlpatterns,
    *field.urlpatterns,
    *dispatch.urlpatterns,
    *work.urlpatterns,
    path("", views.ticket_list, name="list"),
    # Before "<str:number>/", which would otherwise take "saved-filters".
    path("saved-filters/", views.saved_filter_create, name="saved_filter_create"),
    path("saved-filters/<int:pk>/delete/", views.saved_filter_delete, name="saved_filter_delete"),
    path("<str:number>/", views.ticket_detail, name="detail"),
    path("<str:number>/transition/", views.ticket_transition, name="transition"),
    path("<str:number>/reveal/", views.customer_reveal, name="reveal"),
    path("<str:number>/wechat/reply/", views.ticket_wechat_reply, name="wechat_reply"),
    path("<str:number>/attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
