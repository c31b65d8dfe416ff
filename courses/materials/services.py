"""Course materials: files a course's teacher shares with its members, kept in Cloud Storage.

Types are judged by content (cplatform.uploads), the bytes stream from the request's temp file to
Storage in chunks while their sha256 is computed, and downloads stream back in chunks (or redirect
to a short-lived signed URL when MATERIAL_SIGNED_URLS is on and real credentials are configured).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace

from django.conf import settings

from courses import events
from courses.access import access_course, access_course_content
from cplatform import errors, rate_limit
from cplatform.actor import Actor
from cplatform.uploads import limits, names, sniffing
from firestore_operations import materials as material_store
from firestore_operations import storage
from firestore_operations.pagination import Page

logger = logging.getLogger(__name__)

DOWNLOAD_CHUNK = 4 * 1024 * 1024  # one ranged Storage read per chunk; bounds the memory of a download


@dataclass(frozen=True)
class MaterialDownload:
    material: dict
    size: int
    content_type: str
    file_name: str
    storage_path: str
    etag: str
    # Set when the client should fetch the bytes from Storage directly.
    redirect_url: str | None = None


def storage_path(course_id: str, material_id: str) -> str:
    return f"courses/{course_id}/materials/{material_id}"


def signed_urls_enabled() -> bool:
    """Redirect downloads to signed URLs only when asked to and when the credentials can sign.

    The Storage emulator has no signing key (AnonymousCredentials), so with STORAGE_EMULATOR_HOST
    set the bytes always stream through Django.
    """
    return bool(settings.MATERIAL_SIGNED_URLS) and not settings.STORAGE_EMULATOR_HOST


def list_materials(*, actor: Actor, course_id: str, limit: int, cursor: str | None) -> Page:
    """A page of the course's materials, newest first. Raises NotFound, PermissionDenied, ValidationError."""
    access_course_content(actor, course_id)
    return material_store.list_materials(course_id, limit=limit, cursor=cursor)


def upload_material(*, actor: Actor, course_id: str, title: str, description: str, upload) -> dict:
    """Check and store a file for the course.

    Raises NotFound, PermissionDenied, RateLimited, PayloadTooLarge, UnsupportedMediaType.

    The blob is written first under a fresh id; if the document cannot be written the blob is removed,
    so no document ever points at a file that was never stored.
    """
    access_course(actor, course_id, for_write=True)
    rate_limit.consume_upload(actor.uid)
    limits.check_upload_size(upload, max_bytes=settings.MATERIAL_MAX_BYTES, field="file")
    file_type = sniffing.detect_file_type(upload, size=upload.size, field="file")
    material_id = material_store.new_material_id(course_id)
    path = storage_path(course_id, material_id)
    upload.seek(0)
    stored = storage.upload_stream_hashed(path, upload, file_type.content_type, upload.size)
    try:
        material_store.create_material(
            course_id,
            material_id,
            {
                "course_id": course_id,
                "title": title,
                "description": description,
                "file_name": names.safe_file_name(upload.name, file_type),
                "content_type": file_type.content_type,
                "size": stored.size,
                "sha256": stored.sha256,
                "storage_path": path,
                "uploader_uid": actor.uid,
            },
        )
    except Exception:
        storage.delete_blob(path)
        raise
    return material_store.get_material(course_id, material_id)


def _get_material_or_404(course_id: str, material_id: str) -> dict:
    material = material_store.get_material(course_id, material_id)
    if material is None:
        raise errors.NotFound("No such material in this course.")
    return material


def get_material(*, actor: Actor, course_id: str, material_id: str) -> dict:
    """One material's details, for the course's members. Raises NotFound, PermissionDenied."""
    access_course_content(actor, course_id)
    return _get_material_or_404(course_id, material_id)


def get_material_download(*, actor: Actor, course_id: str, material_id: str) -> MaterialDownload:
    """What a download needs (size from Storage itself). Raises NotFound, PermissionDenied.

    A document whose blob has gone (deleted by hand, a failed clean-up) is a 404, never a 500.
    """
    course = access_course_content(actor, course_id)
    material = _get_material_or_404(course_id, material_id)
    blob = storage.blob_info(material["storage_path"])
    if blob is None:
        logger.warning("material %s/%s has no blob at %s", course_id, material_id, material["storage_path"])
        raise errors.NotFound("This material's file is missing; ask the teacher to upload it again.")
    download = MaterialDownload(
        material=material,
        size=blob.size,
        content_type=material.get("content_type") or blob.content_type,
        file_name=material.get("file_name") or "material",
        storage_path=material["storage_path"],
        etag=f'"{material.get("sha256") or material["id"]}"',
    )
    if signed_urls_enabled():
        url = storage.signed_url(
            download.storage_path,
            seconds=settings.MATERIAL_SIGNED_URL_SECONDS,
            content_type=download.content_type,
            disposition=names.content_disposition(download.file_name),
        )
        download = replace(download, redirect_url=url)
    events.publish(
        events.material_downloaded,
        course_id=course_id,
        teacher_uid=course.get("teacher_uid", ""),
        material_id=material_id,
        uid=actor.uid,
        role=actor.role,
    )
    return download


def material_bytes(download: MaterialDownload, *, first: int, last: int) -> Iterator[bytes]:
    """Bytes first..last (inclusive) of a checked download, read from Storage chunk by chunk."""
    return storage.iter_range(download.storage_path, first, last, chunk_size=DOWNLOAD_CHUNK)


def delete_material(*, actor: Actor, course_id: str, material_id: str) -> None:
    """Remove the file and its document. Raises NotFound, PermissionDenied.

    The blob goes first: if the document delete then fails, a retry finds the document and finishes,
    and meanwhile downloads answer 404 rather than serving a file the teacher withdrew.
    """
    access_course(actor, course_id, for_write=True)
    material = _get_material_or_404(course_id, material_id)
    storage.delete_blob(material["storage_path"])
    material_store.delete_material(course_id, material_id)


def delete_course_materials(*, course_id: str) -> int:
    """Remove every material of a course (files and documents); for whoever deletes the course itself."""
    count = 0
    for material in material_store.iter_course_materials(course_id):
        storage.delete_blob(material.get("storage_path") or storage_path(course_id, material["id"]))
        material_store.delete_material(course_id, material["id"])
        count += 1
    return count
