"""Cases of rights protection (DOMAIN.md §5-6): petitions (来信来访 and hotline calls), mediations
and domestic-violence incidents, with their parties, timeline, referrals, transfers between units,
follow-up visits after closing, and mediation sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from jinguo.core.crypto import EncryptedTextField
from jinguo.core.models import DictionaryEntry, ScopedModel, ScopedQuerySet
from jinguo.core.tree import under_any


class Kind(models.TextChoices):
    PETITION = "petition", "来信来访"
    MEDIATION = "mediation", "调解"
    VIOLENCE = "violence", "家庭暴力"


class Channel(models.TextChoices):
    LETTER = "letter", "来信"
    VISIT = "visit", "来访"
    PHONE = "phone", "电话/12338"
    ONLINE = "online", "网上"
    REFERRED = "referred", "上级转办"


class Urgency(models.TextChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"
    CRITICAL = "critical", "特急"


class RiskLevel(models.TextChoices):
    HIGH = "high", "高"
    MEDIUM = "medium", "中"
    LOW = "low", "低"


class Status(models.TextChoices):
    REGISTERED = "registered", "登记"
    ACCEPTED = "accepted", "受理"
    IN_PROGRESS = "in_progress", "办理中"
    REFERRED = "referred", "转介中"
    FINISHED = "finished", "办结"
    CLOSING = "closing", "待审批结案"
    CLOSED = "closed", "结案"


OPEN_STATUSES = (Status.REGISTERED, Status.ACCEPTED, Status.IN_PROGRESS, Status.REFERRED)
HANDLING_STATUSES = (Status.ACCEPTED, Status.IN_PROGRESS, Status.REFERRED)


class Outcome(models.TextChoices):
    RESOLVED = "resolved", "已解决"
    PARTLY = "partly", "部分解决"
    UNRESOLVED = "unresolved", "未解决"
    REFERRED_OUT = "referred_out", "转有关部门处理"
    WITHDRAWN = "withdrawn", "当事人撤回"


class PartyRole(models.TextChoices):
    RESPONDENT = "respondent", "对方当事人"
    ABUSER = "abuser", "施暴人"
    OTHER = "other", "其他当事人"


class ReferralTo(models.TextChoices):
    LEGAL_AID = "legal_aid", "法律援助"
    POLICE = "police", "公安"
    COURT = "court", "法院"
    CIVIL_AFFAIRS = "civil_affairs", "民政"
    HEALTH = "health", "卫生健康"
    OTHER = "other", "其他"


class FollowUpWay(models.TextChoices):
    PHONE = "phone", "电话"
    HOME = "home", "上门"
    MESSAGE = "message", "微信/短信"
    OFFICE = "office", "来访面谈"


# The checklist of domestic-violence risk factors and how much each weighs (the level follows
# from the factors ticked: risk_level_of).
RISK_FACTORS: dict[str, tuple[str, str]] = {
    "weapon": ("使用或扬言使用凶器", RiskLevel.HIGH),
    "threat_to_kill": ("扬言杀害受害人或其家人", RiskLevel.HIGH),
    "strangling": ("掐脖、捂口鼻等致命方式施暴", RiskLevel.HIGH),
    "injury": ("已造成明显身体伤害", RiskLevel.HIGH),
    "escalating": ("暴力次数增多、程度加重", RiskLevel.MEDIUM),
    "pregnant": ("受害人怀孕或在哺乳期", RiskLevel.MEDIUM),
    "children": ("对子女施暴或当着子女施暴", RiskLevel.MEDIUM),
    "substance": ("施暴人酗酒、吸毒或赌博", RiskLevel.MEDIUM),
    "control": ("跟踪、限制人身自由或经济控制", RiskLevel.MEDIUM),
    "separation": ("受害人提出或正在离婚、分居", RiskLevel.MEDIUM),
    "isolation": ("受害人缺少亲友支持", RiskLevel.LOW),
}


USER = settings.AUTH_USER_MODEL


def risk_level_of(factors: list[str]) -> str:
    """高 with any grave factor or three others; 中 with one or two others; 低 otherwise."""
    weights = [RISK_FACTORS[f][1] for f in factors if f in RISK_FACTORS]
    medium = weights.count(RiskLevel.MEDIUM)
    if RiskLevel.HIGH in weights or medium >= 3:
        return RiskLevel.HIGH
    if medium:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


class CaseCategory(DictionaryEntry):
    """What a case is about (婚姻家庭, 家庭暴力 …); a district may add its own."""

    is_family = models.BooleanField("属于婚姻家庭问题", default=False)

    class Meta(DictionaryEntry.Meta):
        verbose_name = "案件类别"
        verbose_name_plural = "案件类别"
        constraints = [models.UniqueConstraint(fields=["code"], name="case_category_code_unique")]


VIOLENCE_CATEGORY = "domestic_violence"


class CaseQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any, *, perm: str) -> CaseQuerySet:
        """Cases of the user's units and below, and cases transferred to them awaiting their answer."""
        from jinguo.accounts.scoping import scope_paths

        paths = scope_paths(user, perm=perm)
        if not paths:
            return self.none()
        return self.filter(under_any("unit_path", paths) | under_any("transfer_to_path", paths))

    def open(self) -> CaseQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def to_accept(self) -> CaseQuerySet:
        """Registered and waiting to be accepted here: not on its way to another unit (that one
        waits there, as a transfer to answer)."""
        return self.filter(status=Status.REGISTERED, transfer_to__isnull=True)

    def overdue(self, today: dt.date | None = None) -> CaseQuerySet:
        """Not accepted by its accept date, or not finished by its finish date."""
        today = today or timezone.localdate()
        late_accept = Q(status=Status.REGISTERED, accept_due__lt=today)
        late_finish = Q(status__in=HANDLING_STATUSES, finish_due__lt=today)
        return self.filter(late_accept | late_finish)


class Case(ScopedModel):
    number = models.CharField("编号", max_length=20, editable=False)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    category = models.ForeignKey(CaseCategory, on_delete=models.PROTECT, related_name="+", verbose_name="类别")
    channel = models.CharField("来源渠道", max_length=12, choices=Channel.choices)
    received_at = models.DateTimeField("登记时间")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name="当事人"
    )
    anonymous = models.BooleanField("匿名", default=False)
    narrative = EncryptedTextField("事由", blank=True, default="")
    request = EncryptedTextField("诉求", blank=True, default="")
    urgency = models.CharField("紧急程度", max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    risk_level = models.CharField("风险等级", max_length=10, choices=RiskLevel.choices, blank=True)
    risk_factors = EncryptedTextField("风险因素", blank=True, default="")  # codes of RISK_FACTORS, comma-separated
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.REGISTERED)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="承办人",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="登记人",
    )
    accept_due = models.DateField("应受理日期")
    finish_due = models.DateField("应办结日期", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    finished_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    outcome = models.CharField("办理结果", max_length=14, choices=Outcome.choices, blank=True)
    outcome_note = EncryptedTextField("办理情况", blank=True, default="")
    violence_stopped = models.BooleanField("制止了家庭暴力", default=False)
    close_requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # A transfer awaiting the receiving unit's answer: its users see the case meanwhile.
    transfer_to = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="转往单位"
    )
    transfer_to_path = models.CharField(max_length=255, blank=True, default="", editable=False)
    # mediation
    agreement_reached = models.BooleanField("达成调解协议", null=True, blank=True)
    agreement_terms = EncryptedTextField("协议内容", blank=True, default="")
    agreement_on = models.DateField("协议日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = CaseQuerySet.as_manager()  # type: ignore[misc]  # a subclass of the scoped queryset

    class Meta:
        verbose_name = "案件"
        verbose_name_plural = "案件"
        constraints = [models.UniqueConstraint(fields=["number"], name="case_number_unique")]
        indexes = [
            models.Index(fields=["unit_path", "received_at"], name="case_unit_received"),
            models.Index(fields=["status", "accept_due"], name="case_status_accept_due"),
            models.Index(fields=["status", "finish_due"], name="case_status_finish_due"),
            models.Index(fields=["handler", "status"], name="case_handler_status"),
            models.Index(fields=["finished_at"], name="case_finished_at"),
            models.Index(fields=["received_at"], name="case_received_at"),
            models.Index(fields=["closed_at"], name="case_closed_at"),
            models.Index(fields=["transfer_to_path"], name="case_transfer_to", condition=~Q(transfer_to_path="")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_violence(self) -> bool:
        return self.kind == Kind.VIOLENCE or self.category.code == VIOLENCE_CATEGORY

    @property
    def factor_codes(self) -> list[str]:
        return [f for f in (self.risk_factors or "").split(",") if f]

    def factor_labels(self) -> list[str]:
        return [RISK_FACTORS[f][0] for f in self.factor_codes if f in RISK_FACTORS]

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        if self.status == Status.REGISTERED:
            return self.accept_due < today
        return self.status in HANDLING_STATUSES and self.finish_due is not None and self.finish_due < today


class CaseParty(models.Model):
    """Another party of a case (the other spouse, the abuser …); encrypted: a name in a violence case
    is itself sensitive."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField("身份", max_length=12, choices=PartyRole.choices, default=PartyRole.RESPONDENT)
    name = EncryptedTextField("姓名")
    relation = models.CharField("与当事人关系", max_length=20, blank=True)
    phone = EncryptedTextField("联系电话", blank=True, default="")
    person = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="登记人员"
    )

    class Meta:
        verbose_name = "案件当事人"
        verbose_name_plural = "案件当事人"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_role_display()}"


EVENT_LABELS = {
    "register": "登记",
    "update": "修改登记信息",
    "party": "当事人",
    "accept": "受理",
    "start": "开始办理",
    "refer": "转介",
    "answer_referral": "转介反馈",
    "finish": "办结",
    "close": "申请结案",
    "approve_close": "批准结案",
    "reject_close": "退回结案申请",
    "reopen": "重新办理",
    "transfer": "转办",
    "accept_transfer": "接收转办",
    "reject_transfer": "退回转办",
    "note": "办理记录",
    "follow_up": "回访",
    "follow_up_plan": "安排回访",
    "mediators": "调解员",
    "session": "调解",
    "agreement": "调解结果",
    "import": "导入",
}


class CaseEvent(models.Model):
    """One step of a case's timeline: who did what when, from which status to which."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField("动作", max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = EncryptedTextField("说明", blank=True, default="")

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case} · {self.action}"

    @property
    def label(self) -> str:
        return EVENT_LABELS.get(self.action, self.action)


class Referral(models.Model):
    """A case sent to another body (legal aid, police, court …) and its answer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    to = models.CharField("转介去向", max_length=14, choices=ReferralTo.choices)
    organisation = models.CharField("接收单位", max_length=100)
    referred_on = models.DateField("转介日期")
    referred_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    note = EncryptedTextField("转介说明", blank=True, default="")
    answer = EncryptedTextField("反馈", blank=True, default="")
    answered_on = models.DateField("反馈日期", null=True, blank=True)

    class Meta:
        verbose_name = "转介"
        verbose_name_plural = "转介"
        ordering = ["referred_on", "id"]

    def __str__(self) -> str:
        return f"{self.case} → {self.organisation}"


class Transfer(models.Model):
    """A case handed to another unit up or down the tree, accepted or refused there."""

    class State(models.TextChoices):
        PENDING = "pending", "待接收"
        ACCEPTED = "accepted", "已接收"
        REJECTED = "rejected", "已退回"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="转出单位")
    to_unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="转往单位")
    reason = models.CharField("转办理由", max_length=500)
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField("退回理由", max_length=500, blank=True)

    class Meta:
        verbose_name = "转办"
        verbose_name_plural = "转办"
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.case} → {self.to_unit_id}"


class FollowUpQuerySet(models.QuerySet["FollowUp"]):
    def pending(self) -> FollowUpQuerySet:
        return self.filter(done_on__isnull=True)

    def overdue(self, today: dt.date | None = None) -> FollowUpQuerySet:
        return self.pending().filter(due_on__lt=today or timezone.localdate())


class FollowUp(models.Model):
    """A follow-up visit (回访) after closing: planned for a date, then done with its result."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    due_on = models.DateField("计划回访日期")
    done_on = models.DateField("回访日期", null=True, blank=True)
    way = models.CharField("回访方式", max_length=10, choices=FollowUpWay.choices, blank=True)
    result = EncryptedTextField("回访情况", blank=True, default="")
    satisfied = models.BooleanField("当事人满意", null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="回访人",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["done_on", "due_on"], name="followup_done_due")]

    def __str__(self) -> str:
        return f"{self.case} · {self.due_on}"


class CaseMediator(models.Model):
    """A mediator of a mediation case: a user of the platform, or a registered volunteer (a person)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="mediators")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "调解员"
        verbose_name_plural = "调解员"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, person__isnull=True) | Q(user__isnull=True, person__isnull=False),
                name="mediator_is_a_user_or_a_person",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user or self.person)

    @property
    def name(self) -> str:
        if self.user is not None:
            return self.user.display_name
        return self.person.name if self.person else ""


class MediationSession(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField("调解日期")
    place = models.CharField("地点", max_length=100)
    parties_present = EncryptedTextField("到场当事人", blank=True, default="")
    outcome = EncryptedTextField("调解情况", blank=True, default="")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "调解记录"
        verbose_name_plural = "调解记录"
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.case} · {self.held_on}"


class TimeLimit(models.Model):
    """A unit's time limit for a kind of case and a step, in days; the units below follow it unless
    they set their own. Without any, the defaults (limits.DEFAULT_DAYS) apply."""

    class Step(models.TextChoices):
        ACCEPT = "accept", "受理时限"
        FINISH = "finish", "办结时限"
        FOLLOW_UP = "follow_up", "首次回访"

    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    step = models.CharField("环节", max_length=10, choices=Step.choices)
    days = models.PositiveSmallIntegerField("天数")

    class Meta:
        verbose_name = "办理时限"
        verbose_name_plural = "办理时限"
        constraints = [models.UniqueConstraint(fields=["unit", "kind", "step"], name="one_limit_per_unit_kind_step")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}{self.get_step_display()}{self.days}天"


class CaseNumber(models.Model):
    """The last number given to a case of a kind in a year (locked while the next is taken)."""

    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "kind"], name="one_counter_per_year_kind")]

    def __str__(self) -> str:
        return f"{self.year}{self.kind}:{self.last}"


class DocumentTemplate(models.Model):
    """A Word template (docxtpl) a unit uploaded to replace the default one, for itself and below."""

    class Purpose(models.TextChoices):
        MEDIATION_AGREEMENT = "mediation_agreement", "人民调解协议书"
        MONTHLY_REPORT = "monthly_report", "维权工作月报"

    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField("用途", max_length=30, choices=Purpose.choices)
    file_name = models.CharField("文件名", max_length=200)
    data = models.BinaryField()
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "文书模板"
        verbose_name_plural = "文书模板"
        constraints = [models.UniqueConstraint(fields=["unit", "purpose"], name="one_template_per_unit_purpose")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.file_name})"
