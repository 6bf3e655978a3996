from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from aftersales import views
from aftersales.api import PingApi
from feedback.views import survey_page
from sla.api import SlaPreviewApi

admin.site.site_header = admin.site.site_title = _("After-sales service administration")
admin.site.index_title = _("Products, tags, teams, stores and users")

api_v1 = [
    path("ping/", PingApi.as_view(), name="api-ping"),
    path("sla/preview/", SlaPreviewApi.as_view(), name="api-sla-preview"),
    path("", include("tickets.api_urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="tickets:list", permanent=False)),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("tickets/", include("tickets.urls")),
    path("feedback/", include("feedback.urls")),
    # The customer's satisfaction survey: short, as it goes out in an SMS (feedback.surveys).
    path("s/<str:token>/", survey_page, name="survey"),
    path("sla/", include("sla.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("", include("intake.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's page carries an inline script and <style>: the one page whose CSP allows them.
    path(
        "api/docs/",
        csp_update({"script-src": ["'unsafe-inline'"], "style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerView.as_view(url_name="schema")
        ),
        name="swagger-ui",
    ),
]
