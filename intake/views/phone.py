# Being written in this session (issue 3); not committed in this state.
from django.http import Http404
from django.views import View


def _todo(request, *args, **kwargs):
    raise Http404


hotline_form = caller_history = ringing_call = _todo


class CallEventsWebhook(View):
    pass
