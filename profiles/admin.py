"""Each staff member edits their own profile ("Profiles › Your profile", as WordPress's
Profile screen); administrators edit anyone's."""

from django import forms
from django.contrib import admin
from django.shortcuts import redirect

from .models import Profile


class ProfileForm(forms.ModelForm):
    """The profile and the user's first and last name, which live on the user."""

    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)

    class Meta:
        model = Profile
        fields = ["first_name", "last_name", "nickname", "display_as"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.instance.user
        self.fields["first_name"].initial = user.first_name
        self.fields["last_name"].initial = user.last_name

    def clean(self):
        data = super().clean()
        if (
            data.get("display_as") == Profile.DisplayAs.NICKNAME
            and not data.get("nickname", "").strip()
        ):
            self.add_error("nickname", "Choose a nickname to be displayed by it.")
        return data

    def save(self, commit=True):
        user = self.instance.user
        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.save(update_fields=["first_name", "last_name"])
        return super().save(commit)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    form = ProfileForm
    list_display = ["__str__", "user"]

    def _own(self, request, obj):
        return obj is None or obj.user_id == request.user.pk

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser or (request.user.is_staff and self._own(request, obj))

    def has_add_permission(self, request):
        return False  # every user has one, made when first opened

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("user")
        return qs if request.user.is_superuser else qs.filter(user=request.user)

    def changelist_view(self, request, extra_context=None):
        """Administrators list every profile; everyone else (and "Your profile") goes
        straight to their own."""
        if request.user.is_superuser and "mine" not in request.GET:
            return super().changelist_view(request, extra_context)
        own, _ = Profile.objects.get_or_create(user=request.user)
        return redirect("admin:profiles_profile_change", own.pk)
