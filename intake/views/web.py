# Being written in this session (issue 3); not committed in this state.
from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


web_form = web_done = web_status = _todo
