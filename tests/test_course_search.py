"""Course search: words and prefixes of title, tags, teacher name and description, ranked, one query a page."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs

import pytest

from courses.catalog.search import TYPO_MAX_WORDS
from cplatform import text
from firestore_operations.client import db
from tests.conftest import assert_error, call
from tests.test_courses_api import create_course, enrol


def search(api, persona, query: str) -> dict:
    """A search reads one postings document per word (no query), then the page's courses by id; a
    mistyped word or a search that finds nothing also reads the vocabulary and a few close words."""
    response = call(api, "get", f"/api/v1/courses?{query}", persona)
    assert response.status_code == 200, response.content
    assert response["X-Firestore-Queries"] == "0"
    body = response.json()
    words = len(text.query_terms(parse_qs(query).get("q", [""])[0]))
    assert int(response["X-Firestore-Reads"]) <= len(body["items"]) + words + 1 + TYPO_MAX_WORDS
    return body


def entry(token: str, course_id: str) -> dict:
    """The course's entry in a postings document, as stored in Firestore, its ranking fields
    decoded (search.postings stores them fixed-width and inverted)."""
    stored = db().collection("course_search").document(token).get().to_dict()["entries"][course_id]
    weight, rating, popularity, full, _order, status = stored.split("|")[:6]
    return {
        "weight": str(int(weight)),
        "rating": str(999 - int(rating)),
        "popularity": str(9999 - int(popularity)),
        "has_seat": "1" if full == "0" else "0",
        "status": status,
    }


def titles(body: dict) -> list[str]:
    return [item["title"] for item in body["items"]]


class TestMatching:
    def test_prefixes_in_any_order_ignoring_case_and_accents(self, api, owner_teacher, student):
        create_course(api, owner_teacher, title="Français pour débutants", tags=["grammaire"], language="fr")
        create_course(api, owner_teacher, title="Spanish for beginners", tags=["gramática"])
        assert titles(search(api, student, "q=DEBUT fran")) == ["Français pour débutants"]
        assert titles(search(api, student, "q=Débutants")) == ["Français pour débutants"]
        assert sorted(titles(search(api, student, "q=gram"))) == ["Français pour débutants", "Spanish for beginners"]

    def test_every_word_must_match(self, api, owner_teacher, student):
        create_course(api, owner_teacher, title="Python basics")
        create_course(api, owner_teacher, title="Python for data science")
        assert titles(search(api, student, "q=python basics")) == ["Python basics"]
        assert search(api, student, "q=python cooking")["items"] == []

    def test_the_description_and_teacher_name_are_searched(self, api, owner_teacher, student):
        create_course(api, owner_teacher, title="Numbers", description="We meet Fibonacci and his rabbits.")
        assert titles(search(api, student, "q=fibonacci")) == ["Numbers"]
        assert titles(search(api, student, "q=lovelace")) == ["Numbers"]

    def test_drafts_are_not_found_except_by_their_teacher_with_mine(self, api, owner_teacher, student):
        create_course(api, owner_teacher, title="Secret geometry", status="draft")
        assert search(api, student, "q=geometry")["items"] == []
        assert titles(search(api, owner_teacher, "q=geometry&mine=true")) == ["Secret geometry"]

    def test_filters_combine_with_the_search(self, api, owner_teacher, other_teacher, student):
        create_course(api, owner_teacher, title="Chess openings", level="beginner")
        create_course(api, owner_teacher, title="Chess endgames", level="advanced")
        create_course(
            api, other_teacher, title="Chess tactics", level="beginner", price={"amount": 900, "currency": "EUR"}
        )
        assert titles(search(api, student, "q=chess&level=beginner&price=free")) == ["Chess openings"]
        assert titles(search(api, student, f"q=chess&teacher={other_teacher.uid}")) == ["Chess tactics"]
        assert titles(search(api, student, "q=chess&subject=mathematics&level=advanced")) == ["Chess endgames"]
        mine = search(api, owner_teacher, "q=chess&mine=true&level=advanced")
        assert titles(mine) == ["Chess endgames"]


class TestRanking:
    def test_title_beats_tags_beats_teacher_beats_description(self, api, make_user, student):
        teacher = make_user("teacher", name="Monty Python")
        other = make_user("teacher", name="Ada Other")
        create_course(api, other, title="Data science", description="Notebooks in python, pandas and plots.")
        create_course(api, teacher, title="Comedy writing")
        create_course(api, other, title="Coding for kids", tags=["python", "games"])
        create_course(api, other, title="Python basics")
        assert titles(search(api, student, "q=python")) == [
            "Python basics",
            "Coding for kids",
            "Comedy writing",
            "Data science",
        ]

    def test_more_words_in_the_title_rank_first(self, api, owner_teacher, student):
        create_course(api, owner_teacher, title="Python course", tags=["games"])
        create_course(api, owner_teacher, title="Python games")
        assert titles(search(api, student, "q=python games")) == ["Python games", "Python course"]

    def test_equal_matches_are_ordered_by_rating(self, api, owner_teacher, student):
        high = create_course(api, owner_teacher, title="Guitar one")
        low = create_course(api, owner_teacher, title="Guitar two")
        for course, rating in ((low, 3), (high, 5)):
            assert enrol(api, student, course["id"]).status_code == 201
            rate(api, student, course["id"], rating)
        assert titles(search(api, student, "q=guitar")) == ["Guitar one", "Guitar two"]

    def test_an_explicit_sort_replaces_relevance(self, api, owner_teacher, student, other_student):
        create_course(api, owner_teacher, title="Violin for all")
        tag_match = create_course(api, owner_teacher, title="Strings", tags=["violin"])
        for persona in (student, other_student):
            assert enrol(api, persona, tag_match["id"]).status_code == 201
        assert titles(search(api, student, "q=violin&sort=popularity")) == ["Strings", "Violin for all"]
        assert titles(search(api, student, "q=violin&sort=newest")) == ["Strings", "Violin for all"]
        assert titles(search(api, student, "q=violin")) == ["Violin for all", "Strings"]


def rate(api, persona, course_id: str, rating: int) -> None:
    response = call(api, "post", f"/api/v1/courses/{course_id}/feedback", persona, data={"rating": rating})
    assert response.status_code in (200, 201), response.content


class TestRankingFieldsFollowTheCourse:
    """Enrolments and feedback move a course's ranking fields in its postings (one write path:
    courses.catalog.freshness), checked on the stored documents."""

    def test_enrolments_move_popularity_and_seats(self, api, owner_teacher, student, other_student):
        course = create_course(api, owner_teacher, title="Cello", capacity=2)
        assert (entry("cello", course["id"])["popularity"], entry("cello", course["id"])["has_seat"]) == ("0", "1")
        for persona in (student, other_student):
            assert enrol(api, persona, course["id"]).status_code == 201
        assert (entry("cello", course["id"])["popularity"], entry("cello", course["id"])["has_seat"]) == ("2", "0")
        assert entry("c", course["id"])["popularity"] == "2"  # every token of the course, prefixes too
        response = call(api, "delete", f"/api/v1/courses/{course['id']}/enrollment", student)
        assert response.status_code == 200, response.content
        assert (entry("cello", course["id"])["popularity"], entry("cello", course["id"])["has_seat"]) == ("1", "1")

    def test_ratings_and_moderation_move_the_rating(self, api, owner_teacher, student, make_user):
        admin = make_user("admin")
        course = create_course(api, owner_teacher, title="Harp")
        assert enrol(api, student, course["id"]).status_code == 201
        rate(api, student, course["id"], 4)
        assert entry("harp", course["id"])["rating"] == "40"
        rate(api, student, course["id"], 5)
        assert entry("harp", course["id"])["rating"] == "50"
        hidden = call(
            api, "post", f"/api/v1/courses/{course['id']}/feedback/{student.uid}/hide", admin, data={"hidden": True}
        )
        assert hidden.status_code == 200, hidden.content
        assert entry("harp", course["id"])["rating"] == "0"

    def test_a_change_within_the_same_step_writes_no_postings(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher, title="Oboe")
        # 30 -> 31 enrolments stay on the same step of the popularity scale (about 10 % wide).
        db().collection("courses").document(course["id"]).update({"enrolled_count": 30})
        postings = db().collection("course_search").document("oboe")
        written = postings.get().update_time
        assert enrol(api, student, course["id"]).status_code == 201
        assert db().collection("courses").document(course["id"]).get().get("enrolled_count") == 31
        assert postings.get().update_time == written

    def test_the_popularity_scale(self):
        from courses.catalog.search import popularity_rank

        ranks = [popularity_rank(n) for n in range(0, 2000)]
        assert ranks[:11] == list(range(11)) and ranks == sorted(ranks)
        assert len(set(ranks)) < 100  # 2,000 enrolments move the postings fewer than 100 times


class TestPages:
    def test_pages_follow_the_ranked_list_one_query_each(self, api, owner_teacher, student):
        for index in range(5):
            create_course(api, owner_teacher, title=f"Drawing {index}", tags=["art"])
        create_course(api, owner_teacher, title="Art history")
        seen, cursor = [], None
        for _ in range(3):
            body = search(api, student, "q=art&limit=2" + (f"&cursor={cursor}" if cursor else ""))
            seen += titles(body)
            cursor = body["next_cursor"]
        assert cursor is None and len(seen) == 6 and len(set(seen)) == 6
        assert seen[0] == "Art history"

    def test_a_cursor_belongs_to_its_search(self, api, owner_teacher, student):
        for index in range(3):
            create_course(api, owner_teacher, title=f"Piano {index}")
        cursor = search(api, student, "q=piano&limit=1")["next_cursor"]
        assert_error(call(api, "get", f"/api/v1/courses?q=pia&limit=1&cursor={cursor}", student), 400)
        assert_error(call(api, "get", f"/api/v1/courses?limit=1&cursor={cursor}", student), 400)


class TestBadQueries:
    @pytest.mark.parametrize(
        ("query", "words"),
        [("q=", "empty"), ("q=%20%20", "empty"), ("q=" + "a" * 101, "too long"), ("q=!!!", "letter or digit")],
    )
    def test_it_explains_what_is_wrong(self, api, student, query, words):
        error = assert_error(call(api, "get", f"/api/v1/courses?{query}", student), 400, "invalid")
        assert words in error["message"] and "q" in error["fields"]

    def test_a_hundred_characters_are_fine(self, api, student):
        assert search(api, student, "q=" + "b" * 100)["items"] == []

    def test_relevance_is_only_for_searches(self, api, owner_teacher, student):
        create_course(api, owner_teacher, title="Yoga")
        assert titles(search(api, student, "q=yoga&sort=relevance")) == ["Yoga"]


class TestRename:
    def test_a_teachers_courses_follow_her_new_name(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher, title="Logic")
        response = call(api, "patch", "/api/v1/me", owner_teacher, data={"display_name": "Augusta King"})
        assert response.status_code == 200
        assert titles(search(api, student, "q=augusta")) == ["Logic"]
        assert search(api, student, "q=lovelace")["items"] == []
        assert call(api, "get", f"/api/v1/courses/{course['id']}", student).json()["teacher_name"] == "Augusta King"

    def test_many_courses_are_renamed(self, api, owner_teacher, student):
        from courses.catalog import services

        course = create_course(api, owner_teacher, title="Template")
        template = db().collection("courses").document(course["id"]).get().to_dict()
        batch = db().batch()
        for index in range(450):  # more than one batch of updates
            batch.set(db().collection("courses").document(f"bulk{index:03d}"), template)
        batch.commit()
        services.follow_profile_rename(uid=owner_teacher.uid, display_name="Countess Lovelace", role="teacher")
        names = {doc.to_dict()["teacher_name"] for doc in db().collection("courses").stream()}
        assert names == {"Countess Lovelace"}
        assert len(search(api, student, "q=countess&limit=100")["items"]) == 100


class TestWhatPeopleType:
    """Subjects, synonyms, levels, languages, plurals and typos, tried as a student would."""

    def test_a_subject_its_prefixes_and_its_synonyms_find_its_courses(self, api, owner_teacher, student):
        create_course(api, owner_teacher, title="Fractions", subject="Mathematics", tags=[], description="")
        create_course(api, owner_teacher, title="Loops", subject="Computer Science", tags=[], description="")
        create_course(api, owner_teacher, title="Cells", subject="Biology", tags=[], description="")
        for typed in ("mathematics", "math", "maths", "MATHÉ"):
            assert titles(search(api, student, f"q={typed}")) == ["Fractions"], typed
        for typed in ("computer%20science", "cs", "science%20computer"):
            assert titles(search(api, student, f"q={typed}")) == ["Loops"], typed
        assert titles(search(api, student, "q=bio")) == ["Cells"]

    def test_levels_and_language_names(self, api, owner_teacher, student):
        create_course(
            api, owner_teacher, title="Conversation", subject="French", language="fr", level="advanced", description=""
        )
        create_course(
            api, owner_teacher, title="Grammaire", subject="Languages", language="fr", level="beginner", description=""
        )
        assert sorted(titles(search(api, student, "q=french"))) == ["Conversation", "Grammaire"]
        assert titles(search(api, student, "q=french%20beginner")) == ["Grammaire"]

    def test_plural_and_singular(self, api, owner_teacher, student):
        create_course(api, owner_teacher, title="Painting landscapes", tags=[])
        create_course(api, owner_teacher, title="Study skills", tags=[])
        assert titles(search(api, student, "q=landscape")) == ["Painting landscapes"]
        assert titles(search(api, student, "q=paintings")) == ["Painting landscapes"]
        assert titles(search(api, student, "q=studies")) == ["Study skills"]

    def test_one_typo_in_a_long_word(self, api, owner_teacher, student):
        create_course(api, owner_teacher, title="Geometry for everyone", tags=[])
        assert titles(search(api, student, "q=geometyr")) == ["Geometry for everyone"]
        assert titles(search(api, student, "q=geomtry")) == ["Geometry for everyone"]
        assert titles(search(api, student, "q=geomxtrz")) == []

    def test_exact_beats_prefix_beats_typo(self, api, owner_teacher, student):
        create_course(api, owner_teacher, title="Pianos", tags=[], description="")
        create_course(api, owner_teacher, title="Piano", tags=[], description="")
        create_course(api, owner_teacher, title="Pianola", tags=[], description="")
        assert titles(search(api, student, "q=piano")) == ["Piano", "Pianos", "Pianola"]

    def test_nothing_found_answers_suggestions(self, api, make_user, student):
        teacher = make_user("teacher", name="Grace Hopper")
        create_course(api, teacher, title="Compilers", subject="Computer Science")
        body = search(api, student, "q=computre%20sciense%20zzz")
        assert body["items"] == [] and "Computer Science" in body["suggestions"]
        assert "Grace Hopper" in search(api, student, "q=hoppr%20qqq")["suggestions"]

    def test_an_unpublished_course_leaves_the_index(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher, title="Origami")
        assert titles(search(api, student, "q=origami")) == ["Origami"]
        call(api, "patch", f"/api/v1/courses/{course['id']}", owner_teacher, data={"title": "Kirigami"})
        assert search(api, student, "q=origami")["items"] == []
        assert titles(search(api, student, "q=kirigami")) == ["Kirigami"]
        call(api, "delete", f"/api/v1/courses/{course['id']}", owner_teacher)
        assert search(api, student, "q=kirigami")["items"] == []


def test_courses_from_before_the_index_are_found_after_a_reindex(api, owner_teacher, student):
    from django.core.management import call_command

    from firestore_operations.client import db

    # A course stored as older code stored it: no derived filter keys, no postings.
    db().collection("courses").document("old-one").set(
        {
            "title": "Organic chemistry",
            "description": "Molecules",
            "subject": "Chemistry",
            "level": "beginner",
            "language": "en",
            "tags": [],
            "price": None,
            "capacity": None,
            "status": "published",
            "teacher_uid": owner_teacher.uid,
            "teacher_name": owner_teacher.name,
            "published_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            "created_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            "rating_avg": 0.0,
            "rating_count": 0,
            "rating_sum": 0,
            "enrolled_count": 0,
            "waitlist_count": 0,
        }
    )
    # Postings of the earlier layout: sharded ids and array entries (skipped by search meanwhile).
    db().collection("course_search").document("or~1").set({"entries": {"old-one": [0, 0.0, 0, "published"]}})
    db().collection("course_search").document("organic").set({"entries": {"gone": [0, 0.0, 0, "published"]}})
    assert call(api, "get", "/api/v1/courses?q=organic", student).json()["items"] == []
    call_command("reindex_courses")
    found = call(api, "get", "/api/v1/courses?q=organic", student).json()["items"]
    assert [course["id"] for course in found] == ["old-one"]
    assert not db().collection("course_search").document("or~1").get().exists
    assert set(db().collection("course_search").document("organic").get().get("entries")) == {"old-one"}


class TestReadsPerPage:
    """Firestore bills reads: a search page costs at most its size plus one document per word."""

    def test_a_page_reads_at_most_its_size_plus_its_words(self, api, owner_teacher, student):
        for index in range(7):
            create_course(api, owner_teacher, title=f"Guitar lessons {index}", tags=["gig"])
        for query, words in (("q=g", 1), ("q=gui%20les", 2), ("q=lessons%20guitar%20g", 3)):
            response = call(api, "get", f"/api/v1/courses?{query}&limit=5", student)
            assert response.status_code == 200 and len(response.json()["items"]) == 5
            assert int(response["X-Firestore-Reads"]) <= 5 + words, query

    def test_a_mistyped_word_reads_the_vocabulary_and_at_most_two_close_words(self, api, owner_teacher, student):
        create_course(api, owner_teacher, title="Trumpet basics", tags=[])
        response = call(api, "get", "/api/v1/courses?q=trumpte", student)
        assert [item["title"] for item in response.json()["items"]] == ["Trumpet basics"]
        # The word's own document (empty), the vocabulary, one close word, the page's course.
        assert int(response["X-Firestore-Reads"]) == 4
