from django.contrib import admin

from studio.songs.models import (
    AccountAsset,
    Clip,
    CoverArt,
    Generation,
    ReferenceAudio,
    UpstreamAccount,
)


class ClipInline(admin.TabularInline):
    model = Clip
    extra = 0
    fields = ["slot", "title", "duration_s", "is_pick", "wav", "audio", "image"]
    readonly_fields = ["slot", "title", "duration_s", "is_pick", "wav", "audio", "image"]


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = ["pk", "team", "author", "status", "account_email", "created"]
    list_filter = ["status", "team"]
    search_fields = ["prompt", "jobid"]
    readonly_fields = ["jobid", "submit_key", "request", "result", "submit_started", "accepted"]
    exclude = ["webhook_token"]
    inlines = [ClipInline]


@admin.register(Clip)
class ClipAdmin(admin.ModelAdmin):
    list_display = ["title", "slot", "generation", "duration_s", "is_pick"]
    search_fields = ["title", "clip_id"]
    exclude = ["peaks"]


@admin.register(CoverArt)
class CoverArtAdmin(admin.ModelAdmin):
    list_display = ["pk", "team", "provider", "account_email", "created"]


admin.site.register(ReferenceAudio)
admin.site.register(AccountAsset)
admin.site.register(UpstreamAccount)
