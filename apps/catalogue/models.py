from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.core.mynumber import validate_no_my_number

from .constants import CHANNEL_FIELDS, Channel, CounterForm


class BilingualMixin:
    """Pick the English variant of a field on /en/ when it is filled, else the Japanese one."""

    def localized(self, field: str) -> str:
        if (get_language() or "ja").startswith("en"):
            value = getattr(self, f"{field}_en", "")
            if value:
                return value
        return getattr(self, field)

    def __getattr__(self, name: str):
        # Templates cannot pass arguments: {{ p.localized_title }} means p.localized("title").
        if name.startswith("localized_"):
            return self.localized(name[len("localized_") :])
        raise AttributeError(name)


class Section(BilingualMixin, models.Model):
    """A responsible section of the city hall (担当課)."""

    code = models.SlugField(_("コード"), max_length=50, unique=True, validators=[validate_no_my_number])
    name = models.CharField(_("名称"), max_length=100, validators=[validate_no_my_number])
    name_en = models.CharField(
        _("名称（英語）"), max_length=150, blank=True, validators=[validate_no_my_number]
    )
    phone = models.CharField(_("電話番号"), max_length=30, blank=True, validators=[validate_no_my_number])
    location = models.CharField(_("場所"), max_length=150, blank=True, validators=[validate_no_my_number])
    location_en = models.CharField(
        _("場所（英語）"), max_length=150, blank=True, validators=[validate_no_my_number]
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("担当課")
        verbose_name_plural = _("担当課")

    def __str__(self) -> str:
        return self.name


class LifeEvent(BilingualMixin, models.Model):
    slug = models.SlugField(max_length=50, unique=True, validators=[validate_no_my_number])
    name = models.CharField(_("名称"), max_length=50, validators=[validate_no_my_number])
    name_en = models.CharField(_("名称（英語）"), max_length=80, validators=[validate_no_my_number])
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("ライフイベント")
        verbose_name_plural = _("ライフイベント")

    def __str__(self) -> str:
        return self.name


class Category(BilingualMixin, models.Model):
    slug = models.SlugField(max_length=50, unique=True, validators=[validate_no_my_number])
    name = models.CharField(_("名称"), max_length=50, validators=[validate_no_my_number])
    name_en = models.CharField(_("名称（英語）"), max_length=80, validators=[validate_no_my_number])
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("分類")
        verbose_name_plural = _("分類")

    def __str__(self) -> str:
        return self.name


class Procedure(BilingualMixin, models.Model):
    slug = models.SlugField(_("スラッグ"), max_length=80, unique=True, validators=[validate_no_my_number])
    title = models.CharField(_("手続き名"), max_length=200, validators=[validate_no_my_number])
    title_en = models.CharField(_("手続き名（英語）"), max_length=250, validators=[validate_no_my_number])
    reading = models.CharField(
        _("よみがな"),
        max_length=300,
        help_text=_("ひらがなで入力（検索に使用）"),
        validators=[validate_no_my_number],
    )
    summary = models.TextField(_("概要"), max_length=2000, validators=[validate_no_my_number])
    summary_en = models.TextField(_("概要（英語）"), max_length=3000, validators=[validate_no_my_number])
    audience = models.CharField(_("対象者"), max_length=300, blank=True, validators=[validate_no_my_number])
    audience_en = models.CharField(
        _("対象者（英語）"), max_length=400, blank=True, validators=[validate_no_my_number]
    )
    what_to_bring = models.TextField(
        _("持ち物"), max_length=2000, blank=True, validators=[validate_no_my_number]
    )
    what_to_bring_en = models.TextField(
        _("持ち物（英語）"), max_length=3000, blank=True, validators=[validate_no_my_number]
    )
    fee_yen = models.PositiveIntegerField(_("手数料（円）"), null=True, blank=True, help_text=_("無料は空欄"))
    fee_note = models.CharField(
        _("手数料の補足"), max_length=300, blank=True, validators=[validate_no_my_number]
    )
    fee_note_en = models.CharField(
        _("手数料の補足（英語）"), max_length=400, blank=True, validators=[validate_no_my_number]
    )
    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("担当課")
    )
    channel_counter = models.BooleanField(_("窓口"), default=True)
    channel_online = models.BooleanField(_("オンライン申請"), default=False)
    channel_konbini = models.BooleanField(_("コンビニ交付"), default=False)
    channel_mail = models.BooleanField(_("郵送"), default=False)
    online_url = models.URLField(_("オンライン申請のURL"), blank=True)
    requires_my_number_card = models.BooleanField(_("マイナンバーカードが必要"), default=False)
    counter_form = models.CharField(
        _("書かない窓口の様式"), max_length=20, choices=CounterForm.choices, blank=True
    )
    life_events = models.ManyToManyField(
        LifeEvent,
        blank=True,
        related_name="procedures",
        through="ProcedureLifeEvent",
        verbose_name=_("ライフイベント"),
    )
    categories = models.ManyToManyField(
        Category, blank=True, related_name="procedures", verbose_name=_("分類")
    )
    keywords = models.CharField(
        _("検索キーワード"),
        max_length=500,
        blank=True,
        help_text=_("「|」区切り。略語・言い換え・英語など"),
        validators=[validate_no_my_number],
    )
    published = models.BooleanField(_("公開"), default=False)
    last_reviewed = models.DateField(_("最終確認日"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reading", "slug"]
        verbose_name = _("手続き")
        verbose_name_plural = _("手続き")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(channel_online=True) | ~models.Q(online_url=""),
                name="procedure_online_channel_has_url",
            ),
            models.CheckConstraint(
                condition=models.Q(channel_counter=True)
                | models.Q(channel_online=True)
                | models.Q(channel_konbini=True)
                | models.Q(channel_mail=True),
                name="procedure_has_a_channel",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalogue:detail", kwargs={"slug": self.slug})

    @property
    def channels(self) -> list[str]:
        return [str(code) for code, field in CHANNEL_FIELDS.items() if getattr(self, field)]

    @property
    def channel_labels(self) -> list[str]:
        return [str(Channel(code).label) for code in self.channels]

    @property
    def bring_items(self) -> list[str]:
        text = self.localized("what_to_bring")
        return [line.strip() for line in text.splitlines() if line.strip()]

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split("|") if k.strip()]

    @property
    def core_life_events(self) -> models.QuerySet[LifeEvent]:
        """The life events for which this is one of the main procedures (see ProcedureLifeEvent.core)."""
        return LifeEvent.objects.filter(procedure_links__procedure=self, procedure_links__core=True)


class ProcedureLifeEvent(models.Model):
    """A procedure's place in a life event.

    `core` marks the procedures nearly everyone in that life event needs (転入届 when moving, 出生届 at a
    birth): the catalogue admin sets it, and listings and searches put these first.
    """

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="life_event_links", verbose_name=_("手続き")
    )
    # The column of the table Django made for the plain many-to-many field this model replaced.
    life_event = models.ForeignKey(
        LifeEvent,
        on_delete=models.CASCADE,
        db_column="lifeevent_id",
        related_name="procedure_links",
        verbose_name=_("ライフイベント"),
    )
    core = models.BooleanField(
        _("主な手続き"),
        default=False,
        help_text=_("このライフイベントでほとんどの人が必要とする手続き（一覧と検索結果で先に表示）"),
    )

    class Meta:
        db_table = "catalogue_procedure_life_events"
        unique_together = [("procedure", "life_event")]  # the plain field's own unique index, kept as it is
        verbose_name = _("手続きのライフイベント")
        verbose_name_plural = _("手続きのライフイベント")

    def __str__(self) -> str:
        return f"{self.procedure_id} {self.life_event_id}"


# --- Usage figures (SPEC §1: the catalogue admin sees usage figures) -----------------------------------
# Only counts per day are kept: no user, session or address, and every row is purged after
# TAKAMATSU_USAGE_RETENTION_DAYS. Counts reach these tables in batches (services.usage_flush).


class ProcedureUsageDay(models.Model):
    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="usage_days", verbose_name=_("手続き")
    )
    day = models.DateField(_("日付"))
    views = models.PositiveIntegerField(_("詳細ページの表示回数"), default=0)
    counter_forms = models.PositiveIntegerField(_("書かない窓口の申請書作成数"), default=0)
    online_starts = models.PositiveIntegerField(_("オンライン申請へ進んだ回数"), default=0)

    class Meta:
        verbose_name = _("手続きの利用数（日別）")
        verbose_name_plural = _("手続きの利用数（日別）")
        constraints = [
            models.UniqueConstraint(fields=["procedure", "day"], name="procedure_usage_one_row_per_day")
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.procedure_id} {self.day}"


class SearchUsageDay(models.Model):
    day = models.DateField(_("日付"), unique=True)
    searches = models.PositiveIntegerField(_("検索回数"), default=0)
    zero_results = models.PositiveIntegerField(_("結果が0件の検索"), default=0)

    class Meta:
        verbose_name = _("検索の回数（日別）")
        verbose_name_plural = _("検索の回数（日別）")

    def __str__(self) -> str:
        return str(self.day)


class ZeroResultQueryDay(models.Model):
    """A query that found nothing, in the search's normal form and cut short, with how often that day."""

    day = models.DateField(_("日付"))
    # Never holds a My Number: services.usage_search_count keeps such a query's count but not its text.
    query = models.CharField(_("検索語"), max_length=50, validators=[validate_no_my_number])
    count = models.PositiveIntegerField(_("回数"), default=0)

    class Meta:
        verbose_name = _("結果が0件だった検索語（日別）")
        verbose_name_plural = _("結果が0件だった検索語（日別）")
        constraints = [models.UniqueConstraint(fields=["day", "query"], name="zero_result_query_per_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.count}"


class UsageFlushBatch(models.Model):
    """A batch of counts already added to the tables: storing it again would count twice."""

    batch_id = models.CharField(max_length=64, unique=True, editable=False)  # the tally's, not typed
    flushed_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.batch_id
