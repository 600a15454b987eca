"""The shipped wording of the dunning letters and e-mails, in English and Chinese.

Each is sandboxed Jinja source (``collections.letters`` renders it) over these fields:
``buyer_name``, ``contact_name`` (may be empty), ``seller_name``, ``seller_email``,
``seller_phone``, ``date``, ``total`` (the open amount, formatted, per currency),
``max_days_overdue``, ``invoice_count`` and ``items`` (each with ``invoice_id``,
``issue_date``, ``due_date``, ``days_overdue``, ``amount``, ``open_amount``, formatted).
The table of open items is added by the letter itself, after the body.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StepTemplate:
    """What a step's letter or e-mail says, as sandboxed Jinja source."""

    subject: str
    body: str


_t = StepTemplate


_GREETING_EN = "Dear {{ contact_name or buyer_name }},"
_GREETING_ZH = "尊敬的{{ contact_name or buyer_name }}："
_SIGN_EN = "Kind regards,\n{{ seller_name }}"
_SIGN_ZH = "此致\n敬礼\n{{ seller_name }}"


def _templates() -> dict[str, dict[str, StepTemplate]]:
    return {
        "pre_due_reminder": {
            "en": _t(
                "Payment reminder: {{ total }} falls due soon",
                f"{_GREETING_EN}\n\n"
                "This is a friendly reminder that the invoices below fall due shortly. "
                "If payment is already on its way, thank you and please disregard this "
                f"message.\n\n{_SIGN_EN}",
            ),
            "zh": _t(
                "付款提醒：{{ total }} 即将到期",
                f"{_GREETING_ZH}\n\n"
                "温馨提醒：以下发票即将到期。如您已安排付款，谨致谢意，请忽略本通知。"
                f"\n\n{_SIGN_ZH}",
            ),
        },
        "reminder_letter": {
            "en": _t(
                "Overdue invoices: {{ total }} is past due",
                f"{_GREETING_EN}\n\n"
                "According to our records, the invoices below remain unpaid after their "
                "due date. We kindly ask you to pay the open amount of {{ total }} within "
                "7 days. If you have already paid, or if you disagree with any item, "
                "please contact us at once.\n\n"
                f"{_SIGN_EN}",
            ),
            "zh": _t(
                "逾期发票催款函：{{ total }} 已逾期",
                f"{_GREETING_ZH}\n\n"
                "根据我方记录，以下发票已超过付款期限仍未结清。"
                "请于七日内支付未付金额 {{ total }}。"
                "如您已付款或对任何款项有异议，请立即与我们联系。\n\n"
                f"{_SIGN_ZH}",
            ),
        },
        "phone_call": {
            "en": _t(
                "Call {{ buyer_name }} about {{ total }} overdue",
                "Call {{ contact_name or buyer_name }} of {{ buyer_name }}. "
                "{{ invoice_count }} invoice(s) are open for {{ total }}, up to "
                "{{ max_days_overdue }} days overdue. A reminder letter was sent. Ask "
                "when the payment will be made and for how much; record a promise to "
                "pay with its date and amount, or the reason of any dispute.",
            ),
            "zh": _t(
                "致电 {{ buyer_name }}：逾期 {{ total }}",
                "请致电 {{ buyer_name }} 的 {{ contact_name or buyer_name }}。"
                "共有 {{ invoice_count }} 张发票未付，合计 {{ total }}，"
                "最长逾期 {{ max_days_overdue }} 天，催款函已寄出。"
                "请询问付款日期和金额，记录付款承诺（日期与金额）或任何争议的原因。",
            ),
        },
        "agency_handover": {
            "en": _t(
                "Final notice: {{ total }} handed over for collection",
                f"{_GREETING_EN}\n\n"
                "Despite our reminders, the invoices below remain unpaid. We have "
                "therefore handed the open amount of {{ total }} over to our collection "
                "agency, which will contact you. To avoid further costs, please pay "
                "without delay.\n\n"
                f"{_SIGN_EN}",
            ),
            "zh": _t(
                "最后通知：{{ total }} 已移交催收",
                f"{_GREETING_ZH}\n\n"
                "尽管我方多次提醒，以下发票仍未付款。"
                "我方已将未付金额 {{ total }} 移交催收机构，该机构将与您联系。"
                "为避免产生更多费用，请尽快付款。\n\n"
                f"{_SIGN_ZH}",
            ),
        },
    }


DEFAULT_TEMPLATES = _templates()

# A step the organisation adds under its own name is worded by its channel.
_GENERIC = {
    "email": "pre_due_reminder",
    "letter": "reminder_letter",
    "phone": "phone_call",
    "agency": "agency_handover",
}


def generic_template(channel: str, language: str) -> StepTemplate:
    return DEFAULT_TEMPLATES[_GENERIC[channel]][language]
