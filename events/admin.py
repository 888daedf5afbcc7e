from django.contrib import admin

from events.models import Event, Series, Venue


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "city"]
    search_fields = ["name", "street", "district"]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "default_venue"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "status", "venue", "capacity"]
    list_filter = ["status", "series"]
    search_fields = ["title", "motto"]
    date_hierarchy = "starts_at"
    list_select_related = ["venue"]
    readonly_fields = ["sequence", "created_at", "updated_at"]
