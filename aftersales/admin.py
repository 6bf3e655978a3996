from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the product (messages, callbacks): to look at, never to edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
