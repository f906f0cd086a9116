from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ImportForm

from apps.core.errors import ApplicationError

from . import services
from .importing import IMPORT_FORMATS, ImportFileError, ProcedureResource, check_size
from .models import Category, LifeEvent, Procedure, Section


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
    filter_horizontal = ("life_events", "categories")
    list_select_related = ("section",)
    actions = ["publish", "unpublish"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

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
