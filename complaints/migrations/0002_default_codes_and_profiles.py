"""Default code tables (JR/T 0169 axes: channel, business category, cause) and SLA profiles.

Administrators edit both in Django admin; these are the starting set."""

from django.db import migrations

CHANNELS = [
    ("01", "电话（客服热线）", "Phone (service hotline)"),
    ("02", "现场（营业网点）", "In person (branch)"),
    ("03", "网络（网站、手机银行、电子邮件）", "Online (website, app, e-mail)"),
    ("04", "信函", "Letter"),
    ("05", "监管部门转办", "Forwarded by the regulator"),
    ("06", "新闻媒体", "News media"),
    ("99", "其他", "Other"),
]
CATEGORIES = [
    ("B01", "人民币储蓄", "Deposits"),
    ("B02", "借记卡", "Debit cards"),
    ("B03", "信用卡", "Credit cards"),
    ("B04", "个人贷款", "Personal loans"),
    ("B05", "支付结算", "Payments and settlement"),
    ("B06", "代理销售（保险、基金）", "Agency sales (insurance, funds)"),
    ("B07", "银行理财", "Wealth management products"),
    ("B08", "贵金属", "Precious metals"),
    ("B09", "外汇业务", "Foreign exchange"),
    ("B10", "征信与个人金融信息", "Credit reporting and personal financial information"),
    ("B11", "信托业务", "Trust business"),
    ("B12", "证券经纪", "Securities brokerage"),
    ("B99", "其他", "Other"),
]
CAUSES = [
    ("R01", "服务态度及服务质量", "Service attitude and quality"),
    ("R02", "业务规则或流程", "Business rules or procedures"),
    ("R03", "收费定价", "Fees and pricing"),
    ("R04", "信息披露", "Disclosure"),
    ("R05", "营销方式和手段", "Marketing practices"),
    ("R06", "合同条款", "Contract terms"),
    ("R07", "自主选择权", "Freedom of choice"),
    ("R08", "公平交易", "Fair dealing"),
    ("R09", "个人信息安全", "Personal information security"),
    ("R10", "资金损失", "Loss of funds"),
    ("R11", "债务催收方式", "Debt collection practices"),
    ("R12", "适当性（产品与风险承受能力不匹配）", "Suitability (product above risk tolerance)"),
    ("R99", "其他", "Other"),
]
PROFILES = [
    {
        "code": "CN_BANK",
        "name": "银行业保险业默认（原银保监会2020年第3号令、人民银行金融消费者权益保护实施办法）",
        "name_en": "CN banking and insurance (CBIRC Order 2020 No. 3, PBOC consumer rules)",
        "description": "处理决定：收到投诉之日起15日内；情况复杂的经批准延长至30日；特别复杂的经批准并告知投诉人再延长30日（最长60日）。"
        "投诉人可在收到处理决定之日起30日内申请核查，核查在30日内办结。监管转办投诉7个工作日内确认受理。",
        "decision_days": 15,
        "complex_days": 30,
        "max_days": 60,
        "regulator_ack_days": 7,
        "regulator_ack_working_days": True,
        "review_request_days": 30,
        "review_days": 30,
        "warning_days": 3,
        "is_default": True,
    },
    {
        "code": "UK_FCA",
        "name": "英国FCA DISP（8周最终答复）",
        "name_en": "UK FCA DISP (final response within 8 weeks)",
        "description": "DISP 1.6: final response within eight weeks of receipt; then the Financial Ombudsman Service.",
        "decision_days": 56,
        "warning_days": 7,
    },
    {
        "code": "US_CFPB",
        "name": "美国CFPB（15日答复，最长60日）",
        "name_en": "US CFPB (respond within 15 days, close within 60)",
        "description": "Respond within 15 days; where more time is needed, a final response within 60 days.",
        "decision_days": 15,
        "max_days": 60,
        "warning_days": 3,
    },
    {
        "code": "HK_HKMA",
        "name": "香港金管局（7日确认，30日答复，最长60日）",
        "name_en": "Hong Kong HKMA (acknowledge in 7 days, reply in 30, at most 60)",
        "description": "Acknowledge within 7 days; final reply within 30 days, extended to 60 with an interim reply.",
        "ack_days": 7,
        "decision_days": 30,
        "max_days": 60,
        "warning_days": 3,
    },
]


def seed(apps, schema_editor):
    for model, rows in (("Channel", CHANNELS), ("BusinessCategory", CATEGORIES), ("Cause", CAUSES)):
        Model = apps.get_model("complaints", model)
        for order, (code, name, name_en) in enumerate(rows, start=1):
            Model.objects.get_or_create(
                code=code, defaults={"name": name, "name_en": name_en, "order": order * 10}
            )
    SlaProfile = apps.get_model("complaints", "SlaProfile")
    for row in PROFILES:
        row = dict(row)
        SlaProfile.objects.get_or_create(code=row.pop("code"), defaults=row)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
