"""Input validation and output shapes for the accounts API."""

from __future__ import annotations

import re
import zoneinfo

from rest_framework import serializers

from authentication.services import photo_url
from cplatform.actor import ALL_ROLES, SELF_REGISTER_ROLES
from cplatform.serializers import CursorPageQuery, IsoDateTimeField, StrictSerializer

TIMEZONES = frozenset(zoneinfo.available_timezones())
PHONE = re.compile(r"^\+?[0-9 ()\-]{6,20}$")
LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")
FORMATS = ("online", "in_person", "one_to_one", "group")
LEVELS = ("beginner", "intermediate", "advanced", "primary", "secondary", "university", "adult")


def _short_list(max_items: int, max_len: int = 60, **kwargs):
    return serializers.ListField(
        child=serializers.CharField(max_length=max_len, trim_whitespace=True),
        max_length=max_items,
        **kwargs,
    )


def validate_timezone(value: str) -> str:
    if value not in TIMEZONES:
        raise serializers.ValidationError("Unknown time zone; use an IANA name such as 'Europe/Paris'.")
    return value


# --- input -------------------------------------------------------------------------------------


class RegisterIn(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(min_length=8, max_length=128, trim_whitespace=False, write_only=True)
    display_name = serializers.CharField(min_length=1, max_length=100)
    role = serializers.ChoiceField(choices=SELF_REGISTER_ROLES)

    def validate_password(self, value: str) -> str:
        if value.isdigit() or value.isalpha():
            raise serializers.ValidationError("Use letters and at least one digit or symbol.")
        return value


class LoginIn(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


def require_all_fields(serializer: serializers.Serializer, attrs: dict) -> dict:
    """A PATCH makes every nested field optional; a slot or a price is still only whole or absent."""
    missing = [name for name in serializer.fields if name not in attrs]
    if missing:
        raise serializers.ValidationError({name: ["This field is required."] for name in missing})
    return attrs


class SlotIn(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday ... 6 = Sunday")
    start = serializers.RegexField(HHMM, help_text="HH:MM in the teacher's time zone")
    end = serializers.RegexField(HHMM, help_text="HH:MM in the teacher's time zone")

    def validate(self, attrs):
        return require_all_fields(self, attrs)


class MoneyIn(serializers.Serializer):
    amount = serializers.IntegerField(min_value=0, max_value=10_000_000, help_text="minor units (cents)")
    currency = serializers.RegexField(r"^[A-Z]{3}$", help_text="ISO 4217, e.g. EUR")

    def validate(self, attrs):
        return require_all_fields(self, attrs)


class TeachingPreferencesIn(serializers.Serializer):
    levels = serializers.ListField(child=serializers.ChoiceField(choices=LEVELS), max_length=len(LEVELS))
    languages = _short_list(10, 40)
    formats = serializers.ListField(child=serializers.ChoiceField(choices=FORMATS), max_length=len(FORMATS))


class TeacherPartIn(serializers.Serializer):
    subjects = _short_list(20)
    hourly_rate = MoneyIn(allow_null=True)
    teaching_preferences = TeachingPreferencesIn()
    availability = SlotIn(many=True, max_length=50)


class StudentPartIn(serializers.Serializer):
    grade_level = serializers.CharField(max_length=50, allow_blank=True)
    interests = _short_list(20)
    learning_goals = serializers.CharField(max_length=2000, allow_blank=True)


class ProfilePatchIn(StrictSerializer):
    # ProfileOut is defined below; bound after it (see the end of this module).
    guarded_echo = {name: f"Your {name} cannot be changed here." for name in ("uid", "email", "role")}

    display_name = serializers.CharField(min_length=1, max_length=100)
    bio = serializers.CharField(max_length=2000, allow_blank=True)
    phone = serializers.CharField(max_length=20, allow_blank=True)
    timezone = serializers.CharField(max_length=64, validators=[validate_timezone])
    locale = serializers.RegexField(LOCALE, max_length=10)
    photo_url = serializers.CharField(
        max_length=500, allow_null=True, help_text="null removes the photo; the current value is accepted unchanged"
    )
    teacher = TeacherPartIn(partial=True)
    student = StudentPartIn(partial=True)

    def validate_phone(self, value: str) -> str:
        if value and not PHONE.match(value):
            raise serializers.ValidationError("Digits, spaces, brackets and dashes, optionally starting with +.")
        return value


class AvailabilityIn(serializers.Serializer):
    slots = SlotIn(many=True, max_length=50)
    timezone = serializers.CharField(max_length=64, required=False, validators=[validate_timezone])


class PhotoIn(serializers.Serializer):
    photo = serializers.FileField()


class LinkCodeIn(serializers.Serializer):
    code = serializers.RegexField(r"^[A-Za-z0-9]{8}$", help_text="the 8-character code from the student")


class UserSearchIn(CursorPageQuery):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    role = serializers.ChoiceField(choices=sorted(ALL_ROLES), required=False)
    subject = serializers.CharField(required=False, max_length=60)


class AdminUserListIn(CursorPageQuery):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    role = serializers.ChoiceField(choices=sorted(ALL_ROLES), required=False)
    disabled = serializers.BooleanField(required=False, allow_null=True, default=None)


class AdminUserPatchIn(serializers.Serializer):
    role = serializers.ChoiceField(choices=sorted(ALL_ROLES), required=False)
    disabled = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send 'role' and/or 'disabled'.")
        return attrs


# --- output ------------------------------------------------------------------------------------


class SlotOut(serializers.Serializer):
    weekday = serializers.IntegerField()
    start = serializers.CharField()
    end = serializers.CharField()


class TeacherPartOut(serializers.Serializer):
    subjects = serializers.ListField(child=serializers.CharField())
    hourly_rate = serializers.DictField(allow_null=True)
    teaching_preferences = serializers.DictField()
    availability = SlotOut(many=True)


class StudentPartOut(serializers.Serializer):
    grade_level = serializers.CharField()
    interests = serializers.ListField(child=serializers.CharField())
    learning_goals = serializers.CharField()
    parents = serializers.ListField(child=serializers.CharField(), required=False)


class ParentPartOut(serializers.Serializer):
    children = serializers.ListField(child=serializers.CharField())


class ProfileOut(serializers.Serializer):
    """A profile; which fields appear depends on who looks (see profile_representation)."""

    uid = serializers.CharField(source="id")
    email = serializers.EmailField(required=False)
    display_name = serializers.CharField()
    role = serializers.CharField()
    bio = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    timezone = serializers.CharField(required=False)
    locale = serializers.CharField(required=False)
    photo_url = serializers.SerializerMethodField()
    disabled = serializers.BooleanField(required=False)
    email_verified = serializers.BooleanField(
        required=False, help_text="false until the owner opens the verification link; no email goes out before"
    )
    teacher = TeacherPartOut(required=False)
    student = StudentPartOut(required=False)
    parent = ParentPartOut(required=False)
    created_at = IsoDateTimeField(required=False)
    updated_at = IsoDateTimeField(required=False)

    def get_photo_url(self, profile) -> str | None:
        return photo_url(profile)


class ProfileListOut(serializers.Serializer):
    items = ProfileOut(many=True)


SCOPE_FIELDS = {
    "full": None,
    "related": {"uid", "email", "display_name", "role", "bio", "timezone", "photo_url", "teacher", "student"},
    "public": {"uid", "display_name", "role", "bio", "timezone", "photo_url", "teacher"},
    "listing": {"uid", "display_name", "role", "photo_url"},
}


def profile_representation(profile: dict, scope: str = "full") -> dict:
    data = ProfileOut(profile).data
    allowed = SCOPE_FIELDS[scope]
    if scope != "full" and data.get("student"):
        data["student"].pop("parents", None)
    if allowed is not None:
        data = {key: value for key, value in data.items() if key in allowed}
    return {key: value for key, value in data.items() if value is not None or key == "photo_url"}


def listing_representation(profile: dict, *, with_email: bool) -> dict:
    data = profile_representation(profile, "listing")
    if profile.get("role") == "teacher":
        data["subjects"] = (profile.get("teacher") or {}).get("subjects", [])
    if with_email:
        data["email"] = profile.get("email")
        data["disabled"] = bool(profile.get("disabled"))
    return data


class LoginOut(serializers.Serializer):
    id_token = serializers.CharField()
    refresh_token = serializers.CharField()
    expires_in = serializers.IntegerField()
    user = ProfileOut()


class LinkCodeOut(serializers.Serializer):
    code = serializers.CharField()
    expires_at = IsoDateTimeField()


class AvailabilityOut(serializers.Serializer):
    teacher_uid = serializers.CharField()
    timezone = serializers.CharField()
    slots = SlotOut(many=True)


class UserListItemOut(serializers.Serializer):
    uid = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.CharField()
    photo_url = serializers.CharField(allow_null=True)
    subjects = serializers.ListField(child=serializers.CharField(), required=False)
    email = serializers.EmailField(required=False)
    disabled = serializers.BooleanField(required=False)


class UserPageOut(serializers.Serializer):
    items = UserListItemOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


ProfilePatchIn.echo_of = ProfileOut
