# The WeChat Work fixtures (a fake WeChat that signs and encrypts), shared with tests/intake.
from tests.intake.wechat.conftest import aes_key, wechat, wechat_settings  # noqa: F401
