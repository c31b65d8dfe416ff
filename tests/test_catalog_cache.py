"""The cached catalog page: shared by everyone, served without Firestore reads, dropped by every course write."""

from __future__ import annotations

from django.test import override_settings

from tests.conftest import call
from tests.test_courses_api import create_course, enrol


def listing(api, persona, query: str = "") -> tuple[dict, int]:
    response = call(api, "get", f"/api/v1/courses{query}", persona)
    assert response.status_code == 200, response.content
    return response.json(), int(response["X-Firestore-Reads"])


def by_id(body: dict, course_id: str) -> dict:
    return next(item for item in body["items"] if item["id"] == course_id)


class TestServedFromTheCache:
    def test_a_repeated_list_reads_nothing(self, api, owner_teacher, student):
        create_course(api, owner_teacher, title="Pottery")
        first, reads = listing(api, student)
        assert reads >= 1
        again, reads = listing(api, student)
        assert (again, reads) == (first, 0)

    def test_pages_are_shared_by_everyone(self, api, owner_teacher, student, other_student):
        create_course(api, owner_teacher, title="Pottery")
        first, _ = listing(api, student, "?q=pot&level=beginner")
        other, reads = listing(api, other_student, "?q=pot&level=beginner")
        assert (other, reads) == (first, 0)

    def test_each_filter_sort_and_cursor_is_its_own_page(self, api, owner_teacher, student):
        for title in ("Pottery", "Weaving", "Knitting"):
            create_course(api, owner_teacher, title=title)
        first, _ = listing(api, student, "?limit=2")
        second, reads = listing(api, student, f"?limit=2&cursor={first['next_cursor']}")
        assert reads >= 1 and len(second["items"]) == 1
        _, reads = listing(api, student, "?limit=2&sort=rating")
        assert reads >= 1

    def test_a_teachers_own_courses_are_never_cached(self, api, owner_teacher):
        create_course(api, owner_teacher, title="Draft pottery", status="draft")
        for _ in range(2):
            body, reads = listing(api, owner_teacher, "?mine=true")
            assert reads >= 1 and [item["title"] for item in body["items"]] == ["Draft pottery"]

    @override_settings(CATALOG_CACHE_SECONDS=0)
    def test_zero_seconds_turns_it_off(self, api, owner_teacher, student):
        create_course(api, owner_teacher, title="Pottery")
        listing(api, student)
        assert listing(api, student)[1] >= 1


class TestEveryCourseWriteShowsAtOnce:
    def test_an_edit_publication_and_deletion(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher, title="Pottery")
        draft = create_course(api, owner_teacher, title="Glazing", status="draft")
        listing(api, student)
        call(api, "patch", f"/api/v1/courses/{course['id']}", owner_teacher, data={"title": "Stoneware"})
        call(api, "patch", f"/api/v1/courses/{draft['id']}", owner_teacher, data={"status": "published"})
        body, _ = listing(api, student)
        assert sorted(item["title"] for item in body["items"]) == ["Glazing", "Stoneware"]
        assert call(api, "delete", f"/api/v1/courses/{course['id']}", owner_teacher).status_code == 204
        body, _ = listing(api, student)
        assert [item["title"] for item in body["items"]] == ["Glazing"]

    def test_a_new_course(self, api, owner_teacher, student):
        listing(api, student, "?q=pottery")
        create_course(api, owner_teacher, title="Pottery")
        body, _ = listing(api, student, "?q=pottery")
        assert [item["title"] for item in body["items"]] == ["Pottery"]

    def test_an_enrolment_moves_the_seat_count(self, api, owner_teacher, student, other_student):
        course = create_course(api, owner_teacher, title="Pottery", capacity=3)
        assert by_id(listing(api, other_student)[0], course["id"])["seats_left"] == 3
        assert enrol(api, student, course["id"]).status_code == 201
        shown = by_id(listing(api, other_student)[0], course["id"])
        assert (shown["seats_left"], shown["enrolled_count"]) == (2, 1)
        call(api, "delete", f"/api/v1/courses/{course['id']}/enrollment", student)
        assert by_id(listing(api, other_student)[0], course["id"])["seats_left"] == 3

    def test_a_rating(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher, title="Pottery")
        assert enrol(api, student, course["id"]).status_code == 201
        assert by_id(listing(api, student, "?q=pottery")[0], course["id"])["rating_count"] == 0
        call(api, "post", f"/api/v1/courses/{course['id']}/feedback", student, data={"rating": 4})
        shown = by_id(listing(api, student, "?q=pottery")[0], course["id"])
        assert (shown["rating_avg"], shown["rating_count"]) == (4.0, 1)
