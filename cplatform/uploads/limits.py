"""Upload size limits enforced before and while a multipart body is parsed (413 past them)."""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from cplatform import errors

# Room for the form's other fields and the multipart boundaries next to the file itself.
FORM_OVERHEAD = 64 * 1024


class UploadLimit(FileUploadHandler):
    """First upload handler of a request: stops parsing as soon as a file passes `max_bytes`.

    Django parses multipart bodies in 64 KB chunks and spools files over FILE_UPLOAD_MAX_MEMORY_SIZE
    to disk; this handler makes it stop at the limit instead of writing the rest to a temp file.
    StopUpload makes Django close (and so delete) the partial temp files; `exceeded` tells why the
    file is missing from request.data.
    """

    def __init__(self, request, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.max_bytes:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def install_upload_limit(request, *, max_bytes: int) -> UploadLimit:
    """Put an UploadLimit in front of the request's handlers; do it before anything reads the body."""
    django_request = getattr(request, "_request", request)
    limit = UploadLimit(django_request, max_bytes)
    django_request.upload_handlers.insert(0, limit)
    return limit


def too_large(max_bytes: int, field: str) -> errors.PayloadTooLarge:
    size = f"{max_bytes // (1024 * 1024)} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes} bytes"
    return errors.PayloadTooLarge(f"The file is larger than {size}.", fields={field: ["Too large."]})


def read_upload_form(request, limit: UploadLimit, *, field: str):
    """request.data of a multipart upload, refusing oversize bodies. Raises PayloadTooLarge.

    A declared Content-Length over the limit is refused before a byte is parsed; a body without one
    (chunked) or one that lies is stopped by the UploadLimit handler while it is parsed.
    """
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit.max_bytes + FORM_OVERHEAD:
        raise too_large(limit.max_bytes, field)
    data = request.data
    if limit.exceeded:
        raise too_large(limit.max_bytes, field)
    return data


def check_upload_size(upload, *, max_bytes: int, field: str) -> None:
    """The last word on size, whoever parsed the body. Raises PayloadTooLarge."""
    if upload.size > max_bytes:
        raise too_large(max_bytes, field)
