"""Profile photos: checked by content, shrunk, stored in Cloud Storage, served with the profile's visibility."""

from __future__ import annotations

import io
import struct
import zlib

from django.test import override_settings
from PIL import Image

from firestore_operations import storage
from tests.conftest import assert_error, call


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=image_format)
    return out.getvalue()


def bomb_png(width: int = 13_000, height: int = 13_000) -> bytes:
    """A tiny PNG that declares a huge 1-bit image (its pixel data is a few compressed zero rows)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + (width + 7) // 8) * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def upload(api, persona, data: bytes, name: str = "photo.png"):
    photo = io.BytesIO(data)
    photo.name = name
    return call(api, "post", "/api/v1/me/photo", persona, data={"photo": photo}, format="multipart")


def fetch_photo(api, persona, owner):
    return call(api, "get", f"/api/v1/users/{owner.uid}/photo", persona)


class TestUpload:
    def test_a_png_is_stored_and_served(self, api, student):
        response = upload(api, student, image_bytes("PNG"))
        assert response.status_code == 200, response.content
        assert response.json()["photo_url"].startswith(f"/api/v1/users/{student.uid}/photo?v=1")
        served = fetch_photo(api, student, student)
        assert served.status_code == 200 and served["Content-Type"] == "image/png"
        assert Image.open(io.BytesIO(served.content)).format == "PNG"
        assert storage.read_bytes(f"users/{student.uid}/photo") == served.content

    def test_jpeg_and_webp_are_accepted(self, api, student):
        for image_format, content_type in (("JPEG", "image/jpeg"), ("WEBP", "image/webp")):
            assert upload(api, student, image_bytes(image_format), name="photo.bin").status_code == 200
            assert fetch_photo(api, student, student)["Content-Type"] == content_type

    def test_the_type_comes_from_the_content_not_the_name(self, api, student):
        assert upload(api, student, image_bytes("PNG"), name="holiday.jpg").status_code == 200
        served = fetch_photo(api, student, student)
        assert served["Content-Type"] == "image/png"
        assert Image.open(io.BytesIO(served.content)).format == "PNG"

    def test_a_text_file_named_png_is_415(self, api, student):
        error = assert_error(upload(api, student, b"just some text, not pixels\n", name="x.png"), 415)
        assert error["code"] == "unsupported_media_type" and "photo" in error["fields"]
        assert_error(fetch_photo(api, student, student), 404)

    def test_a_gif_is_415(self, api, student):
        assert_error(upload(api, student, image_bytes("GIF"), name="x.gif"), 415, "unsupported_media_type")

    def test_a_truncated_png_is_415(self, api, student):
        assert_error(upload(api, student, image_bytes("PNG")[:60]), 415, "unsupported_media_type")

    @override_settings(PROFILE_PHOTO_MAX_BYTES=1000)
    def test_a_photo_over_the_limit_is_413(self, api, student):
        data = image_bytes("PNG", size=(400, 400))
        assert len(data) > 1000
        error = assert_error(upload(api, student, data), 413, "too_large")
        assert "photo" in error["fields"]

    def test_a_decompression_bomb_is_refused_before_decoding(self, api, student):
        data = bomb_png()
        assert len(data) < 100_000
        error = assert_error(upload(api, student, data), 400, "image_too_big")
        assert "13,000 x 13,000" in error["message"] and "photo" in error["fields"]
        assert storage.read_bytes(f"users/{student.uid}/photo") is None

    def test_a_large_image_is_shrunk_to_1024_pixels(self, api, student):
        assert upload(api, student, image_bytes("JPEG", size=(3000, 2000)), name="big.jpg").status_code == 200
        stored = Image.open(io.BytesIO(fetch_photo(api, student, student).content))
        assert max(stored.size) <= 1024 and stored.size == (1024, 683)

    def test_a_new_photo_replaces_the_old_one_and_changes_the_url(self, api, student):
        first = upload(api, student, image_bytes("PNG")).json()["photo_url"]
        second = upload(api, student, image_bytes("JPEG")).json()["photo_url"]
        assert first != second and second.endswith("?v=2")
        assert fetch_photo(api, student, student)["Content-Type"] == "image/jpeg"

    def test_a_missing_file_is_400(self, api, student):
        response = call(api, "post", "/api/v1/me/photo", student, data={}, format="multipart")
        error = assert_error(response, 400, "invalid")
        assert "photo" in error["fields"]

    def test_a_json_body_is_415(self, api, student):
        # Uploads take multipart only (a base64 photo in JSON is not a photo upload).
        assert_error(call(api, "post", "/api/v1/me/photo", student, data={"photo": "aGVsbG8="}), 415)

    def test_it_needs_a_sign_in(self, api):
        photo = io.BytesIO(image_bytes())
        photo.name = "x.png"
        assert_error(api.post("/api/v1/me/photo", {"photo": photo}, format="multipart"), 401)

    def test_a_link_to_another_site_is_refused(self, api, student):
        upload(api, student, image_bytes())
        response = call(api, "patch", "/api/v1/me", student, data={"photo_url": "https://example.com/me.png"})
        assert "photo_url" in assert_error(response, 400, "invalid")["fields"]
        assert storage.read_bytes(f"users/{student.uid}/photo") is not None

    def test_the_current_photo_url_sent_back_is_accepted_unchanged(self, api, student):
        current = upload(api, student, image_bytes()).json()["photo_url"]
        response = call(api, "patch", "/api/v1/me", student, data={"photo_url": current, "bio": "Hi"})
        assert response.status_code == 200 and response.json()["photo_url"] == current

    def test_removing_the_photo_deletes_the_blob(self, api, student):
        upload(api, student, image_bytes())
        response = call(api, "patch", "/api/v1/me", student, data={"photo_url": None})
        assert response.json()["photo_url"] is None
        assert_error(fetch_photo(api, student, student), 404)


class TestVisibility:
    def test_a_teachers_photo_is_seen_by_every_signed_in_user(self, api, owner_teacher, student, parent):
        upload(api, owner_teacher, image_bytes())
        for viewer in (student, parent):
            assert fetch_photo(api, viewer, owner_teacher).status_code == 200

    def test_a_students_photo_follows_the_profile_rules(
        self, api, student, parent, other_student, other_teacher, admin
    ):
        upload(api, student, image_bytes())
        assert fetch_photo(api, parent, student).status_code == 200
        assert fetch_photo(api, admin, student).status_code == 200
        assert_error(fetch_photo(api, other_student, student), 403)
        assert_error(fetch_photo(api, other_teacher, student), 403)

    def test_a_user_without_a_photo_is_404(self, api, owner_teacher, student):
        assert_error(fetch_photo(api, student, owner_teacher), 404, "not_found")

    def test_an_unknown_user_is_404(self, api, student):
        assert_error(call(api, "get", "/api/v1/users/nobody/photo", student), 404)

    def test_visitors_see_teachers_photos_only(self, api, owner_teacher, student):
        # A teacher's public page shows her photo to visitors; everyone else's needs a sign-in.
        upload(api, owner_teacher, image_bytes())
        upload(api, student, image_bytes())
        assert api.get(f"/api/v1/users/{owner_teacher.uid}/photo").status_code == 200
        assert_error(api.get(f"/api/v1/users/{student.uid}/photo"), 401)
