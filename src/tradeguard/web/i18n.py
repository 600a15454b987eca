"""Chinese and English for the web pages: a message catalogue and Babel formatting.

Messages are keyed by their English text; a missing Chinese entry falls back to the
English. Numbers, money and dates are formatted for the user's locale by Babel.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from tradeguard.domain.errors import RowError

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
    # ---- imports ----
    "required column is missing": "缺少必需的列",
    "duplicate column": "列名重复",
    "the file has no rows below the header": "文件在表头之下没有数据行",
    "row has {cells} cells, the header has {header}": "该行有 {cells} 个单元格，表头有 {header} 个",
    "missing value": "缺少值",
    "contains a control character": "包含控制字符",
    "longer than {limit} characters": "超过 {limit} 个字符",
    "not a date in YYYY-MM-DD form: {value}": "不是 YYYY-MM-DD 格式的日期：{value}",
    "the year of {value} is not between 1900 and 2200": "{value} 的年份不在 1900 至 2200 之间",
    "not a whole number >= 0: {value}": "不是大于等于 0 的整数：{value}",
    "unknown currency code {value}": "未知的货币代码 {value}",
    "unknown country code {value} (ISO 3166 alpha-2)": (
        "未知的国家代码 {value}（ISO 3166 二位字母）"
    ),
    "not a number: {value}": "不是数字：{value}",
    "rate {value} has more than {digits} digits before the decimal point": (
        "汇率 {value} 的整数部分超过 {digits} 位"
    ),
    "rate {value} has more than {places} decimal places": "汇率 {value} 的小数超过 {places} 位",
    "must be greater than zero": "必须大于零",
    "amount too large: {value} (the most one amount can be is {largest})": (
        "金额过大：{value}（单笔金额最多为 {largest}）"
    ),
    "{value} has more decimal places than {currency} allows": (
        "{value} 的小数位数超过 {currency} 允许的位数"
    ),
    "negative amount: {value}": "金额为负：{value}",
    "duplicate {key} {value} (first on row {first})": (
        "{key} {value} 重复（首次出现在第 {first} 行）"
    ),
    "unknown buyer {value}": "未知的买方 {value}",
    "due date is before the issue date": "到期日早于开票日",
    "delivery date is more than a year before the issue date": "交货日期比开票日早一年以上",
    "unknown invoice {value}": "未知的发票 {value}",
    "write-off is larger than the invoice amount": "核销金额大于发票金额",
    "write-off is dated before the invoice was issued": "核销日期早于发票开具日期",
    "invoice {value} belongs to buyer {buyer}": "发票 {value} 属于买方 {buyer}",
    "invoice {value} is in {currency}": "发票 {value} 的币种是 {currency}",
    "the base currency {currency} has rate 1": "本位币 {currency} 的汇率为 1",
    "fiscal year out of range 1900-2200": "财年超出 1900-2200 的范围",
    "grade must be between 1 and 10": "等级必须在 1 到 10 之间",
    "political risk must be low, medium, high or very high": (
        "政治风险必须为 low、medium、high 或 very high"
    ),
    "the {currency} total of {amounts} in {table} would pass {limit} minor units, "
    "the most a total can hold": (
        "{table} 中 {amounts} 的 {currency} 合计将超过 {limit} 个最小货币单位，即合计所能容纳的上限"
    ),
    # ---- pages-site ----
    # error pages
    "Not found": "未找到",
    "Invalid input": "输入无效",
    "Forbidden": "无权访问",
    "Conflict": "冲突",
    "Bad request": "请求有误",
    "Not authenticated": "未登录",
    "Too many requests": "请求过多",
    "Internal error": "内部错误",
    "Service unavailable": "服务暂不可用",
    "Error": "错误",
    "There is nothing at this address, or it is not in your organisation's ledger.": (
        "此地址没有内容，或不在您所在组织的账簿中。"
    ),
    "Some values in the request are not valid; correct them and try again.": (
        "请求中有些值无效，请更正后重试。"
    ),
    "Your role does not allow this page or action.": "您的角色无权访问此页面或执行此操作。",
    "The request conflicts with the data as it is now; nothing was changed.": (
        "请求与当前数据冲突，未做任何更改。"
    ),
    "The request could not be carried out.": "无法执行该请求。",
    "Too many attempts; wait a little and try again.": "尝试次数过多，请稍候再试。",
    "Something went wrong on the server; nothing was changed. Try again shortly.": (
        "服务器出错，未做任何更改。请稍后重试。"
    ),
    "The database is busy; nothing was changed. Try again in a few seconds.": (
        "数据库繁忙，未做任何更改。请几秒后重试。"
    ),
    "Details": "详情",
    "Back to the page": "返回页面",
    "Back to the overview": "返回概览",
    "the date is in the future": "该日期在未来",
    "the request has invalid fields": "请求中有无效字段",
    "not a date in YYYY-MM-DD form": "不是 YYYY-MM-DD 格式的日期",
    "not a whole number": "不是整数",
    "at most %s": "最大为 %s",
    "at least %s": "最小为 %s",
    "at most %s characters": "最多 %s 个字符",
    "not one of the accepted values": "不是可接受的值",
    "true or false": "应为 true 或 false",
    "missing": "缺失",
    # reports: dates before the ledger, the DSO explanation
    "No data on that date (the ledger starts on %s).": "该日期无数据（账簿始于 %s）。",
    "No data yet: the ledger has no invoices.": "尚无数据：账簿中没有发票。",
    "Days sales outstanding": "应收账款周转天数",
    # industries (domain.credit.scorecard.INDUSTRY_RISK and the demo's)
    "Pharmaceuticals": "医药",
    "Food & Beverage": "食品饮料",
    "Energy": "能源",
    "Chemicals": "化工",
    "Electronics": "电子",
    "Machinery": "机械",
    "Paper & Packaging": "造纸与包装",
    "Plastics": "塑料",
    "Wholesale": "批发",
    "Agriculture": "农业",
    "Logistics": "物流",
    "Automotive": "汽车",
    "Metals": "金属",
    "Textiles": "纺织",
    "Retail": "零售",
    "Construction": "建筑",
    # credit models
    "Expert scorecard": "专家评分卡",
    "Fitted model": "拟合模型",
    # import kinds (importing.formats.FORMATS)
    "buyers": "买方",
    "invoices": "发票",
    "payments": "付款",
    "credit-notes": "贷项通知单",
    "write-offs": "坏账核销",
    "financials": "财务报表",
    "fx": "汇率",
    "countries": "国家风险",
    # audit actions (services.audit.record callers)
    "create": "创建",
    "update": "更新",
    "insert": "新增",
    "import": "导入",
    "password": "修改密码",
    "request": "申请",
    "approve": "批准",
    "reject": "拒绝",
    "withdraw": "撤回",
    "stop_shipment": "停止发货",
    "lift_stop_shipment": "解除停止发货",
    "cycle": "每日周期",
    "fit": "拟合模型",
    # audit entities (the tables written)
    "users": "用户",
    "api_tokens": "API 令牌",
    "organisation": "组织",
    "credit_limits": "信用额度",
    "credit_limit_requests": "额度申请",
    "stop_shipments": "停止发货",
    "cycle_runs": "每日周期运行",
    "credit_models": "信用模型",
    "credit_settings": "信用设置",
    "credit_notes": "贷项通知单",
    "write_offs": "坏账核销",
    "financial_statements": "财务报表",
    "fx_rates": "汇率",
    "country_overrides": "国家风险调整",
    # ---- limits ----
    "Cash before delivery only": "仅限货到前付款",
    "Open account with partial prepayment": "赊销，需部分预付款",
    "DEFAULT_DAYS_OVERDUE": "违约（逾期未付）",
    "DEFAULT_WRITE_OFF": "违约：已核销",
    "CLASS_A": "A 类",
    "CLASS_B": "B 类",
    "CLASS_C": "C 类",
    "NOT_ASSESSED": "尚未评估",
    # ---- security ----
    "Too many failed sign-ins. Wait a moment and try again.": "登录失败次数过多，请稍候再试。",
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


def row_problem(language: str, error: RowError) -> str:
    """An import problem in the language: its template translated, then its values filled in."""
    if language != "zh" or not error.template:
        return error.message
    return translate(language, error.template).format(**error.params)


def industry(language: str, name: str) -> str:
    """An industry as stored ("food & beverage", "Retail") in the language; unknown: as is."""
    key = name.strip().title()
    translated = translate(language, key)
    return name if translated == key else translated


def model(language: str, name: str) -> str:
    """A credit model's name: ``expert`` the scorecard, ``fitted:N`` the organisation's Nth."""
    if name == "expert":
        return translate(language, "Expert scorecard")
    kind, _, number = name.partition(":")
    if kind == "fitted" and number:
        return f"{translate(language, 'Fitted model')} {number}"
    return name


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
