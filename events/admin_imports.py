"""The Orga-Team's imports in the admin: upload, read the dry run, confirm.

Pages under the import log (Stammtisch → Imports): `wordpress/` and `calendar/`
take the file (or a calendar's address) and show what the import would do;
`<id>/confirm/` runs it. The file is kept only until then.
"""

from typing import Any, cast

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import member_of
from events.forms import CalendarImportForm, WordPressImportForm
from events.importers import runs
from events.importers.ical import CalendarError, read_source
from events.importers.report import ItemKind
from events.models import ImportRun
from events.models.audit import record
from events.models.imports import IMPORT_CONTENT


def check_may_import(request: HttpRequest) -> None:
    if not request.user.has_perm(IMPORT_CONTENT):
        raise PermissionDenied


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """The log of imports, and the pages that start one."""

    list_display = ["created_at", "kind", "source_name", "started_by", "state"]
    list_display_links = None
    list_filter = ["kind"]
    list_select_related = ["started_by__profile"]
    ordering = ["-created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(IMPORT_CONTENT) or super().has_view_permission(
            request, obj
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(IMPORT_CONTENT) or super().has_module_permission(
            request
        )

    @admin.display(description=gettext_lazy("state"), ordering="finished_at")
    def state(self, run: ImportRun) -> str:
        url = reverse("admin:events_importrun_report", args=[run.pk])
        if run.is_finished:
            label = _("imported")
        elif run.confirmed_at:
            label = _("importing…")
        else:
            label = _("checked, waiting for confirmation")
        return format_html('<a href="{}">{}</a>', url, label)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "wordpress/",
                view(self.wordpress_view),
                name="events_importrun_wordpress",
            ),
            path(
                "calendar/", view(self.calendar_view), name="events_importrun_calendar"
            ),
            path(
                "<int:pk>/report/",
                view(self.report_view),
                name="events_importrun_report",
            ),
            path(
                "<int:pk>/confirm/",
                view(require_POST(self.confirm_view)),
                name="events_importrun_confirm",
            ),
            *super().get_urls(),
        ]

    def _page(
        self, request: HttpRequest, template: str, status: int = 200, **context: Any
    ) -> TemplateResponse:
        return TemplateResponse(
            request,
            f"admin/events/importrun/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                **context,
            },
            status=status,
        )

    def wordpress_view(self, request: HttpRequest) -> HttpResponse:
        check_may_import(request)
        form = WordPressImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            run = runs.start(
                ImportRun.Kind.WORDPRESS,
                str(cast(UploadedFile, request.FILES["export"]).name),
                form.cleaned_data["export"],
                {
                    "categories": form.cleaned_data["categories"],
                    "pages": form.cleaned_data["pages"],
                },
                member_of(request),
            )
            return HttpResponseRedirect(
                reverse("admin:events_importrun_report", args=[run.pk])
            )
        return self._page(
            request,
            "wordpress_form.html",
            status=400 if form.is_bound else 200,
            title=_("Import the old WordPress blog"),
            form=form,
        )

    def calendar_view(self, request: HttpRequest) -> HttpResponse:
        check_may_import(request)
        form = CalendarImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if data["file"]:
                    name, content = data["file"].name, data["file"].read()
                else:
                    name, content = data["url"], read_source(data["url"])
            except CalendarError as exc:
                form.add_error("url", str(exc))
            else:
                options = {
                    "series": data["series"].pk if data["series"] else None,
                    "publish": data["publish"],
                    "since": data["since"].isoformat(),
                    "until": data["until"].isoformat(),
                    "venue": data["venue"].pk if data["venue"] else None,
                }
                run = runs.start(
                    ImportRun.Kind.CALENDAR, name, content, options, member_of(request)
                )
                return HttpResponseRedirect(
                    reverse("admin:events_importrun_report", args=[run.pk])
                )
        return self._page(
            request,
            "calendar_form.html",
            status=400 if form.is_bound else 200,
            title=_("Import dates from a calendar"),
            form=form,
        )

    def report_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        check_may_import(request)
        run = get_object_or_404(ImportRun.objects.select_related("started_by"), pk=pk)
        report = run.result
        return self._page(
            request,
            "report.html",
            title=_("Import: %(source)s") % {"source": run.source_name},
            run=run,
            report=report,
            rows=report.summary_rows(),
            reasons=[
                (ItemKind(kind).label, reason, count)
                for kind, reason, count in report.skip_reasons()
            ],
        )

    def confirm_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        check_may_import(request)
        run = get_object_or_404(ImportRun, pk=pk)
        url = reverse("admin:events_importrun_report", args=[run.pk])
        if not run.result.ok:
            messages.error(request, _("This file cannot be imported."))
        elif not run.confirm():
            messages.warning(request, _("This import has already been carried out."))
        else:
            report = runs.carry_out(run)
            record(member_of(request), run, _("Imported: %(source)s") % {"source": run})
            messages.success(
                request,
                _("Imported. Took %(seconds).1f s.") % {"seconds": report.seconds},
            )
        return HttpResponseRedirect(url)
