"""Word documents from templates a unit can edit (docxtpl): the mediation agreement (人民调解协议书)
and the monthly report. The default templates are built here with python-docx, so that they can
be downloaded, edited in Word (keeping the {{ … }} placeholders) and uploaded for a unit and the
units below it. Templates are rendered in Jinja's sandbox with autoescape: an uploaded template can
neither reach Python objects nor break the document's XML with a value."""

from __future__ import annotations

import io
from functools import cache
from typing import Any

from django.utils import timezone
from docx import Document
from docx.shared import Pt
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from jinguo.core.dates import cn_date
from jinguo.core.errors import ActionError
from jinguo.core.excel import XLSX_MAGIC, check_archive

from .models import Case, DocumentTemplate
from .report import MonthlyReport, counted

Purpose = DocumentTemplate.Purpose
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

PLACEHOLDERS: dict[str, list[tuple[str, str]]] = {
    Purpose.MEDIATION_AGREEMENT: [
        ("number", "案件编号"),
        ("unit", "调解组织(单位名称)"),
        ("applicant", "申请人(当事人)"),
        ("parties", "其他当事人,如“对方当事人:李某(配偶)”"),
        ("narrative", "纠纷简要情况"),
        ("terms", "协议内容"),
        ("mediators", "调解员"),
        ("agreed_on", "协议日期"),
        ("today", "打印日期"),
    ],
    Purpose.MONTHLY_REPORT: [
        ("unit", "单位名称"),
        ("month", "月份,如“2026年3月”"),
        ("sentence", "一段话的月报摘要"),
        ("received", "受理总数"),
        ("by_channel", "按来源渠道,如“来信3件、来访12件”"),
        ("by_kind", "按类型"),
        ("by_category", "按类别"),
        ("by_unit", "按单位"),
        ("by_outcome", "按办理结果"),
        ("finished", "办结数"),
        ("closed", "结案数"),
        ("violence_stopped", "制止家庭暴力起数"),
        ("violence_share", "家庭暴力占婚姻家庭问题的百分比"),
        ("open_at_end", "月末在办数"),
        ("overdue_at_end", "月末超期数"),
        ("follow_ups_done", "回访次数"),
        ("satisfaction", "满意率(%)"),
        ("today", "制表日期"),
    ],
}


_date = cn_date


def _heading(doc: Any, text: str) -> None:
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold = True
    run.font.size = Pt(18)
    p.alignment = 1  # centred


@cache
def default_template(purpose: str) -> bytes:
    doc = Document()
    if purpose == Purpose.MEDIATION_AGREEMENT:
        _heading(doc, "人民调解协议书")
        doc.add_paragraph("编号:{{ number }}")
        doc.add_paragraph("当事人:{{ applicant }}")
        doc.add_paragraph("{{ parties }}")
        doc.add_paragraph("纠纷简要情况:{{ narrative }}")
        doc.add_paragraph("经{{ unit }}调解,双方当事人自愿达成如下协议:")
        doc.add_paragraph("{{ terms }}")
        doc.add_paragraph("本协议自各方当事人签名(盖章)之日起生效。本协议一式三份,当事人各执一份,调解组织留存一份。")
        doc.add_paragraph("调解员:{{ mediators }}")
        doc.add_paragraph("当事人(签名):                    当事人(签名):")
        doc.add_paragraph("{{ unit }}(盖章)")
        doc.add_paragraph("{{ agreed_on }}")
    elif purpose == Purpose.MONTHLY_REPORT:
        _heading(doc, "{{ unit }}维权工作月报({{ month }})")
        doc.add_paragraph("{{ sentence }}")
        table = doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, key in (
            ("受理总数", "received"),
            ("按来源渠道", "by_channel"),
            ("按类型", "by_kind"),
            ("按类别", "by_category"),
            ("按单位", "by_unit"),
            ("办结", "finished"),
            ("办理结果", "by_outcome"),
            ("结案", "closed"),
            ("制止家庭暴力(起)", "violence_stopped"),
            ("家庭暴力占婚姻家庭问题(%)", "violence_share"),
            ("月末在办 / 其中超期", "open_at_end"),
            ("回访次数 / 满意率(%)", "follow_ups_done"),
        ):
            cells = table.add_row().cells
            cells[0].text = label
            if key == "open_at_end":
                cells[1].text = "{{ open_at_end }} / {{ overdue_at_end }}"
            elif key == "follow_ups_done":
                cells[1].text = "{{ follow_ups_done }} / {{ satisfaction }}"
            else:
                cells[1].text = "{{ " + key + " }}"
        doc.add_paragraph("制表日期:{{ today }}")
    else:  # pragma: no cover - every purpose has a default
        raise ValueError(purpose)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def template_for(unit: Any, purpose: str) -> tuple[bytes, DocumentTemplate | None]:
    """The template that applies at `unit`: its own or the nearest above it, else the default."""
    rows = {
        t.unit.path: t
        for t in DocumentTemplate.objects.filter(unit__path__in=unit.ancestor_paths(), purpose=purpose).select_related(
            "unit"
        )
    }
    for path in reversed(unit.ancestor_paths()):
        if path in rows:
            return bytes(rows[path].data), rows[path]
    return default_template(purpose), None


class NotAPlaceholder(SecurityError):
    """A template holds more than text and plain placeholders."""


class PlaceholdersOnly(SandboxedEnvironment):
    """The sandbox, accepting nothing but text and plain placeholders ({{ name }}): no tags (loops,
    conditions, macros), no attributes, calls, filters or arithmetic. The sandbox alone keeps a
    template from Python's objects, not from the server's time and memory ({{ "字" * 10**10 }}, loops
    inside loops). Uploads are checked with it; what is stored has passed it."""

    ALLOWED = (nodes.Output, nodes.TemplateData, nodes.Name)

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
        tree = source if isinstance(source, nodes.Template) else self.parse(source)
        for node in tree.find_all(nodes.Node):
            if not isinstance(node, self.ALLOWED):
                raise NotAPlaceholder(type(node).__name__)
        return super().from_string(tree, globals, template_class)


def render(template: bytes, context: dict[str, Any], *, strict: bool = False) -> bytes:
    """`strict` (checking an upload): only plain placeholders, and an unknown one is an error, not
    an empty text."""
    doc = DocxTemplate(io.BytesIO(template))
    env = PlaceholdersOnly(undefined=StrictUndefined) if strict else SandboxedEnvironment()
    doc.render(context, jinja_env=env, autoescape=True)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def check_template(purpose: str, file_name: str, data: bytes) -> None:
    """An uploaded template must be a .docx that renders with the placeholders of its purpose."""
    if not file_name.lower().endswith(".docx") or not data.startswith(XLSX_MAGIC):
        raise ActionError("模板须是 Word 文档(.docx)", field="file")
    check_archive(data)
    sample = {key: f"[{label}]" for key, label in PLACEHOLDERS[purpose]}
    try:
        render(data, sample, strict=True)
    except NotAPlaceholder as exc:
        message = "模板中只能使用页面列出的占位符,写作 {{ 名称 }};不支持条件、循环、运算等写法"
        raise ActionError(message, field="file") from exc
    except TemplateError as exc:  # {{ }} not in pairs, a name not listed
        message = "模板中的占位符有误,请检查 {{ }} 是否成对、名称是否为页面列出的占位符"
        raise ActionError(message, field="file") from exc
    except (KeyError, ValueError, OSError) as exc:
        raise ActionError("无法读取该 Word 文档,请用 Word 另存为 .docx 后再上传", field="file") from exc


def agreement_context(case: Case) -> dict[str, Any]:
    applicant = case.person.name if case.person else "匿名当事人"
    parties = ";".join(
        f"{p.get_role_display()}:{p.name}" + (f"({p.relation})" if p.relation else "") for p in case.parties.all()
    )
    mediators = "、".join(m.name for m in case.mediators.select_related("user", "person").order_by("id"))
    return {
        "number": case.number,
        "unit": case.unit.name,
        "applicant": applicant,
        "parties": parties,
        "narrative": case.narrative,
        "terms": case.agreement_terms,
        "mediators": mediators,
        "agreed_on": _date(case.agreement_on),
        "today": _date(timezone.localdate()),
    }


def mediation_agreement(case: Case) -> bytes:
    if not case.agreement_reached:
        raise ActionError("该调解案件尚未达成协议,不能生成协议书")
    template, _ = template_for(case.unit, Purpose.MEDIATION_AGREEMENT)
    return render(template, agreement_context(case))


def _joined(rows: list[Any]) -> str:
    return "、".join(counted(r.label, r.count) for r in rows if r.count) or "无"


def report_context(report: MonthlyReport) -> dict[str, Any]:
    return {
        "unit": report.unit.name,
        "month": report.month_label,
        "sentence": report.sentence(),
        "received": report.received,
        "by_channel": _joined(report.by_channel),
        "by_kind": _joined(report.by_kind),
        "by_category": _joined(report.by_category),
        "by_unit": _joined(report.by_unit),
        "by_outcome": _joined(report.by_outcome),
        "finished": report.finished,
        "closed": report.closed,
        "violence_stopped": report.violence_stopped,
        "violence_share": "—" if report.violence_share is None else report.violence_share,
        "open_at_end": report.open_at_end,
        "overdue_at_end": report.overdue_at_end,
        "follow_ups_done": report.follow_ups_done,
        "satisfaction": "—" if report.satisfaction is None else report.satisfaction,
        "today": _date(timezone.localdate()),
    }


def monthly_report_docx(report: MonthlyReport) -> bytes:
    template, _ = template_for(report.unit, Purpose.MONTHLY_REPORT)
    return render(template, report_context(report))
