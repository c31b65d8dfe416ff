"""Input validation and output shapes for courses and the catalog."""

from __future__ import annotations

import re
import time

from rest_framework import serializers

from courses.catalog.search import SORTS
from courses.catalog.services import LEVELS
from cplatform.serializers import CursorPageQuery, IsoDateTimeField, StrictSerializer, cursor_page_out
from firestore_operations.documents import iso
from firestore_operations.enrollments import seats_left

LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
# --- input -------------------------------------------------------------------------------------


class PriceIn(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1, max_value=10_000_000, help_text="minor units (cents); > 0")
    currency = serializers.RegexField(r"^[A-Z]{3}$", help_text="ISO 4217, e.g. EUR")

    def validate(self, attrs):
        # A PATCH is partial for the course, not inside a price: half a price would be stored as one.
        missing = sorted({"amount", "currency"} - set(attrs))
        if missing:
            raise serializers.ValidationError({name: ["This field is required."] for name in missing})
        return attrs


def _has_word(value: str) -> str:
    if not re.search(r"\w", value):
        raise serializers.ValidationError("Use at least one letter or digit.")
    return value


class CourseIn(StrictSerializer):
    title = serializers.CharField(min_length=3, max_length=120, validators=[_has_word])
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    subject = serializers.CharField(min_length=1, max_length=60, validators=[_has_word])
    level = serializers.ChoiceField(choices=LEVELS)
    language = serializers.RegexField(LANGUAGE, max_length=10, help_text="ISO 639 code, e.g. en, fr, pt-BR")
    tags = serializers.ListField(
        child=serializers.CharField(min_length=1, max_length=30), max_length=10, required=False, default=list
    )
    price = PriceIn(allow_null=True, required=False, default=None, help_text="null = free")
    capacity = serializers.IntegerField(
        min_value=1, max_value=10_000, allow_null=True, required=False, default=None, help_text="null = unlimited"
    )
    status = serializers.ChoiceField(choices=("draft", "published"), required=False, default="draft")
    included_in_membership = serializers.BooleanField(
        required=False, default=False, help_text="members of the platform membership enrol without paying"
    )

    def validate_tags(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(tag.strip() for tag in value if tag.strip()))

    def validate_price(self, value):
        return dict(value) if value else None


class CoursePatchIn(CourseIn):
    status = serializers.ChoiceField(choices=("draft", "published", "archived"), required=False)


class CourseListIn(CursorPageQuery):
    q = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="search words (1-100 characters)"
    )
    subject = serializers.CharField(required=False, max_length=60)
    level = serializers.ChoiceField(choices=LEVELS, required=False)
    language = serializers.RegexField(LANGUAGE, required=False, max_length=10)
    teacher = serializers.CharField(required=False, max_length=128, help_text="teacher uid")
    price = serializers.ChoiceField(choices=("free", "paid"), required=False)
    sort = serializers.ChoiceField(
        choices=(*SORTS, "relevance"), required=False, help_text="default: newest; with q: relevance"
    )
    mine = serializers.BooleanField(required=False, default=False, help_text="teachers: my courses in any status")


class CoverIn(serializers.Serializer):
    cover = serializers.FileField()


# --- output ------------------------------------------------------------------------------------


class PriceOut(serializers.Serializer):
    amount = serializers.IntegerField()
    currency = serializers.CharField()


class CourseOut(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    subject = serializers.CharField()
    level = serializers.CharField()
    language = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    price = PriceOut(allow_null=True)
    is_free = serializers.BooleanField()
    capacity = serializers.IntegerField(allow_null=True)
    included_in_membership = serializers.BooleanField(default=False)
    seats_left = serializers.SerializerMethodField()
    status = serializers.CharField()
    teacher_uid = serializers.CharField()
    teacher_name = serializers.CharField()
    rating_avg = serializers.FloatField()
    rating_count = serializers.IntegerField()
    enrolled_count = serializers.IntegerField()
    waitlist_count = serializers.IntegerField()
    lesson_count = serializers.IntegerField(default=0)
    cover_url = serializers.SerializerMethodField()
    created_at = IsoDateTimeField()
    updated_at = IsoDateTimeField()
    published_at = IsoDateTimeField(allow_null=True)

    def get_seats_left(self, course: dict) -> int | None:
        # Seats held by an unfinished checkout are not free (firestore_operations.enrollments.live_holds).
        return seats_left(course, now=time.time())

    def get_cover_url(self, course: dict) -> str | None:
        if not course.get("cover_path"):
            return None
        return f"/api/v1/courses/{course['id']}/cover?v={course.get('cover_version', 0)}"


class CoursePageOut(cursor_page_out("CoursePageBase", CourseOut)):
    suggestions = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="A search that found nothing: closest subjects, teachers",
    )


def _price(price: dict | None) -> dict | None:
    return None if price is None else {"amount": int(price["amount"]), "currency": str(price["currency"])}


def course_representation(course: dict, *, now: float | None = None) -> dict:
    """CourseOut's shape in one pass (no serializer made per item; CourseOut stays the schema)."""
    course_id = course["id"]
    cover = course.get("cover_path")
    return {
        "id": str(course_id),
        "title": str(course["title"]),
        "description": str(course["description"]),
        "subject": str(course["subject"]),
        "level": str(course["level"]),
        "language": str(course["language"]),
        "tags": [str(tag) for tag in course["tags"]],
        "price": _price(course.get("price")),
        "is_free": bool(course["is_free"]),
        "capacity": None if course.get("capacity") is None else int(course["capacity"]),
        "included_in_membership": bool(course.get("included_in_membership", False)),
        "seats_left": seats_left(course, now=time.time() if now is None else now),
        "status": str(course["status"]),
        "teacher_uid": str(course["teacher_uid"]),
        "teacher_name": str(course["teacher_name"]),
        "rating_avg": float(course["rating_avg"]),
        "rating_count": int(course["rating_count"]),
        "enrolled_count": int(course["enrolled_count"]),
        "waitlist_count": int(course["waitlist_count"]),
        "lesson_count": int(course.get("lesson_count", 0)),
        "cover_url": f"/api/v1/courses/{course_id}/cover?v={course.get('cover_version', 0)}" if cover else None,
        "created_at": iso(course["created_at"]),
        "updated_at": iso(course["updated_at"]),
        "published_at": iso(course.get("published_at")),
    }


def course_page(page) -> dict:
    """A page of courses in one pass; a search that found nothing adds `suggestions`."""
    now = time.time()
    body = {"items": [course_representation(course, now=now) for course in page.items], "next_cursor": page.next_cursor}
    if "suggestions" in page.extra:
        body["suggestions"] = page.extra["suggestions"]
    return body


# A client may send back the course it got: what the server keeps (teacher, ratings, counts, id) is ignored.
CourseIn.echo_of = CourseOut
