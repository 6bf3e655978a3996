"""What the WeChat dialogue says to the customer, in Chinese like every customer message.

The questions for scene, symptom, what was tried and the model are triage's own prompts (the
website's live hints show the same ones); this module adds only what a chat needs besides.
"""

from __future__ import annotations

from tickets import masking

GREETING = "您好，这里是售后服务。"
ASK_DESCRIPTION = "请问您遇到了什么问题？请简单描述一下（如：空调制冷时出风口有异响）。"
ASK_PHONE = "请留下您的手机号码和称呼，方便售后专员与您联系（如：张先生 13812345678）。"
BAD_PHONE = "这个号码似乎不正确，请重新发送您的手机号码（如：13812345678）。"
TEXT_ONLY = "目前只能识别文字消息，请用文字回复，谢谢。"
REGISTER_FAILED = "抱歉，登记没有成功，请稍后再试，或拨打400热线联系我们。"
CONFIRM_HINT = "回复1确认提交；如需补充或更正，请直接回复补充内容。"

SUMMARY_LINES = (
    ("product_model", "产品型号"),
    ("description", "问题描述"),
    ("scene", "出现场景"),
    ("symptom", "具体现象"),
    ("tried", "已尝试"),
)


def summary(*, fields: dict[str, str], customer_name: str, phone: str) -> str:
    """The read-back the customer confirms with "1" (the chat's 二次确认)."""
    lines = ["请核对您的售后申请："]
    lines += [f"{label}：{fields[name]}" for name, label in SUMMARY_LINES if fields.get(name)]
    contact = " ".join(part for part in (customer_name, masking.mask_phone(phone)) if part)
    lines.append(f"联系方式：{contact}")
    lines.append(CONFIRM_HINT)
    return "\n".join(lines)
