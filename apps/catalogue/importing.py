"""Bulk import and export of the catalogue (django-import-export), shared by the admin and the command.

Files saved by Excel in Japan are CP932; others are UTF-8 with or without a BOM. The encoding is
decided from the bytes, never guessed from the locale, and a file that is neither is refused.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from import_export import fields, widgets

from apps.core.errors import ApplicationError
from apps.core.spreadsheets import SpreadsheetCSV, SpreadsheetResource, SpreadsheetXLSX
from apps.core.textfiles import decode_japanese_csv

from .constants import CHANNEL_FIELDS, Channel
from .models import Category, LifeEvent, Procedure, ProcedureLifeEvent, Section

COLUMNS = [
    "slug", "title", "title_en", "reading", "summary", "summary_en", "audience", "audience_en",
    "what_to_bring", "what_to_bring_en", "fee_yen", "fee_note", "fee_note_en", "section", "channels",
    "online_url", "requires_my_number_card", "counter_form", "life_events", "core_life_events", "categories",
    "keywords", "published", "last_reviewed",
]  # fmt: skip
REQUIRED_COLUMNS = {"slug", "title", "title_en", "reading", "summary", "summary_en", "section", "channels"}


class ImportFileError(ApplicationError):
    code = "import_file_invalid"


ENCODING_HELP = _lazy(
    "ファイルの文字コードを判別できません。UTF-8 または Shift_JIS (CP932) の CSV を使ってください。"
)


def decode_upload(data: bytes) -> str:
    """Text of a CSV upload: UTF-8 (BOM or not) or CP932/Shift_JIS as Excel writes it in Japan."""
    try:
        return decode_japanese_csv(data)
    except UnicodeDecodeError:
        raise ImportFileError(str(ENCODING_HELP)) from None


def check_size(size: int) -> None:
    limit = settings.CATALOGUE_IMPORT_MAX_BYTES
    if size > limit:
        raise ImportFileError(
            _("ファイルが大きすぎます（上限 %(limit)s KB）。分割して取り込んでください。")
            % {"limit": limit // 1024}
        )


class JapaneseCSV(SpreadsheetCSV):
    """CSV read as bytes so that the encoding is detected per file instead of fixed in the admin."""

    def get_read_mode(self):
        return "rb"

    def is_binary(self):
        return True

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = decode_upload(in_stream)
        return super().create_dataset(in_stream, **kwargs)


class CheckedXLSX(SpreadsheetXLSX):
    def create_dataset(self, in_stream):
        try:
            return super().create_dataset(in_stream)
        except Exception as exc:  # openpyxl raises many types for a broken workbook
            raise ImportFileError(_("XLSX ファイルを読み込めません。Excel で保存し直してください。")) from exc


IMPORT_FORMATS = [JapaneseCSV, CheckedXLSX]


class StrictManyToManyWidget(widgets.ManyToManyWidget):
    """Like ManyToManyWidget, but an unknown slug is an error instead of being dropped."""

    def clean(self, value, row=None, **kwargs):
        wanted = [v.strip() for v in str(value or "").split(self.separator) if v.strip()]
        found = list(self.model.objects.filter(**{f"{self.field}__in": wanted}))
        missing = sorted(set(wanted) - {getattr(o, self.field) for o in found})
        if missing:
            raise ValueError(_("不明な値です: %(values)s") % {"values": ", ".join(missing)})
        return found


class StrictForeignKeyWidget(widgets.ForeignKeyWidget):
    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(_("不明な担当課コードです: %(value)s") % {"value": value}) from None


class ChannelsField(fields.Field):
    """The four channel flags as one pipe-separated column: counter|online|konbini|mail."""

    def clean(self, row, **kwargs):
        codes = [c.strip() for c in str(row.get(self.column_name) or "").split("|") if c.strip()]
        unknown = sorted(set(codes) - set(Channel.values))
        if unknown:
            raise ValueError(_("不明な窓口種別です: %(values)s") % {"values": ", ".join(unknown)})
        if not codes:
            raise ValueError(_("申請方法を1つ以上指定してください。"))
        return codes

    def save(self, instance, row, is_m2m=False, **kwargs):
        codes = self.clean(row)
        for channel, attr in CHANNEL_FIELDS.items():
            setattr(instance, attr, channel in codes)

    def export(self, instance, **kwargs):
        return "|".join(instance.channels)


class CoreLifeEventsField(fields.Field):
    """The life events in which the procedure is one of the main procedures: `core` on its links.

    Saved with the many-to-many fields, after `life_events` (the column order), so the links exist.
    """

    def save(self, instance, row, is_m2m=False, **kwargs):
        core = self.clean(row, **kwargs)
        links = ProcedureLifeEvent.objects.filter(procedure=instance)
        links.exclude(life_event__in=core).update(core=False)
        links.filter(life_event__in=core).update(core=True)


class StrictBooleanWidget(widgets.BooleanWidget):
    def clean(self, value, row=None, **kwargs):
        text = str(value).strip().lower() if value is not None else ""
        if text in ("", "none", "null"):
            return False
        if text in ("1", "true", "yes", "はい", "○"):
            return True
        if text in ("0", "false", "no", "いいえ", "×"):
            return False
        raise ValueError(_("true または false を指定してください: %(value)s") % {"value": value})


class ProcedureResource(SpreadsheetResource):
    section = fields.Field(
        attribute="section", column_name="section", widget=StrictForeignKeyWidget(Section, field="code")
    )
    channels = ChannelsField(attribute="channels", column_name="channels")
    life_events = fields.Field(
        attribute="life_events", column_name="life_events",
        widget=StrictManyToManyWidget(LifeEvent, separator="|", field="slug"),
    )  # fmt: skip
    core_life_events = CoreLifeEventsField(
        attribute="core_life_events", column_name="core_life_events",
        widget=StrictManyToManyWidget(LifeEvent, separator="|", field="slug"),
    )  # fmt: skip
    categories = fields.Field(
        attribute="categories", column_name="categories",
        widget=StrictManyToManyWidget(Category, separator="|", field="slug"),
    )  # fmt: skip
    requires_my_number_card = fields.Field(
        attribute="requires_my_number_card",
        column_name="requires_my_number_card",
        widget=StrictBooleanWidget(),
    )
    published = fields.Field(attribute="published", column_name="published", widget=StrictBooleanWidget())

    class Meta:
        model = Procedure
        import_id_fields = ["slug"]
        fields = COLUMNS
        export_order = COLUMNS
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False
        use_transactions = True

    def before_import(self, dataset, **kwargs):
        headers = [str(h or "").strip() for h in (dataset.headers or [])]
        dataset.headers = headers
        problems = []
        unknown = [h for h in headers if h not in COLUMNS]
        if unknown:
            problems.append(_("不明な列があります: %(cols)s") % {"cols": ", ".join(unknown)})
        missing = sorted(REQUIRED_COLUMNS - set(headers))
        if missing:
            problems.append(_("必須の列がありません: %(cols)s") % {"cols": ", ".join(missing)})
        if not problems and "slug" in headers:
            seen: dict[str, int] = {}
            for number, slug in enumerate(dataset["slug"], start=1):
                slug = str(slug or "").strip()
                if slug in seen:
                    problems.append(
                        _("スラッグ「%(slug)s」が %(a)s 行目と %(b)s 行目で重複しています。")
                        % {"slug": slug, "a": seen[slug], "b": number}
                    )
                seen.setdefault(slug, number)
        if problems:
            # Nothing of a file with a broken header is imported: drop the rows so no noise follows.
            del dataset[0 : len(dataset)]
            raise ImportFileError(" ".join(problems))

    def import_instance(self, instance, row, **kwargs):
        errors: dict = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if "core_life_events" in row and "core_life_events" not in errors:
            try:
                self._check_core_life_events(instance, row)
            except ValueError as exc:
                errors["core_life_events"] = ValidationError(str(exc), code="invalid")
        if errors:
            raise ValidationError(errors)

    def _check_core_life_events(self, instance, row) -> None:
        """A procedure can only be a main procedure of a life event it belongs to."""
        core = {e.slug for e in self.fields["core_life_events"].clean(row)}
        if "life_events" in row:
            events = {e.slug for e in self.fields["life_events"].clean(row)}
        elif instance.pk:
            events = set(instance.life_events.values_list("slug", flat=True))
        else:
            events = set()
        outside = sorted(core - events)
        if outside:
            raise ValueError(
                _("主な手続きとするライフイベントは life_events の列にも入れてください: %(values)s")
                % {"values": ", ".join(outside)}
            )

    def after_import(self, dataset, result, **kwargs):
        if not kwargs.get("dry_run") and not result.has_errors() and not result.has_validation_errors():
            from .services import catalogue_changed

            catalogue_changed()
