"""cplatform.uploads without the network: type detection from synthetic samples, names, byte ranges.

The samples are the smallest files that carry each format's real signature (built with zipfile,
Pillow, wave, or by hand for OLE/MP3/Ogg/MP4/WebM headers). Detection reads signatures and, for
ZIP and OLE containers, their directories; it does not decode the media, and these tests say no more.
"""

from __future__ import annotations

import io
import os
import struct
import wave
import zipfile

import pytest
from PIL import Image

from cplatform import errors
from cplatform.uploads import limits, names, serving, sniffing

# --- sample builders -----------------------------------------------------------------------------

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _ole_entry(name: str, kind: int) -> bytes:
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    entry = bytearray(128)
    entry[: len(encoded)] = encoded
    entry[64:66] = len(encoded).to_bytes(2, "little")
    entry[66] = kind
    entry[68:80] = b"\xff" * 12  # no siblings, no child
    entry[116:120] = _END.to_bytes(4, "little")
    return bytes(entry)


def ole(*stream_names: str, storages: tuple[str, ...] = ()) -> bytes:
    """An OLE compound file (512-byte sectors) whose directory lists the given streams and storages."""
    entries = [_ole_entry("Root Entry", 5)]
    entries += [_ole_entry(name, 1) for name in storages]
    entries += [_ole_entry(name, 2) for name in stream_names]
    directory_sectors = -(-len(entries) // 4)
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x18:0x1E] = struct.pack("<HHH", 0x3E, 3, 0xFFFE)
    header[0x1E:0x22] = struct.pack("<HH", 9, 6)
    header[0x2C:0x34] = struct.pack("<II", 1, 1)  # one FAT sector; the directory starts at sector 1
    header[0x38:0x4C] = struct.pack("<IIIII", 4096, _END, 0, _END, 0)
    header[0x4C:0x200] = struct.pack("<109I", 0, *[_FREE] * 108)
    chain = [*range(2, directory_sectors + 1), _END]  # sector 1 -> 2 -> ... -> end
    fat = struct.pack("<128I", _FAT, *chain, *[_FREE] * (127 - len(chain)))
    directory = b"".join(entries).ljust(directory_sectors * 512, b"\x00")
    return bytes(header) + fat + directory


def zipped(entries: dict[str, bytes], *, first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first), entries[first], compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            if name != first:
                archive.writestr(name, data)
    return buffer.getvalue()


def ooxml(part: str) -> bytes:
    return zipped({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>", part: b"<x/>"})


def odf(mime: str) -> bytes:
    return zipped({"mimetype": mime.encode(), "content.xml": b"<office:document-content/>"}, first="mimetype")


def pillow(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x00\x00" * 80)
    return out.getvalue()


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    box = b"ftyp" + major + b"\x00\x00\x02\x00" + b"".join(compatible)
    return struct.pack(">I", len(box) + 4) + box + b"\x00\x00\x00\x08free"


def webm() -> bytes:
    doctype = b"\x42\x82\x84webm"
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(doctype)]) + doctype + b"\x18\x53\x80\x67\x01"


PDF_SAMPLE = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

# (label, bytes, expected content type)
SAMPLES = [
    ("pdf", PDF_SAMPLE, "application/pdf"),
    ("doc", ole("WordDocument", "1Table", "\x05SummaryInformation"), "application/msword"),
    ("xls", ole("Workbook", "\x05SummaryInformation"), "application/vnd.ms-excel"),
    ("ppt", ole("PowerPoint Document", "Current User"), "application/vnd.ms-powerpoint"),
    ("docx", ooxml("word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xlsx", ooxml("xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (
        "pptx",
        ooxml("ppt/presentation.xml"),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("odt", odf("application/vnd.oasis.opendocument.text"), "application/vnd.oasis.opendocument.text"),
    ("ods", odf("application/vnd.oasis.opendocument.spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet"),
    ("odp", odf("application/vnd.oasis.opendocument.presentation"), "application/vnd.oasis.opendocument.presentation"),
    ("jpeg", pillow("JPEG"), "image/jpeg"),
    ("png", pillow("PNG"), "image/png"),
    ("webp", pillow("WEBP"), "image/webp"),
    ("gif", pillow("GIF"), "image/gif"),
    ("mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 400, "audio/mpeg"),
    ("ogg", b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1evorbis" + b"\x00" * 30, "audio/ogg"),
    ("wav", wav(), "audio/wav"),
    ("m4a", ftyp(b"M4A ", b"M4A ", b"mp42", b"isom"), "audio/mp4"),
    ("mp4", ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "video/mp4"),
    ("webm", webm(), "video/webm"),
    ("zip", zipped({"notes/week1.txt": b"hello", "data.csv": b"a,b\n1,2\n"}), "application/zip"),
    ("text", "Übung 1: the quadratic formula\n".encode(), "text/plain; charset=utf-8"),
]

REJECTED = [
    ("ELF executable", b"\x7fELF\x02\x01\x01\x00" + os.urandom(2000)),
    ("Windows executable", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + os.urandom(2000)),
    ("random bytes", b"\x00\xff" + os.urandom(4000)),
    ("PDF header without an end", b"%PDF-1.7\n" + os.urandom(3000)),
    ("UTF-16 text", "hello".encode("utf-16")),
    ("Latin-1 text", "caf\xe9 cr\xe8me".encode("latin-1")),
    ("damaged ZIP", b"PK\x03\x04" + os.urandom(500)),
    ("OLE installer", ole("\x05SummaryInformation", "\x05DocumentSummaryInformation")),
    ("Word with macros", ole("WordDocument", storages=("Macros",))),
    ("macro-enabled docx", zipped({"[Content_Types].xml": b"<T/>", "word/document.xml": b"<x/>", "word/vbaProject.bin": b"\x00"})),
    ("OpenDocument with Basic macros", zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "Basic/Standard/Module1.xml": b"<m/>"}, first="mimetype")),
    ("QuickTime", ftyp(b"qt  ", b"qt  ")),
    ("HEIC image", ftyp(b"heic", b"mif1", b"heic")),
]  # fmt: skip


def detect(data: bytes) -> str:
    return sniffing.detect_file_type(io.BytesIO(data), size=len(data)).content_type


# --- detection -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "data", "expected"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_each_accepted_type_is_recognised_by_its_content(label, data, expected):
    assert detect(data) == expected


@pytest.mark.parametrize(("label", "data"), REJECTED, ids=[r[0] for r in REJECTED])
def test_other_content_is_refused_with_a_415(label, data):
    with pytest.raises(errors.UnsupportedMediaType) as caught:
        detect(data)
    assert caught.value.status == 415
    assert caught.value.fields["file"]


def test_an_empty_file_is_refused():
    with pytest.raises(errors.UnsupportedMediaType, match="empty"):
        detect(b"")


def test_detection_leaves_the_stream_at_the_start():
    stream = io.BytesIO(ooxml("word/document.xml"))
    sniffing.detect_file_type(stream, size=len(stream.getvalue()))
    assert stream.tell() == 0


def test_ooxml_is_recognised_whatever_the_order_of_its_entries():
    data = zipped({"docProps/app.xml": b"<a/>", "customXml/item1.xml": b"<c/>", "[Content_Types].xml": b"<T/>"} | {
        f"media/image{n}.png": b"x" for n in range(8)
    } | {"xl/workbook.xml": b"<w/>"})  # fmt: skip
    assert detect(data) == sniffing.XLSX.content_type


def test_a_zip_with_a_content_types_file_but_no_office_part_is_a_plain_zip():
    assert detect(zipped({"[Content_Types].xml": b"<T/>", "readme.txt": b"hi"})) == "application/zip"


def test_an_ole_directory_spread_over_several_sectors_is_followed():
    names = [f"Stream{n}" for n in range(9)]
    assert detect(ole(*names, "WordDocument")) == "application/msword"


def test_text_cut_inside_a_multibyte_character_at_the_sniffed_boundary_is_still_text():
    data = b"a" * (sniffing.HEAD_BYTES - 1) + "é and more".encode()
    assert data[sniffing.HEAD_BYTES - 1 : sniffing.HEAD_BYTES + 1] == "é".encode()
    assert detect(data) == sniffing.TEXT_TYPE


def test_text_with_a_nul_byte_is_not_text():
    with pytest.raises(errors.UnsupportedMediaType):
        detect(b"looks like text\x00but is not")


def test_a_large_stored_zip_is_recognised_from_its_directory():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("random.bin", os.urandom(3 * 1024 * 1024))
    assert detect(buffer.getvalue()) == "application/zip"


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "file_type", "expected"),
    [
        ("Week 1 notes.pdf", sniffing.PDF, "Week 1 notes.pdf"),
        ("REPORT.PDF", sniffing.PDF, "REPORT.pdf"),
        ("../../etc/passwd.pdf", sniffing.PDF, "passwd.pdf"),
        ("C:\\Users\\ada\\slides.pptx", sniffing.PPTX, "slides.pptx"),
        ("photo.jpeg", sniffing.JPEG, "photo.jpeg"),
        ("slides.pdf", sniffing.PNG, "slides.pdf.png"),
        ("invoice\u202egpj.exe", sniffing.PDF, "invoicegpj.exe.pdf"),
        ("tab\tand\nnewline.txt", sniffing.TEXT, "tabandnewline.txt"),
        ('what?<is>"this".zip', sniffing.ZIP, "what__is__this_.zip"),
        ("README", sniffing.TEXT, "README.txt"),
        ("solution.py", sniffing.TEXT, "solution.py"),
        ("run-me.bat", sniffing.TEXT, "run-me.bat.txt"),
        ("page.html", sniffing.TEXT, "page.html.txt"),
        ("...hidden", sniffing.TEXT, "hidden.txt"),
        ("", sniffing.PDF, "material.pdf"),
        (None, sniffing.ZIP, "material.zip"),
        ("Übung «1».pdf", sniffing.PDF, "Übung «1».pdf"),
    ],
)
def test_file_names_are_cleaned_and_fit_their_content(original, file_type, expected):
    assert names.safe_file_name(original, file_type) == expected


def test_long_file_names_are_cut_but_keep_their_extension():
    name = names.safe_file_name("x" * 500 + ".docx", sniffing.DOCX)
    assert len(name) == names.MAX_FILE_NAME and name.endswith(".docx")


def test_content_disposition_carries_an_ascii_fallback_and_the_exact_utf8_name():
    header = names.content_disposition("Übung «1».pdf")
    assert header == "attachment; filename=\"Ubung 1.pdf\"; filename*=UTF-8''%C3%9Cbung%20%C2%AB1%C2%BB.pdf"


def test_content_disposition_cannot_be_broken_out_of():
    header = names.content_disposition('a";\r\nSet-Cookie: x=1.txt')
    assert "\r" not in header and "\n" not in header
    assert header.startswith("attachment; filename=\"a____Set-Cookie_ x_1.txt\"; filename*=UTF-8''a%22%3B%0D%0A")
    assert header.count('"') == 2


# --- ranges --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-9", (0, 9)),
        ("bytes=10-", (10, 99)),
        ("bytes=-5", (95, 99)),
        ("bytes=-500", (0, 99)),
        ("bytes=90-1000", (90, 99)),
        ("BYTES = 1 - 2", (1, 2)),
        ("bytes=0-0", (0, 0)),
        ("bytes=5-2", None),  # invalid: ignored, the whole file is sent
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
        ("items=0-1", None),
        ("bytes=-", None),
        ("bytes=abc", None),
    ],
)
def test_a_single_byte_range_is_understood(header, expected):
    assert serving.parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=100-200", "bytes=-0"])
def test_ranges_outside_the_file_are_not_satisfiable(header):
    with pytest.raises(serving.RangeNotSatisfiable) as caught:
        serving.parse_range(header, 100)
    assert caught.value.status == 416


# --- size limit while parsing --------------------------------------------------------------------


def _multipart_request(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import RequestFactory
    from rest_framework.parsers import MultiPartParser
    from rest_framework.request import Request

    django_request = RequestFactory().post("/upload", data={"title": "t", "file": SimpleUploadedFile("f.bin", content)})
    return Request(django_request, parsers=[MultiPartParser()])


def test_the_upload_limit_stops_the_parser_at_the_first_chunk_past_the_limit():
    request = _multipart_request(b"x" * 5000)
    limit = limits.install_upload_limit(request, max_bytes=4999)
    with pytest.raises(errors.PayloadTooLarge):
        limits.read_upload_form(request, limit, field="file")
    assert limit.exceeded
    assert "file" not in request.FILES


def test_the_upload_limit_lets_a_file_at_the_limit_through():
    request = _multipart_request(b"x" * 5000)
    limit = limits.install_upload_limit(request, max_bytes=5000)
    data = limits.read_upload_form(request, limit, field="file")
    assert data["file"].size == 5000 and not limit.exceeded


def test_a_declared_length_over_the_limit_is_refused_without_parsing():
    request = _multipart_request(b"x" * 200_000)
    limit = limits.install_upload_limit(request, max_bytes=1000)
    with pytest.raises(errors.PayloadTooLarge, match="1000 bytes"):
        limits.read_upload_form(request, limit, field="file")
    assert not limit.exceeded  # the parser never ran
    assert not hasattr(request._request, "_files")
