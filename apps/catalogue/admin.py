from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ImportForm

from apps.core.errors import ApplicationError
from apps.core.textfiles import excel_csv

from . import selectors, services
from .importing import IMPORT_FORMATS, ImportFileError, ProcedureResource, check_size
from .models import Category, LifeEvent, Procedure, ProcedureLifeEvent, Section


class SizeLimitedImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            check_size(upload.size)
        except ImportFileError as exc:
            raise forms.ValidationError(exc.detail) from exc
        return upload


class CatalogueChangeMixin:
    """Every admin change to the catalogue invalidates the public pages and the search index."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.catalogue_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.catalogue_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.catalogue_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.catalogue_changed()


class ProcedureLifeEventInline(admin.StackedInline):  # labelled fields (axe: label)
    """The procedure's life events, each with whether it is one of that life event's main procedures."""

    model = ProcedureLifeEvent
    fields = ("life_event", "core")
    extra = 1


@admin.register(Procedure)
class ProcedureAdmin(CatalogueChangeMixin, ImportExportModelAdmin):
    resource_classes = [ProcedureResource]
    formats = IMPORT_FORMATS
    import_form_class = SizeLimitedImportForm
    import_template_name = "admin/catalogue/procedure/import.html"
    import_error_display = ("message", "row")
    list_display = ("title", "slug", "section", "published", "last_reviewed", "updated_at")
    list_filter = ("published", "section", "life_events", "categories", "requires_my_number_card")
    search_fields = ("slug", "title", "title_en", "reading", "keywords")
    inlines = [ProcedureLifeEventInline]
    list_select_related = ("section",)
    actions = ["publish", "unpublish"]
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        # A short list of check boxes instead of the two-pane filter, whose script puts ARIA labels on
        # plain spans (axe: aria-prohibited-attr) and which needs JavaScript.
        models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple},
    }
    # import-export's change list with a link to the usage figures.
    import_export_change_list_template = "admin/catalogue/procedure/change_list.html"

    def get_urls(self):
        usage = [
            path(
                "usage/",
                self.admin_site.admin_view(require_safe(self.usage_view)),
                name="catalogue_procedure_usage",
            ),
            path(
                "usage.csv",
                self.admin_site.admin_view(require_safe(self.usage_csv_view)),
                name="catalogue_procedure_usage_csv",
            ),
        ]
        return usage + super().get_urls()  # before the change view's catch-all <object_id>/

    def _usage_days(self, request) -> int:
        # Who may edit the catalogue may see how it is used (the catalogue admin role).
        if not self.has_change_permission(request):
            raise PermissionDenied
        try:
            days = int(request.GET.get("days", ""))
        except ValueError:
            days = 30
        return days if days in selectors.USAGE_PERIODS else 30

    def usage_view(self, request):
        days = self._usage_days(request)
        services.usage_flush()  # up to this moment, and in the embedded default where no beat runs
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("手続き一覧の利用状況"),
            "periods": selectors.USAGE_PERIODS,
            "summary": selectors.usage_summary(days=days),
        }
        return TemplateResponse(request, "admin/catalogue/procedure/usage.html", context)

    def usage_csv_view(self, request):
        days = self._usage_days(request)
        services.usage_flush()
        start, end = selectors.usage_period(days=days)
        body = excel_csv(
            ["slug", "title", "published", "views", "counter_forms", "online_starts", "from", "to"],
            (
                [
                    u.slug,
                    u.title,
                    "true" if u.published else "false",
                    u.views,
                    u.counter_forms,
                    u.online_starts,
                    start,
                    end,
                ]  # fmt: skip
                for u in selectors.usage_by_procedure(start=start, end=end)
            ),
        )
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="procedure-usage-{start}-{end}.csv"'
        return response

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ApplicationError):
            form.add_error("import_file", e.detail)
        else:
            super().add_data_read_fail_error_to_form(form, e)

    @admin.action(description=_("選択した手続きを公開する"))
    def publish(self, request, queryset):
        services.procedure_set_published(pks=list(queryset.values_list("pk", flat=True)), published=True)

    @admin.action(description=_("選択した手続きを非公開にする"))
    def unpublish(self, request, queryset):
        services.procedure_set_published(pks=list(queryset.values_list("pk", flat=True)), published=False)


@admin.register(Section)
class SectionAdmin(CatalogueChangeMixin, admin.ModelAdmin):
    list_display = ("code", "name", "phone", "location")
    search_fields = ("code", "name", "name_en")


@admin.register(LifeEvent)
class LifeEventAdmin(CatalogueChangeMixin, admin.ModelAdmin):
    list_display = ("slug", "name", "name_en", "order")


@admin.register(Category)
class CategoryAdmin(CatalogueChangeMixin, admin.ModelAdmin):
    list_display = ("slug", "name", "name_en", "order")
