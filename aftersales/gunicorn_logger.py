"""gunicorn's access log without survey tokens (Procfile and Dockerfile: --logger-class)."""

from gunicorn.glogging import Logger

from aftersales.log_filters import links_redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        # The request line, the path, the referrer and its header can all carry /s/<token>/.
        return {
            key: links_redact(value) if isinstance(value, str) else value
            for key, value in super().atoms(resp, req, environ, request_time).items()
        }
