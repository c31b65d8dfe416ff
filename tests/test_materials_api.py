"""Course materials through the HTTP API, on the Firestore, Auth and Storage emulators.

Courses and enrolments are written straight into Firestore (docs/data-model.md shapes) so these
tests do not lean on the catalog API.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from firestore_operations import storage
from firestore_operations.client import db
from tests.conftest import assert_error, call
from tests.test_upload_types import PDF_SAMPLE, SAMPLES, pillow

# --- helpers -------------------------------------------------------------------------------------


def make_course(teacher, *, status: str = "published") -> str:
    ref = db().collection("courses").document()
    ref.set({"title": "Algebra I", "teacher_uid": teacher.uid, "teacher_name": teacher.name, "status": status})
    return ref.id


def enroll(course_id: str, student, teacher, *, status: str = "active") -> None:
    db().collection("enrollments").document(f"{course_id}_{student.uid}").set(
        {"course_id": course_id, "student_uid": student.uid, "teacher_uid": teacher.uid, "status": status}
    )


def materials_url(course_id: str) -> str:
    return f"/api/v1/courses/{course_id}/materials"


def upload(api, persona, course_id: str, content: bytes, *, name: str = "notes.pdf", **fields):
    data = {"title": "Week 1", "description": "Read before class.", **fields}
    data["file"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    return call(api, "post", materials_url(course_id), persona, data=data, format="multipart")


def uploaded(api, persona, course_id: str, content: bytes = PDF_SAMPLE, **kwargs) -> dict:
    response = upload(api, persona, course_id, content, **kwargs)
    assert response.status_code == 201, response.content
    return response.json()


def download(api, persona, material: dict, **headers):
    return call(api, "get", material["download_url"], persona, **headers)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def stored_material(course_id: str, material_id: str) -> dict | None:
    snap = db().collection("courses").document(course_id).collection("materials").document(material_id).get()
    return snap.to_dict() if snap.exists else None


def list_ids(api, persona, course_id: str) -> list[str]:
    response = call(api, "get", materials_url(course_id), persona)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def random_zip(size: int) -> bytes:
    """A valid ZIP whose one stored (uncompressed) member is `size` random bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        with archive.open("random.bin", "w") as member:
            for _ in range(size // (1024 * 1024)):
                member.write(os.urandom(1024 * 1024))
            member.write(os.urandom(size % (1024 * 1024)))
    return buffer.getvalue()


@pytest.fixture
def course(owner_teacher):
    return make_course(owner_teacher)


@pytest.fixture
def members(course, owner_teacher, student, parent):
    """`student` actively enrolled; `parent` is linked to `student`."""
    enroll(course, student, owner_teacher)
    return course


# --- upload --------------------------------------------------------------------------------------


class TestUpload:
    def test_the_owner_uploads_a_pdf_and_gets_its_details(self, api, owner_teacher, course):
        response = upload(api, owner_teacher, course, PDF_SAMPLE, name="Week 1.pdf", title="  Quadratics  ")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["title"] == "Quadratics"
        assert body["description"] == "Read before class."
        assert body["file_name"] == "Week 1.pdf"
        assert body["content_type"] == "application/pdf"
        assert body["size"] == len(PDF_SAMPLE)
        assert body["sha256"] == hashlib.sha256(PDF_SAMPLE).hexdigest()
        assert body["uploader_uid"] == owner_teacher.uid and body["course_id"] == course
        assert body["created_at"].endswith("Z")
        assert body["download_url"] == f"/api/v1/courses/{course}/materials/{body['id']}/download"
        assert "storage_path" not in body
        stored = stored_material(course, body["id"])
        assert stored["storage_path"] == f"courses/{course}/materials/{body['id']}"
        assert storage.blob_info(stored["storage_path"]).size == len(PDF_SAMPLE)

    def test_an_admin_may_upload_to_any_course(self, api, admin, course):
        body = uploaded(api, admin, course)
        assert body["uploader_uid"] == admin.uid

    def test_the_type_comes_from_the_content_not_the_name_or_the_declared_type(self, api, owner_teacher, course):
        body = uploaded(api, owner_teacher, course, pillow("PNG"), name="slides.pdf")
        assert body["content_type"] == "image/png"
        assert body["file_name"] == "slides.pdf.png"

    @pytest.mark.parametrize(("label", "data", "expected"), SAMPLES, ids=[s[0] for s in SAMPLES])
    def test_each_accepted_type_is_stored_with_its_detected_content_type(
        self, api, owner_teacher, course, label, data, expected
    ):
        body = uploaded(api, owner_teacher, course, data, name=f"sample.{label}")
        assert body["content_type"] == expected
        blob = storage.blob_info(stored_material(course, body["id"])["storage_path"])
        # The Storage emulator drops a charset parameter; real Cloud Storage keeps it.
        assert blob.content_type.split(";")[0] == expected.split(";")[0]

    def test_it_refuses_anonymous_callers(self, api, course):
        assert_error(upload(api, None, course, PDF_SAMPLE), 401, "not_authenticated")

    def test_it_refuses_another_teacher(self, api, other_teacher, course):
        assert_error(upload(api, other_teacher, course, PDF_SAMPLE), 403, "permission_denied")

    def test_it_refuses_an_enrolled_student_and_a_parent(self, api, student, parent, members):
        assert_error(upload(api, student, members, PDF_SAMPLE), 403)
        assert_error(upload(api, parent, members, PDF_SAMPLE), 403)

    def test_it_answers_404_for_an_unknown_course(self, api, owner_teacher):
        assert_error(upload(api, owner_teacher, "no-such-course", PDF_SAMPLE), 404, "not_found")

    @override_settings(MATERIAL_MAX_BYTES=1000)
    def test_a_body_declared_far_over_the_limit_is_refused_before_parsing(self, api, owner_teacher, course):
        error = assert_error(upload(api, owner_teacher, course, b"x" * 200_000, name="big.txt"), 413, "too_large")
        assert "file" in error["fields"]
        assert list_ids(api, owner_teacher, course) == []

    @override_settings(MATERIAL_MAX_BYTES=1000)
    def test_a_file_just_over_the_limit_is_stopped_while_parsing(self, api, owner_teacher, course):
        # The declared body is under limit + form overhead, so only the upload handler can catch it.
        assert_error(upload(api, owner_teacher, course, b"x" * 1001, name="big.txt"), 413, "too_large")
        assert list_ids(api, owner_teacher, course) == []

    @override_settings(MATERIAL_MAX_BYTES=1000)
    def test_a_file_exactly_at_the_limit_is_accepted(self, api, owner_teacher, course):
        assert uploaded(api, owner_teacher, course, b"x" * 1000, name="fits.txt")["size"] == 1000

    def test_it_refuses_an_executable_named_pdf(self, api, owner_teacher, course):
        executable = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + os.urandom(4096)
        error = assert_error(upload(api, owner_teacher, course, executable, name="syllabus.pdf"), 415)
        assert error["code"] == "unsupported_media_type" and "file" in error["fields"]
        assert list_ids(api, owner_teacher, course) == []

    def test_it_refuses_garbage_behind_a_pdf_header(self, api, owner_teacher, course):
        garbage = b"%PDF-1.7\n" + os.urandom(4096)
        assert_error(upload(api, owner_teacher, course, garbage, name="syllabus.pdf"), 415, "unsupported_media_type")

    def test_it_names_a_missing_file_and_title(self, api, owner_teacher, course):
        response = call(
            api, "post", materials_url(course), owner_teacher, data={"description": "x"}, format="multipart"
        )
        error = assert_error(response, 400, "invalid")
        assert {"file", "title"} <= set(error["fields"])

    def test_it_refuses_an_empty_file(self, api, owner_teacher, course):
        error = assert_error(upload(api, owner_teacher, course, b"", name="empty.pdf"), 400, "invalid")
        assert "file" in error["fields"]

    def test_it_refuses_an_overlong_title(self, api, owner_teacher, course):
        error = assert_error(upload(api, owner_teacher, course, PDF_SAMPLE, title="t" * 201), 400)
        assert "title" in error["fields"]

    def test_a_20_mb_file_round_trips_with_the_same_sha256(self, api, owner_teacher, student, members):
        # What the type check sees: a ZIP signature and a readable central directory; the 20 MB
        # member itself is random bytes (stored, not compressed).
        data = random_zip(20 * 1024 * 1024)
        digest = hashlib.sha256(data).hexdigest()
        body = uploaded(api, owner_teacher, members, data, name="dataset.zip")
        assert body["content_type"] == "application/zip"
        assert body["size"] == len(data) and body["sha256"] == digest

        response = download(api, student, body)
        assert response.status_code == 200
        assert int(response["Content-Length"]) == len(data)
        assert hashlib.sha256(body_of(response)).hexdigest() == digest

        # A range across the boundary between two Storage reads.
        first, last = 4 * 1024 * 1024 - 10, 8 * 1024 * 1024 + 10
        part = download(api, student, body, HTTP_RANGE=f"bytes={first}-{last}")
        assert part.status_code == 206
        assert body_of(part) == data[first : last + 1]


# --- list and details ----------------------------------------------------------------------------


class TestList:
    def test_members_see_the_materials_newest_first(self, api, owner_teacher, student, parent, admin, members):
        ids = [uploaded(api, owner_teacher, members, title=f"Week {n}")["id"] for n in range(3)]
        for persona in (owner_teacher, student, parent, admin):
            assert list_ids(api, persona, members) == ids[::-1], persona.role

    def test_it_pages_with_one_query_per_page(self, api, owner_teacher, student, members):
        ids = [uploaded(api, owner_teacher, members, title=f"Week {n}")["id"] for n in range(3)]
        first = call(api, "get", f"{materials_url(members)}?limit=2", student)
        assert first.status_code == 200
        assert first["X-Firestore-Queries"] == "1"
        page = first.json()
        assert [item["id"] for item in page["items"]] == ids[:0:-1]
        assert page["items"][0]["title"] == "Week 2" and page["next_cursor"]
        second = call(api, "get", f"{materials_url(members)}?limit=2&cursor={page['next_cursor']}", student)
        assert second["X-Firestore-Queries"] == "1"
        assert [item["id"] for item in second.json()["items"]] == ids[:1]
        assert second.json()["next_cursor"] is None

    def test_it_refuses_a_cursor_from_another_course(self, api, owner_teacher, members):
        other = make_course(owner_teacher)
        for _ in range(2):
            uploaded(api, owner_teacher, other)
        cursor = call(api, "get", f"{materials_url(other)}?limit=1", owner_teacher).json()["next_cursor"]
        response = call(api, "get", f"{materials_url(members)}?cursor={cursor}", owner_teacher)
        assert "cursor" in assert_error(response, 400, "invalid_cursor")["fields"]

    def test_an_empty_course_has_an_empty_list(self, api, owner_teacher, course):
        response = call(api, "get", materials_url(course), owner_teacher)
        assert response.json() == {"items": [], "next_cursor": None}

    def test_it_refuses_outsiders(self, api, make_user, other_teacher, other_student, members):
        unlinked_parent = make_user("parent")
        for persona in (other_teacher, other_student, unlinked_parent):
            assert_error(call(api, "get", materials_url(members), persona), 403, "permission_denied")

    def test_it_refuses_withdrawn_and_waitlisted_students_and_their_parents(
        self, api, owner_teacher, student, parent, course
    ):
        for status in ("withdrawn", "waitlisted"):
            enroll(course, student, owner_teacher, status=status)
            assert_error(call(api, "get", materials_url(course), student), 403)
            assert_error(call(api, "get", materials_url(course), parent), 403)

    def test_it_refuses_anonymous_callers(self, api, course):
        assert_error(call(api, "get", materials_url(course)), 401)

    def test_it_answers_404_for_an_unknown_course(self, api, admin):
        assert_error(call(api, "get", materials_url("nope"), admin), 404, "not_found")

    def test_a_members_sees_one_materials_details(self, api, owner_teacher, student, other_student, members):
        material = uploaded(api, owner_teacher, members)
        url = f"{materials_url(members)}/{material['id']}"
        response = call(api, "get", url, student)
        assert response.status_code == 200 and response.json() == material
        assert_error(call(api, "get", url, other_student), 403)
        assert_error(call(api, "get", f"{materials_url(members)}/nope", student), 404)

    def test_a_material_is_not_reachable_through_another_course(self, api, owner_teacher, members):
        material = uploaded(api, owner_teacher, members)
        other = make_course(owner_teacher)
        assert_error(call(api, "get", f"{materials_url(other)}/{material['id']}", owner_teacher), 404)
        assert_error(call(api, "get", f"{materials_url(other)}/{material['id']}/download", owner_teacher), 404)


# --- download ------------------------------------------------------------------------------------


class TestDownload:
    @pytest.fixture
    def material(self, api, owner_teacher, members):
        return uploaded(api, owner_teacher, members, b"Line one\nLine two\n" * 10, name="notes.txt")

    def test_an_enrolled_student_downloads_the_bytes_with_the_right_headers(self, api, student, material):
        response = download(api, student, material)
        assert response.status_code == 200
        assert body_of(response) == b"Line one\nLine two\n" * 10
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response["Content-Length"] == "180"
        assert response["Accept-Ranges"] == "bytes"
        assert response["Content-Disposition"] == "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt"
        assert response["ETag"] == f'"{material["sha256"]}"'
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_head_answers_the_headers_without_the_body(self, api, student, material):
        response = call(api, "head", material["download_url"], student)
        assert response.status_code == 200
        assert response["Content-Length"] == "180" and response["Accept-Ranges"] == "bytes"
        assert body_of(response) == b""

    def test_the_owner_a_linked_parent_and_an_admin_download_too(self, api, owner_teacher, parent, admin, material):
        for persona in (owner_teacher, parent, admin):
            assert download(api, persona, material).status_code == 200, persona.role

    def test_a_non_ascii_name_is_safely_encoded(self, api, owner_teacher, student, members):
        material = uploaded(api, owner_teacher, members, name="Übung «1».pdf")
        header = download(api, student, material)["Content-Disposition"]
        assert header == "attachment; filename=\"Ubung 1.pdf\"; filename*=UTF-8''%C3%9Cbung%20%C2%AB1%C2%BB.pdf"

    @pytest.mark.parametrize(
        ("header", "first", "last"),
        [("bytes=0-9", 0, 9), ("bytes=170-", 170, 179), ("bytes=-5", 175, 179), ("bytes=100-5000", 100, 179)],
    )
    def test_a_range_gets_exactly_those_bytes(self, api, student, material, header, first, last):
        response = download(api, student, material, HTTP_RANGE=header)
        assert response.status_code == 206
        assert body_of(response) == (b"Line one\nLine two\n" * 10)[first : last + 1]
        assert response["Content-Range"] == f"bytes {first}-{last}/180"
        assert response["Content-Length"] == str(last - first + 1)

    @pytest.mark.parametrize("header", ["bytes=180-", "bytes=500-600", "bytes=-0"])
    def test_a_range_outside_the_file_is_a_416(self, api, student, material, header):
        response = download(api, student, material, HTTP_RANGE=header)
        assert_error(response, 416, "range_not_satisfiable")
        assert response["Content-Range"] == "bytes */180"

    def test_several_ranges_get_the_whole_file(self, api, student, material):
        response = download(api, student, material, HTTP_RANGE="bytes=0-1,5-6")
        assert response.status_code == 200 and len(body_of(response)) == 180

    def test_if_range_with_an_old_etag_gets_the_whole_file(self, api, student, material):
        stale = download(api, student, material, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"old"')
        assert stale.status_code == 200 and len(body_of(stale)) == 180
        fresh = download(api, student, material, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=f'"{material["sha256"]}"')
        assert fresh.status_code == 206 and body_of(fresh) == b"Line one\nL"

    def test_it_refuses_outsiders(self, api, make_user, other_teacher, other_student, material):
        for persona in (other_teacher, other_student, make_user("parent")):
            assert_error(download(api, persona, material), 403, "permission_denied")

    def test_it_refuses_anonymous_callers(self, api, material):
        assert_error(download(api, None, material), 401)

    def test_unknown_materials_and_courses_are_404(self, api, student, members, material):
        assert_error(call(api, "get", f"{materials_url(members)}/nope/download", student), 404, "not_found")
        assert_error(call(api, "get", "/api/v1/courses/nope/materials/x/download", student), 404, "not_found")

    def test_a_blob_deleted_behind_the_documents_back_is_a_404(self, api, student, members, material):
        assert storage.delete_blob(stored_material(members, material["id"])["storage_path"])
        error = assert_error(download(api, student, material), 404, "not_found")
        assert "missing" in error["message"]

    def test_signed_urls_are_not_used_with_the_storage_emulator(self, api, student, material):
        with override_settings(MATERIAL_SIGNED_URLS=True):
            assert download(api, student, material).status_code == 200

    def test_with_signed_urls_on_and_real_credentials_it_redirects(self, api, student, material, monkeypatch):
        # Only the decision is tested: signing needs a service-account key the emulator cannot give.
        calls = []

        def fake_signed_url(path, **kwargs):
            calls.append((path, kwargs))
            return "https://storage.example/signed?sig=abc"

        monkeypatch.setattr(storage, "signed_url", fake_signed_url)
        with override_settings(MATERIAL_SIGNED_URLS=True, STORAGE_EMULATOR_HOST=""):
            response = download(api, student, material)
        assert response.status_code == 302
        assert response["Location"] == "https://storage.example/signed?sig=abc"
        (path, kwargs) = calls[0]
        assert path.endswith(material["id"])
        assert kwargs["content_type"] == "text/plain; charset=utf-8"
        assert kwargs["disposition"].startswith("attachment;")
        assert kwargs["seconds"] == 300

    def test_signed_urls_are_off_by_default(self, api, student, material, monkeypatch):
        monkeypatch.setattr(storage, "signed_url", lambda *a, **k: pytest.fail("signed without being asked"))
        with override_settings(STORAGE_EMULATOR_HOST=""):
            assert download(api, student, material).status_code == 200


# --- delete --------------------------------------------------------------------------------------


class TestDelete:
    @pytest.fixture
    def material(self, api, owner_teacher, members):
        return uploaded(api, owner_teacher, members)

    def url(self, course_id: str, material: dict) -> str:
        return f"{materials_url(course_id)}/{material['id']}"

    def test_the_owner_removes_the_file_and_its_document(self, api, owner_teacher, student, members, material):
        path = stored_material(members, material["id"])["storage_path"]
        response = call(api, "delete", self.url(members, material), owner_teacher)
        assert response.status_code == 204
        assert stored_material(members, material["id"]) is None
        assert storage.blob_info(path) is None
        assert list_ids(api, student, members) == []
        assert_error(download(api, student, material), 404)

    def test_an_admin_may_delete(self, api, admin, members, material):
        assert call(api, "delete", self.url(members, material), admin).status_code == 204

    def test_it_refuses_everyone_else(self, api, other_teacher, student, parent, members, material):
        for persona in (other_teacher, student, parent):
            assert_error(call(api, "delete", self.url(members, material), persona), 403)
        assert stored_material(members, material["id"]) is not None

    def test_it_refuses_anonymous_callers(self, api, members, material):
        assert_error(call(api, "delete", self.url(members, material)), 401)

    def test_unknown_materials_and_courses_are_404(self, api, owner_teacher, members):
        assert_error(call(api, "delete", f"{materials_url(members)}/nope", owner_teacher), 404)
        assert_error(call(api, "delete", "/api/v1/courses/nope/materials/nope", owner_teacher), 404)

    def test_a_document_without_its_blob_can_still_be_deleted(self, api, owner_teacher, members, material):
        storage.delete_blob(stored_material(members, material["id"])["storage_path"])
        assert call(api, "delete", self.url(members, material), owner_teacher).status_code == 204
        assert stored_material(members, material["id"]) is None


# --- through a real ASGI server ------------------------------------------------------------------


@pytest.mark.live
def test_through_daphne_uploads_and_downloads_stream_with_ranges(live_server, owner_teacher, student, members):
    # The test client is WSGI-like; under ASGI the download takes the async-iterator path.
    data = random_zip(9 * 1024 * 1024)
    url = f"{live_server}{materials_url(members)}"
    response = requests.post(
        url,
        headers={"Authorization": f"Bearer {owner_teacher.token}"},
        data={"title": "Dataset"},
        files={"file": ("dataset.zip", data, "application/octet-stream")},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    material = response.json()
    assert material["sha256"] == hashlib.sha256(data).hexdigest()

    auth = {"Authorization": f"Bearer {student.token}"}
    full = requests.get(f"{live_server}{material['download_url']}", headers=auth, timeout=60)
    assert full.status_code == 200
    assert full.headers["Content-Length"] == str(len(data))
    assert full.headers["Content-Type"] == "application/zip"
    assert hashlib.sha256(full.content).hexdigest() == material["sha256"]

    part = requests.get(
        f"{live_server}{material['download_url']}", headers={**auth, "Range": "bytes=100-199"}, timeout=30
    )
    assert part.status_code == 206 and part.content == data[100:200]
    beyond = requests.get(
        f"{live_server}{material['download_url']}", headers={**auth, "Range": f"bytes={len(data)}-"}, timeout=30
    )
    assert beyond.status_code == 416 and beyond.json()["error"]["code"] == "range_not_satisfiable"
