"""What a file is, judged by its bytes (never by its name or the request's Content-Type)."""

from __future__ import annotations

import codecs
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from filetype.types import audio, image, video

from cplatform import errors

HEAD_BYTES = 64 * 1024  # what the text check reads; magic numbers sit in the first few bytes
TEXT_TYPE = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class FileType:
    content_type: str
    # The first is the canonical one, appended to a name whose extension does not fit the content.
    extensions: tuple[str, ...]
    label: str

    @property
    def is_text(self) -> bool:
        return self.content_type == TEXT_TYPE


PDF = FileType("application/pdf", ("pdf",), "PDF")
DOC = FileType("application/msword", ("doc", "dot"), "Word 97-2003 document")
XLS = FileType("application/vnd.ms-excel", ("xls", "xlt"), "Excel 97-2003 workbook")
PPT = FileType("application/vnd.ms-powerpoint", ("ppt", "pps", "pot"), "PowerPoint 97-2003 presentation")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",), "Word document")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",), "Excel workbook")
PPTX = FileType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",), "PowerPoint presentation"
)
ODT = FileType("application/vnd.oasis.opendocument.text", ("odt",), "OpenDocument text")
ODS = FileType("application/vnd.oasis.opendocument.spreadsheet", ("ods",), "OpenDocument spreadsheet")
ODP = FileType("application/vnd.oasis.opendocument.presentation", ("odp",), "OpenDocument presentation")
JPEG = FileType("image/jpeg", ("jpg", "jpeg", "jpe"), "JPEG image")
PNG = FileType("image/png", ("png",), "PNG image")
WEBP = FileType("image/webp", ("webp",), "WebP image")
GIF = FileType("image/gif", ("gif",), "GIF image")
MP3 = FileType("audio/mpeg", ("mp3",), "MP3 audio")
OGG = FileType("audio/ogg", ("ogg", "oga", "opus"), "Ogg audio")
WAV = FileType("audio/wav", ("wav",), "WAV audio")
M4A = FileType("audio/mp4", ("m4a",), "M4A audio")
MP4 = FileType("video/mp4", ("mp4", "m4v"), "MP4 video")
WEBM = FileType("video/webm", ("webm",), "WebM video")
ZIP = FileType("application/zip", ("zip",), "ZIP archive")
TEXT = FileType(TEXT_TYPE, ("txt",), "plain text")

ACCEPTED = (PDF, DOC, XLS, PPT, DOCX, XLSX, PPTX, ODT, ODS, ODP, JPEG, PNG, WEBP, GIF, MP3, OGG, WAV, M4A, MP4)
ACCEPTED += (WEBM, ZIP, TEXT)
ACCEPTED_DESCRIPTION = (
    "PDF, Office (doc/xls/ppt, docx/xlsx/pptx, odt/ods/odp), JPEG/PNG/WebP/GIF images, "
    "MP3/Ogg/WAV/M4A audio, MP4/WebM video, ZIP or UTF-8 plain text"
)

# filetype's matchers where they check enough bytes to mean something; the formats below them get
# checks of our own because filetype reads fixed offsets (OOXML entry order, OLE sector layout).
_SIMPLE_MATCHERS = (
    (image.Jpeg(), JPEG),
    (image.Webp(), WEBP),
    (audio.Wav(), WAV),
    (audio.Ogg(), OGG),
    (audio.Mp3(), MP3),
    (video.Webm(), WEBM),
)
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"mp71", b"avc1", b"dash",
    b"M4V ", b"M4VH", b"M4VP", b"MSNV", b"f4v ",
}  # fmt: skip
_M4A_BRANDS = {b"M4A ", b"M4B "}
_ODF_TYPES = {t.content_type: t for t in (ODT, ODS, ODP)}
# A ZIP's central directory is read whole by zipfile: bound it so a 100 MB archive of empty
# entries cannot cost gigabytes of ZipInfo objects. Bigger archives are accepted as plain ZIPs.
_MAX_INSPECTED_ZIP_ENTRIES = 20_000
_MAX_INSPECTED_ZIP_DIRECTORY = 8 * 1024 * 1024


def _unsupported(message: str, field: str) -> errors.UnsupportedMediaType:
    return errors.UnsupportedMediaType(message, fields={field: [message]})


def detect_file_type(stream: BinaryIO, *, size: int, field: str = "file") -> FileType:
    """The accepted type the bytes really are; the stream is left at 0. Raises UnsupportedMediaType.

    Macro-enabled Office files are refused: they are the classic way to hand malware to students.
    """
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    try:
        found = _sniff(stream, head, size=size, field=field)
    finally:
        stream.seek(0)
    if found is None:
        raise _unsupported(f"This file type is not accepted; upload {ACCEPTED_DESCRIPTION}.", field)
    return found


def _sniff(stream: BinaryIO, head: bytes, *, size: int, field: str) -> FileType | None:
    if not head:
        raise _unsupported("The file is empty.", field)
    if head.startswith(b"%PDF-"):
        return _pdf(stream, size, field)
    if head.startswith(_OLE_MAGIC):
        return _ole_document(stream, field)
    if head.startswith(_ZIP_MAGIC):
        return _zip_family(stream, size, field)
    if head.startswith(_PNG_MAGIC):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[4:8] == b"ftyp":
        return _iso_media(head, field)
    for matcher, file_type in _SIMPLE_MATCHERS:
        if matcher.match(head):
            return file_type
    if is_utf8_text(head, complete=size <= len(head)):
        return TEXT
    return None


def is_utf8_text(head: bytes, *, complete: bool) -> bool:
    """UTF-8 without NUL bytes; a multi-byte character cut at the end of `head` is fine unless complete."""
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def _pdf(stream: BinaryIO, size: int, field: str) -> FileType:
    # Readers look for the %%EOF marker in the last 1 KB; without it the file is cut off (or is
    # something else wearing a PDF header).
    stream.seek(max(0, size - 1024))
    if b"%%EOF" not in stream.read(1024):
        raise _unsupported("The file starts like a PDF but is incomplete (no %%EOF marker).", field)
    return PDF


def _ole_document(stream: BinaryIO, field: str) -> FileType:
    names = ole_entry_names(stream)
    if names & {"Macros", "_VBA_PROJECT_CUR", "VBA"}:
        raise _unsupported("Office files with macros are not accepted; save it without macros.", field)
    if "WordDocument" in names:
        return DOC
    if "PowerPoint Document" in names:
        return PPT
    if names & {"Workbook", "Book"}:
        return XLS
    # Installers (.msi) and other compound files share the OLE header.
    raise _unsupported("Only Word, Excel and PowerPoint files are accepted among OLE compound files.", field)


_OLE_LAST_SECTOR = 0xFFFFFFFA  # ids from here up mark chain ends and free/FAT sectors


def ole_entry_names(stream: BinaryIO, *, max_sectors: int = 64) -> set[str]:
    """Names of the storages and streams in an OLE compound file's directory (empty if unreadable).

    Follows the directory's sector chain through the FAT sectors listed in the header: enough for
    every Office file's top-level streams without reading the whole file.
    """
    stream.seek(0)
    header = stream.read(512)
    if len(header) < 512 or not header.startswith(_OLE_MAGIC):
        return set()
    shift = int.from_bytes(header[0x1E:0x20], "little")
    if shift not in (9, 12):
        return set()
    sector_size = 1 << shift
    difat = struct.unpack("<109I", header[0x4C:0x200])
    per_fat_sector = sector_size // 4

    def read_sector(number: int) -> bytes:
        stream.seek((number + 1) * sector_size)
        return stream.read(sector_size)

    def next_sector(number: int) -> int:
        index = number // per_fat_sector
        if index >= len(difat) or difat[index] >= _OLE_LAST_SECTOR:
            return _OLE_LAST_SECTOR
        fat = read_sector(difat[index])
        offset = (number % per_fat_sector) * 4
        return int.from_bytes(fat[offset : offset + 4], "little") if len(fat) >= offset + 4 else _OLE_LAST_SECTOR

    names: set[str] = set()
    sector, seen = int.from_bytes(header[0x30:0x34], "little"), set()
    while sector < _OLE_LAST_SECTOR and sector not in seen and len(seen) < max_sectors:
        seen.add(sector)
        data = read_sector(sector)
        for offset in range(0, len(data) - 127, 128):
            entry = data[offset : offset + 128]
            name_length = int.from_bytes(entry[64:66], "little")
            if entry[66] in (1, 2, 5) and 2 <= name_length <= 64:
                names.add(entry[: name_length - 2].decode("utf-16-le", errors="replace"))
        sector = next_sector(sector)
    return names


def _zip_family(stream: BinaryIO, size: int, field: str) -> FileType:
    damaged = _unsupported("The file starts like a ZIP archive but is damaged.", field)
    entries, directory_size = _zip_directory_size(stream, size)
    if entries is None:
        raise damaged
    if entries > _MAX_INSPECTED_ZIP_ENTRIES or directory_size > _MAX_INSPECTED_ZIP_DIRECTORY:
        return ZIP
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            odf_type = _odf_type(archive) if "mimetype" in names else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise damaged from exc
    lowered = [name.lower() for name in names]
    if odf_type:
        if any(name.startswith(("basic/", "scripts/")) for name in lowered):
            raise _unsupported("OpenDocument files with macros are not accepted; save it without macros.", field)
        return odf_type
    if "[content_types].xml" in lowered:
        if any(name.endswith("vbaproject.bin") for name in lowered):
            raise _unsupported("Office files with macros are not accepted; save it without macros.", field)
        for prefix, file_type in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
            if any(name.startswith(prefix) for name in lowered):
                return file_type
    return ZIP


def _zip_directory_size(stream: BinaryIO, size: int) -> tuple[int | None, int]:
    """(entry count, central directory bytes) from the end-of-central-directory record; None if absent."""
    tail_size = min(size, 22 + 65535)  # the record plus the longest possible archive comment
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None, 0
    entries, directory_size = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF:  # ZIP64: more than we inspect anyway
        return _MAX_INSPECTED_ZIP_ENTRIES + 1, directory_size
    return entries, directory_size


def _odf_type(archive: zipfile.ZipFile) -> FileType | None:
    try:
        with archive.open("mimetype") as entry:
            declared = entry.read(100).decode("ascii", errors="replace").strip()
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error, OSError, EOFError):
        return None  # encrypted or oddly compressed: not a document we can vouch for
    return _ODF_TYPES.get(declared)


def _iso_media(head: bytes, field: str) -> FileType:
    box_size = int.from_bytes(head[0:4], "big")
    if box_size < 16 or box_size > min(len(head), 4096) or box_size % 4:
        raise _unsupported("The file starts like an MP4 but its header is damaged.", field)
    major = head[8:12]
    brands = {major, *(head[at : at + 4] for at in range(16, box_size, 4))}
    if major in _M4A_BRANDS:
        return M4A
    if brands & _MP4_BRANDS:
        return MP4
    label = major.decode("ascii", errors="replace").strip()
    raise _unsupported(f"This MP4-family file ({label}) is not accepted; upload MP4 video or M4A audio.", field)
