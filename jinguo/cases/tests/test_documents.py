"""Word documents: the default mediation agreement and monthly report render with the case's and
the month's figures; a unit's own template applies to it and below; an upload is checked; values
are escaped and placeholders sandboxed."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from docx import Document

from jinguo.cases import actions, documents
from jinguo.cases.models import DocumentTemplate, Kind, PartyRole, Status
from jinguo.cases.report import monthly_report
from jinguo.core.dates import cn_date
from jinguo.core.errors import ActionError
from jinguo.people.tests.helpers import build_registry

from .helpers import at, case_in, october, refused, today

pytestmark = pytest.mark.django_db

AGREEMENT = DocumentTemplate.Purpose.MEDIATION_AGREEMENT
REPORT = DocumentTemplate.Purpose.MONTHLY_REPORT
TERMS = "李强每月10日前支付抚养费1500元"
BAD_PLACEHOLDER = "模板中的占位符有误,请检查 {{ }} 是否成对、名称是否为页面列出的占位符"
ONLY_PLACEHOLDERS = "模板中只能使用页面列出的占位符,写作 {{ 名称 }};不支持条件、循环、运算等写法"


@pytest.fixture
def reg(tree, people):
    return build_registry(tree, people.district_cadre)


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def table_rows(data: bytes) -> list[tuple[str, str]]:
    [table] = Document(io.BytesIO(data)).tables
    return [(row.cells[0].text, row.cells[1].text) for row in table.rows]


def docx_with(*lines: str) -> bytes:
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def agreed_mediation(people, tree, reg, *, unit=None, terms=TERMS, narrative="双方因抚养费发生纠纷", cadre=None):
    cadre = cadre or people.street_cadre
    case = case_in(
        Status.IN_PROGRESS,
        unit=unit or tree.east,
        cadre=cadre,
        leader=people.district_leader,
        kind=Kind.MEDIATION,
        person=reg.zhang,
        narrative=narrative,
        received_at=at(2026, 11, 2),
        parties=[actions.Party(name="李强", role=PartyRole.RESPONDENT, relation="丈夫")],
    )
    actions.do_set_mediators(actor=cadre, case=case, users=[cadre], persons=[reg.shan])
    actions.do_record_session(actor=cadre, case=case, held_on=dt.date(2026, 11, 20), place="调解室")
    actions.do_record_agreement(actor=cadre, case=case, reached=True, terms=terms, agreed_on=dt.date(2026, 11, 20))
    case.refresh_from_db()
    return case


def long_date(day: dt.date) -> str:
    return f"{cn_date(day)}"


# --- the default templates -----------------------------------------------------------------------


def test_the_default_agreement_carries_the_case_the_parties_the_terms_and_the_mediators(people, tree, reg):
    case = agreed_mediation(people, tree, reg)
    assert paragraphs(documents.mediation_agreement(case)) == [
        "人民调解协议书",
        "编号:2026TJ00001",
        "当事人:张晓燕",
        "对方当事人:李强(丈夫)",
        "纠纷简要情况:双方因抚养费发生纠纷",
        "经东街道调解,双方当事人自愿达成如下协议:",
        TERMS,
        "本协议自各方当事人签名(盖章)之日起生效。本协议一式三份,当事人各执一份,调解组织留存一份。",
        "调解员:street_cadre、单丽",
        "当事人(签名):                    当事人(签名):",
        "东街道(盖章)",
        "2026年11月20日",
    ]


def test_the_agreement_context_of_an_anonymous_case(people, tree, reg):
    case = agreed_mediation(people, tree, reg)
    case.person, case.anonymous = None, True
    context = documents.agreement_context(case)
    assert (context["applicant"], context["agreed_on"], context["today"]) == (
        "匿名当事人",
        "2026年11月20日",
        long_date(today()),
    )


def test_no_agreement_document_before_an_agreement_is_reached(people, tree, reg):
    case = case_in(
        Status.IN_PROGRESS,
        unit=tree.east,
        cadre=people.street_cadre,
        leader=people.district_leader,
        kind=Kind.MEDIATION,
    )
    assert refused(documents.mediation_agreement, case=case) == "该调解案件尚未达成协议,不能生成协议书"


def test_the_default_monthly_report_carries_every_figure(people, tree):
    october(people, tree)
    report = monthly_report(people.street_cadre, tree.east, dt.date(2026, 10, 1))
    data = documents.monthly_report_docx(report)
    texts = paragraphs(data)
    assert texts == ["东街道维权工作月报(2026年10月)", report.sentence(), f"制表日期:{long_date(today())}"]
    assert table_rows(data) == [
        ("受理总数", "4"),
        ("按来源渠道", "来访3件、电话/12338 1件"),
        ("按类型", "来信来访1件、调解1件、家庭暴力2件"),
        ("按类别", "婚姻家庭2件、家庭暴力2件"),
        ("按单位", "东街道(本级)1件、东一社区2件、东二社区1件"),
        ("办结", "3"),
        ("办理结果", "已解决2件、部分解决1件"),
        ("结案", "2"),
        ("制止家庭暴力(起)", "1"),
        ("家庭暴力占婚姻家庭问题(%)", "50.0"),
        ("月末在办 / 其中超期", "3 / 2"),
        ("回访次数 / 满意率(%)", "3 / 50.0"),
    ]


def test_an_empty_month_shows_dashes_and_none(people, tree):
    report = monthly_report(people.street_cadre, tree.east, dt.date(2026, 5, 1))
    rows = dict(table_rows(documents.monthly_report_docx(report)))
    assert (rows["按来源渠道"], rows["家庭暴力占婚姻家庭问题(%)"], rows["回访次数 / 满意率(%)"]) == ("无", "—", "0 / —")


@pytest.mark.parametrize("purpose", [AGREEMENT, REPORT])
def test_the_default_templates_pass_their_own_check(purpose):
    documents.check_template(purpose, "默认.docx", documents.default_template(purpose))


# --- a unit's own template -----------------------------------------------------------------------


def test_a_units_template_is_used_for_it_and_below_and_not_for_a_sibling(people, tree, reg):
    data = docx_with("东街道人民调解委员会", "协议编号 {{ number }}", "{{ terms }}")
    row = actions.do_upload_template(
        actor=people.street_cadre, unit=tree.east, purpose=AGREEMENT, file_name="东街道协议.docx", data=data
    )
    assert (row.unit, row.purpose, row.file_name, row.uploaded_by, bytes(row.data)) == (
        tree.east,
        "mediation_agreement",
        "东街道协议.docx",
        people.street_cadre,
        data,
    )
    here = agreed_mediation(people, tree, reg)
    below = agreed_mediation(people, tree, reg, unit=tree.east1, terms="另一份协议")
    sibling = agreed_mediation(people, tree, reg, unit=tree.west, cadre=people.district_cadre)
    assert paragraphs(documents.mediation_agreement(here)) == ["东街道人民调解委员会", "协议编号 2026TJ00001", TERMS]
    assert paragraphs(documents.mediation_agreement(below)) == [
        "东街道人民调解委员会",
        "协议编号 2026TJ00002",
        "另一份协议",
    ]
    assert paragraphs(documents.mediation_agreement(sibling))[:2] == ["人民调解协议书", "编号:2026TJ00003"]
    assert documents.template_for(tree.east1, AGREEMENT) == (data, row)
    assert documents.template_for(tree.west1, AGREEMENT) == (documents.default_template(AGREEMENT), None)
    assert documents.template_for(tree.district, AGREEMENT)[1] is None
    # a template for one purpose does not replace the other
    assert documents.template_for(tree.east1, REPORT) == (documents.default_template(REPORT), None)


def test_the_nearest_template_above_wins(people, tree):
    district = actions.do_upload_template(
        actor=people.district_cadre,
        unit=tree.district,
        purpose=REPORT,
        file_name="区.docx",
        data=docx_with("区 {{ unit }}"),
    )
    east = actions.do_upload_template(
        actor=people.street_cadre, unit=tree.east, purpose=REPORT, file_name="东.docx", data=docx_with("东 {{ unit }}")
    )
    assert documents.template_for(tree.east1, REPORT)[1] == east
    assert documents.template_for(tree.west1, REPORT)[1] == district
    report = monthly_report(people.district_cadre, tree.west1, dt.date(2026, 10, 1))
    assert paragraphs(documents.monthly_report_docx(report)) == ["区 西一社区"]


def test_uploading_again_replaces_the_units_template(people, tree):
    first = actions.do_upload_template(
        actor=people.street_cadre,
        unit=tree.east,
        purpose=AGREEMENT,
        file_name="一.docx",
        data=docx_with("{{ number }}"),
    )
    second = actions.do_upload_template(
        actor=people.street_cadre,
        unit=tree.east,
        purpose=AGREEMENT,
        file_name="二.docx",
        data=docx_with("二 {{ unit }}"),
    )
    assert second.pk == first.pk
    assert list(DocumentTemplate.objects.values_list("file_name", flat=True)) == ["二.docx"]


@pytest.mark.parametrize("actor", ["readonly_user", "sibling_street_cadre", "community_cadre", "sys_admin"])
def test_a_user_who_cannot_edit_at_the_unit_cannot_upload(people, tree, actor):
    message = refused(
        actions.do_upload_template,
        actor=getattr(people, actor),
        unit=tree.east,
        purpose=AGREEMENT,
        file_name="协议.docx",
        data=docx_with("{{ number }}"),
    )
    assert message == "您无权为该单位设置文书模板"
    assert DocumentTemplate.objects.count() == 0


def test_an_unknown_purpose_is_refused(people, tree):
    message = refused(
        actions.do_upload_template,
        actor=people.street_cadre,
        unit=tree.east,
        purpose="letter",
        file_name="a.docx",
        data=docx_with("x"),
    )
    assert message == "模板用途无效"


# --- checking an upload --------------------------------------------------------------------------


def xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("purpose", "file_name", "data", "message"),
    [
        (AGREEMENT, "协议.txt", "docx", "模板须是 Word 文档(.docx)"),
        (AGREEMENT, "协议.doc", "docx", "模板须是 Word 文档(.docx)"),
        (AGREEMENT, "协议.docx", b"{{ number }}", "模板须是 Word 文档(.docx)"),
        (AGREEMENT, "协议.docx", "xlsx", "无法读取该 Word 文档,请用 Word 另存为 .docx 后再上传"),
        (AGREEMENT, "协议.docx", b"PK\x03\x04 not a zip", "文件已损坏,无法打开"),
        (AGREEMENT, "协议.docx", ("{{ nonsense }}",), BAD_PLACEHOLDER),
        (AGREEMENT, "协议.docx", ("{{ number ",), BAD_PLACEHOLDER),
        (AGREEMENT, "协议.docx", ("{% for x in terms %}",), BAD_PLACEHOLDER),
        (REPORT, "月报.docx", ("{{ number }}",), BAD_PLACEHOLDER),
        (AGREEMENT, "协议.docx", ("{% include 'other.docx' %}",), ONLY_PLACEHOLDERS),
        (AGREEMENT, "协议.docx", ("{% extends 'base' %}",), ONLY_PLACEHOLDERS),
        (AGREEMENT, "协议.docx", ("{{ number + 1 }}",), ONLY_PLACEHOLDERS),
        (REPORT, "月报.docx", ("{{ 1 / 0 }}",), ONLY_PLACEHOLDERS),
        (REPORT, "月报.docx", ("{% for i in range(200000) %}{% endfor %}",), ONLY_PLACEHOLDERS),
        (
            REPORT,
            "月报.docx",
            ("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",),
            ONLY_PLACEHOLDERS,
        ),
        (AGREEMENT, "协议.docx", ('{{ "调解" * 10 ** 10 }}',), ONLY_PLACEHOLDERS),
        (AGREEMENT, "协议.docx", ("{{ 9 ** 9 ** 9 }}",), ONLY_PLACEHOLDERS),
        (AGREEMENT, "协议.docx", ("{% if number %}有编号{% endif %}",), ONLY_PLACEHOLDERS),
        (AGREEMENT, "协议.docx", ("{{ number|upper }}",), ONLY_PLACEHOLDERS),
        (AGREEMENT, "协议.docx", ("{% set x = number %}{{ x }}",), ONLY_PLACEHOLDERS),
        (AGREEMENT, "协议.docx", ("{{ number.__class__ }}",), ONLY_PLACEHOLDERS),
        (AGREEMENT, "协议.docx", ("{{ terms.__class__.__mro__ }}",), ONLY_PLACEHOLDERS),
        (REPORT, "月报.docx", ("{{ sentence.format.__globals__ }}",), ONLY_PLACEHOLDERS),
    ],
)
def test_a_bad_upload_is_refused_with_the_chinese_message(people, tree, purpose, file_name, data, message):
    if data == "docx":
        data = docx_with("{{ number }}")
    elif data == "xlsx":
        data = xlsx_bytes()
    elif isinstance(data, tuple):
        data = docx_with(*data)
    assert refused(documents.check_template, purpose=purpose, file_name=file_name, data=data) == message
    with pytest.raises(ActionError) as exc:
        actions.do_upload_template(
            actor=people.street_cadre, unit=tree.east, purpose=purpose, file_name=file_name, data=data
        )
    assert exc.value.message == message
    assert DocumentTemplate.objects.count() == 0


def test_every_listed_placeholder_is_accepted(people, tree):
    for purpose, fields in documents.PLACEHOLDERS.items():
        data = docx_with(*("{{ %s }}" % key for key, _ in fields))  # noqa: UP031
        documents.check_template(purpose, "全部.DOCX", data)


# --- escaping and the sandbox --------------------------------------------------------------------


def test_a_value_with_markup_characters_renders_as_text(people, tree, reg):
    terms = '甲方支付<1000元>&乙方"确认"'
    case = agreed_mediation(people, tree, reg, terms=terms, narrative="</w:t></w:r>注入&<x>")
    texts = paragraphs(documents.mediation_agreement(case))
    assert texts[6] == terms
    assert texts[4] == "纠纷简要情况:</w:t></w:r>注入&<x>"


def test_a_stored_template_with_an_unsafe_placeholder_renders_nothing_of_python(people, tree, reg):
    DocumentTemplate.objects.create(
        unit=tree.east,
        purpose=AGREEMENT,
        file_name="旧.docx",
        data=docx_with("编号{{ number.__class__ }}", "{{ number }}"),
        uploaded_by=people.street_cadre,
    )
    case = agreed_mediation(people, tree, reg)
    assert paragraphs(documents.mediation_agreement(case)) == ["编号", "2026TJ00001"]
