"""WeChat Work customer service (微信客服): the encrypted callback and its crypto."""
