"""Chinese and English for the web pages: a message catalogue and Babel formatting.

Messages are keyed by their English text; a missing Chinese entry falls back to the
English. Numbers, money and dates are formatted for the user's locale by Babel.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

LOCALES = {"en": "en_GB", "zh": "zh_Hans_CN"}

ZH: dict[str, str] = {
    "Overview": "概览",
    "Buyers": "买方",
    "Buyer": "买方",
    "Import": "导入",
    "Audit log": "审计日志",
    "Reports": "报表",
    "Sign in": "登录",
    "Sign out": "退出",
    "E-mail": "电子邮箱",
    "Password": "密码",
    "Wrong e-mail or password.": "邮箱或密码错误。",
    "Open receivables": "未收应收账款",
    "Overdue": "逾期",
    "Overdue share": "逾期占比",
    "Open invoices": "未结发票",
    "Invoices": "发票",
    "Payments": "付款",
    "Ageing": "账龄",
    "Largest buyers": "最大买方",
    "Exposure": "风险敞口",
    "Share": "占比",
    "Country": "国家",
    "Industry": "行业",
    "Name": "名称",
    "Search": "搜索",
    "Amount": "金额",
    "Currency": "币种",
    "Issue date": "开票日期",
    "Due date": "到期日",
    "Date": "日期",
    "Open": "未结",
    "Terms (days)": "账期（天）",
    "Registration number": "注册号",
    "Oldest days overdue": "最长逾期天数",
    "As of": "截至",
    "Kind of file": "文件类型",
    "File": "文件",
    "Upload": "上传",
    "Imported": "已导入",
    "rows": "行",
    "inserted": "新增",
    "updated": "更新",
    "unchanged": "未变",
    "The file was refused; nothing was imported.": "文件被拒绝，未导入任何数据。",
    "Row": "行",
    "Column": "列",
    "Problem": "问题",
    "When": "时间",
    "Who": "操作人",
    "Action": "操作",
    "What": "对象",
    "Key": "键",
    "Before": "变更前",
    "After": "变更后",
    "Previous": "上一页",
    "Next": "下一页",
    "No daily cycle has run yet.": "尚未运行每日周期。",
    "current": "未到期",
    "Language": "语言",
    "of": "共",
    "Open amount": "未结金额",
    "Overdue amount": "逾期金额",
    "Receivables": "应收账款",
    "Show": "显示",
    "Countback DSO": "倒推法 DSO",
    "Best possible DSO": "最佳可能 DSO",
    "Largest buyer": "最大买方",
    "Bucket": "账龄段",
    "Total": "合计",
    "Open invoices in": "未结发票：",
    "Invoice": "发票",
    "Days overdue": "逾期天数",
    "DSO over the last 8 quarters": "近 8 个季度的 DSO",
    "Cumulative share": "累计占比",
    "days": "天",
    "Receivables at the end / credit sales of the period × days": (
        "期末应收账款 / 期内赊销额 × 天数"
    ),
    "Average days delinquent": "平均逾期天数",
    "Collection effectiveness index": "回款有效性指数",
    "Herfindahl–Hirschman index of the exposures": "风险敞口的赫芬达尔–赫希曼指数",
    # Credit assessment (buyer page, overview)
    "Credit assessment": "信用评估",
    "Not scored yet.": "尚未评分。",
    "Grade": "等级",
    "Class": "类别",
    "PD (one year)": "违约概率（一年）",
    "Score": "评分",
    "Confidence": "置信度",
    "Model": "模型",
    "Recommended limit": "建议信用额度",
    "Limit in force": "生效信用额度",
    "none": "无",
    "Country grade": "国家等级",
    "Altman": "Altman 模型",
    "Variant": "变体",
    "Value": "数值",
    "Zone": "区间",
    "safe": "安全",
    "grey": "灰色",
    "distress": "困境",
    "No financial statements.": "无财务报表。",
    "Reasons": "原因",
    "Reason code": "原因代码",
    "Factor": "因素",
    "Sub-score": "子评分",
    "Impact (points)": "影响（分）",
    "raises": "提高",
    "lowers": "降低",
    "no data": "无数据",
    "Score history": "评分历史",
    "Grade distribution": "等级分布",
    "Stop shipment": "停止发货",
    "Shipments stopped": "已停止发货",
    "permanent": "永久",
    "temporary": "临时",
    "until": "直至",
    "expired": "已过期",
    "Shipments allowed": "允许发货",
    "Limit history": "额度历史",
    "No limit requests.": "无额度申请。",
    "Requested by": "申请人",
    "Requested": "申请时间",
    "Status": "状态",
    "Decided by": "决定人",
    "Decision reason": "决定理由",
    "Approved amount": "批准金额",
    "Reason": "理由",
    "pending": "待审批",
    "approved": "已批准",
    "rejected": "已拒绝",
    "withdrawn": "已撤回",
    "Altman score (0 = distress cut-off, 1 = safe cut-off)": (
        "Altman 评分（0 = 困境界限，1 = 安全界限）"
    ),
    "current ratio": "流动比率",
    "total liabilities / total assets": "总负债 / 总资产",
    "EBIT / total assets": "息税前利润 / 总资产",
    "EBIT / interest expense": "息税前利润 / 利息支出",
    "log10 total assets (base currency)": "总资产的常用对数（本位币）",
    "average days beyond terms": "平均超期天数",
    "trend of days beyond terms (days per month)": "超期天数趋势（天/月）",
    "longest delay in the last year (days)": "近一年最长拖欠（天）",
    "disputes opened in the last year": "近一年发起的争议",
    "country grade (1 best, 10 worst)": "国家等级（1 最好，10 最差）",
    "industry risk (-1 low, 0 average, +1 high)": "行业风险（-1 低，0 平均，+1 高）",
    "years since the first invoice": "首张发票至今年数",
    "Country market risk report": "国家市场风险报告",
    "No score recorded yet (the daily cycle or tradeguard score records one a day).": (
        "尚无评分记录（每日周期或 tradeguard score 每天记录一次）。"
    ),
    # ---- pages-buyer ----
    "all": "全部",
    "Only buyers with overdue amounts": "仅显示有逾期金额的买方",
    "amounts in": "金额币种",
    "No FX rate for": "缺少汇率：",
    "the exposure of buyers owing in it is not shown.": "以该币种欠款的买方不显示风险敞口。",
    "Limit requests": "额度申请",
    "Pending limit requests": "待审批的额度申请",
    "Nothing was changed.": "未做任何更改。",
    "Limits and shipments": "额度与发货",
    "Request a limit": "申请信用额度",
    "Override reason": "越权理由",
    "Approve": "批准",
    "Reject": "拒绝",
    "Stop shipments": "停止发货",
    "Until (inclusive; empty: permanent)": "直至（含当日；留空：永久）",
    "Lift the stop": "解除停止发货",
    "All invoices": "全部发票",
    "Open on the date": "当日未结",
    "Overdue on the date": "当日逾期",
    "oldest first": "最早的在前",
    "Decision": "决定",
    "No limit request is waiting for a decision.": "没有待审批的额度申请。",
    "Limit requested: it waits for a credit manager's decision.": "已申请额度：等待信用经理决定。",
    "Limit approved: it is now in force.": "额度已批准，现已生效。",
    "Limit request rejected.": "额度申请已拒绝。",
    "Shipments stopped.": "已停止发货。",
    "Stop-shipment lifted.": "已解除停止发货。",
}


def translate(language: str, text: str) -> str:
    return ZH.get(text, text) if language == "zh" else text


def bucket(language: str, label: str) -> str:
    """An ageing bucket's label ("current", "1-30", "over 180", "up to 15") in the language."""
    if language != "zh":
        return label
    if label.startswith("over "):
        return f"{label[5:]} 天以上"
    if label.startswith("up to "):
        return f"{label[6:]} 天以内"
    if label == "current":
        return translate(language, label)
    return f"{label} 天"


def locale(language: str) -> str:
    return LOCALES.get(language, LOCALES["en"])


def money(language: str, amount: Decimal | str, currency: str) -> str:
    return format_currency(Decimal(amount), currency, locale=locale(language))


def number(language: str, value: int | float | Decimal) -> str:
    return format_decimal(value, locale=locale(language))


def percent(language: str, value: float) -> str:
    return format_percent(value, format="#,##0.0%", locale=locale(language))


def date(language: str, value: dt.date | str) -> str:
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, format="medium", locale=locale(language))
