"""Input validation and output shapes of the content API (pages, posts, FAQ, course sections)."""

from __future__ import annotations

from rest_framework import serializers

from content import services
from content.access import STATUSES
from cplatform.serializers import CursorPageQuery, IsoDateTimeField, StrictSerializer

BODY_MAX = 100_000
LOCKED = ("id", "author_uid", "author_name", "body_html", "excerpt", "created_at", "updated_at", "revision")


# Messages a person can act on, instead of the framework's defaults (the pages show them as they are).
TITLE_MESSAGES = {
    "required": "Give it a title.",
    "blank": "Give it a title.",
    "max_length": "Keep the title under {max_length} characters.",
}
STATUS_MESSAGES = {"invalid_choice": "Choose one of the statuses offered."}
POSITION_MESSAGES = {
    "invalid": "Use a whole number such as 1, 2 or 3.",
    "min_value": "Use 0 or more.",
    "max_value": "Use at most {max_value}.",
}


class _Common(StrictSerializer):
    locked_fields = LOCKED

    title = serializers.CharField(min_length=1, max_length=200, error_messages=TITLE_MESSAGES)
    body_md = serializers.CharField(
        max_length=BODY_MAX,
        allow_blank=True,
        required=False,
        trim_whitespace=False,
        error_messages={"max_length": "The text is too long: at most {max_length} characters."},
    )
    status = serializers.ChoiceField(choices=STATUSES, required=False, error_messages=STATUS_MESSAGES)
    publish_at = IsoDateTimeField(
        required=False, allow_null=True, help_text="when a published item becomes visible (future = scheduled)"
    )


class _Seo(serializers.Serializer):
    slug = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.SLUG_MAX,
        error_messages={"max_length": "Keep the address under {max_length} characters."},
    )
    seo_title = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=70,
        error_messages={"max_length": "Search engines show about {max_length} characters: shorten it."},
    )
    seo_description = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        error_messages={"max_length": "Keep the description under {max_length} characters."},
    )


class PageIn(_Common, _Seo):
    layout = serializers.ChoiceField(choices=services.LAYOUTS, required=False)
    hero_text = serializers.CharField(required=False, allow_blank=True, max_length=500)
    featured_course_ids = serializers.ListField(
        child=serializers.CharField(max_length=200),
        max_length=6,
        required=False,
        error_messages={"max_length": "Pick at most {max_length} courses."},
    )
    featured_teacher_uids = serializers.ListField(
        child=serializers.CharField(max_length=128),
        max_length=6,
        required=False,
        error_messages={"max_length": "Pick at most {max_length} teachers."},
    )


class PostIn(_Common, _Seo):
    tags = serializers.ListField(
        child=serializers.CharField(min_length=1, max_length=30), max_length=10, required=False
    )


class FaqIn(_Common):
    title = serializers.CharField(
        min_length=1,
        max_length=300,
        help_text="the question",
        error_messages={**TITLE_MESSAGES, "required": "Write the question.", "blank": "Write the question."},
    )
    section = serializers.CharField(
        required=False, min_length=1, max_length=80, error_messages={"max_length": "Keep the section name short."}
    )
    position = serializers.IntegerField(required=False, min_value=0, max_value=10_000, error_messages=POSITION_MESSAGES)
    course_id = serializers.CharField(required=False, allow_null=True, max_length=200)


class SectionIn(_Common):
    topic = serializers.ChoiceField(
        choices=services.SECTION_TOPICS, required=False, error_messages={"invalid_choice": "Choose a kind of section."}
    )
    position = serializers.IntegerField(required=False, min_value=0, max_value=10_000, error_messages=POSITION_MESSAGES)
    status = serializers.ChoiceField(choices=("draft", "published"), required=False, error_messages=STATUS_MESSAGES)
    publish_at = None


class ItemListIn(CursorPageQuery):
    manage = serializers.BooleanField(required=False, default=False, help_text="items I may edit, any status")
    tag = serializers.CharField(required=False, max_length=30)
    q = serializers.CharField(required=False, max_length=200, help_text="search words")
    slug = serializers.CharField(required=False, max_length=services.SLUG_MAX)


class FaqListIn(CursorPageQuery):
    manage = serializers.BooleanField(required=False, default=False)
    course_id = serializers.CharField(required=False, max_length=200)


class SectionListIn(CursorPageQuery):
    manage = serializers.BooleanField(required=False, default=False)


class PreviewIn(StrictSerializer):
    body_md = serializers.CharField(max_length=BODY_MAX, allow_blank=True, trim_whitespace=False)


class PreviewOut(serializers.Serializer):
    html = serializers.CharField()
    reading_minutes = serializers.IntegerField()


class ApproveIn(StrictSerializer):
    publish_at = IsoDateTimeField(required=False, allow_null=True)


class PostCoverIn(serializers.Serializer):
    cover = serializers.FileField()


# --- output ------------------------------------------------------------------------------------


class _ItemOut(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    body_md = serializers.CharField()
    body_html = serializers.CharField()
    excerpt = serializers.CharField()
    status = serializers.CharField()
    state = serializers.SerializerMethodField(help_text="draft | pending | scheduled | published")
    publish_at = IsoDateTimeField(allow_null=True)
    author_uid = serializers.CharField()
    author_name = serializers.CharField()
    revision = serializers.IntegerField()
    created_at = IsoDateTimeField()
    updated_at = IsoDateTimeField()

    def get_state(self, item) -> str:
        return services.state_of(item)


class PageOut(_ItemOut):
    slug = serializers.CharField()
    url = serializers.SerializerMethodField()
    seo_title = serializers.CharField(default="")
    seo_description = serializers.CharField(default="")
    layout = serializers.CharField(default="standard")
    hero_text = serializers.CharField(default="")
    featured_course_ids = serializers.ListField(child=serializers.CharField(), default=list)
    featured_teacher_uids = serializers.ListField(child=serializers.CharField(), default=list)

    def get_url(self, item) -> str:
        return "/" if item.get("slug") == services.HOME_SLUG else f"/p/{item.get('slug')}"


class PostOut(_ItemOut):
    slug = serializers.CharField()
    url = serializers.SerializerMethodField()
    seo_title = serializers.CharField(default="")
    seo_description = serializers.CharField(default="")
    tags = serializers.ListField(child=serializers.CharField(), default=list)
    reading_minutes = serializers.IntegerField(default=1)
    cover_url = serializers.SerializerMethodField()

    def get_url(self, item) -> str:
        return f"/blog/{item.get('slug')}"

    def get_cover_url(self, item) -> str | None:
        if not item.get("cover_path"):
            return None
        return f"/api/v1/content/posts/{item['id']}/cover?v={item.get('cover_version', 0)}"


class FaqOut(_ItemOut):
    section = serializers.CharField()
    position = serializers.IntegerField()
    course_id = serializers.CharField(allow_null=True)


class SectionOut(_ItemOut):
    course_id = serializers.CharField()
    topic = serializers.CharField()
    position = serializers.IntegerField()


class RevisionOut(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    saved_at = IsoDateTimeField()
    saved_by_name = serializers.CharField(default="")


def _page_of(item_serializer):
    class PageOfItems(serializers.Serializer):
        items = item_serializer(many=True)
        next_cursor = serializers.CharField(allow_null=True)

    PageOfItems.__name__ = f"{item_serializer.__name__[:-3]}PageOut"
    return PageOfItems


PagePageOut = _page_of(PageOut)
PostPageOut = _page_of(PostOut)
FaqPageOut = _page_of(FaqOut)
SectionPageOut = _page_of(SectionOut)
RevisionPageOut = _page_of(RevisionOut)
