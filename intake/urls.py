"""Browser entry points of the channels, and WeChat Work's callback."""

from django.urls import path

from intake.views import phone, store, web
from intake.wechat import views as wechat

app_name = "intake"
urlpatterns = [
    # 官网售后入口: public, no login.
    path("service/", web.web_form, name="web_form"),
    path("service/done/<str:token>/", web.web_done, name="web_done"),
    path("service/status/", web.web_status, name="web_status"),
    # 线下门店登记: store staff on a tablet.
    path("store/new/", store.store_form, name="store_form"),
    # 400 hotline: the agent's form during the call, and the call centre's webhook.
    path("intake/phone/new/", phone.hotline_form, name="hotline_form"),
    path("intake/phone/history/", phone.caller_history, name="caller_history"),
    path("intake/phone/ringing/", phone.ringing_call, name="ringing_call"),
    path("intake/phone/call-events/", phone.CallEventsWebhook.as_view(), name="call_events"),
    # 微信客服: WeChat Work's encrypted callback (GET verifies the URL, POST delivers events).
    path("intake/wechat/callback/", wechat.callback, name="wechat_callback"),
]
