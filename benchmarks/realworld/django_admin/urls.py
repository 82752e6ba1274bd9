"""Django's admin site at the root, and a second admin site at ``desk/`` whose user form picks
groups from a search box (``autocomplete_fields``: Django's select2 combobox) instead of the
two-list picker."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.urls import path


class DeskUserAdmin(UserAdmin):
    """The stock user admin, with groups chosen by typing into a search box."""

    autocomplete_fields = ("groups",)
    filter_horizontal = ("user_permissions",)


desk = admin.AdminSite(name="desk")
desk.site_header = "Support desk"
desk.register(User, DeskUserAdmin)
desk.register(Group, GroupAdmin)

urlpatterns = [path("desk/", desk.urls), path("", admin.site.urls)]
