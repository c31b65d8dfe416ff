"""File names made safe to store and to send back in a Content-Disposition header."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from cplatform.uploads.sniffing import FileType

MAX_FILE_NAME = 200
# Text content under these names would run or render when opened from the downloads folder.
ACTIVE_EXTENSIONS = frozenset({
    "app", "application", "bat", "cmd", "com", "command", "cpl", "desktop", "exe", "gadget", "hta", "htm", "html",
    "inf", "jar", "js", "jse", "lnk", "mht", "mhtml", "msc", "msi", "pif", "ps1", "psm1", "reg", "scf", "scr",
    "sh", "shtml", "svg", "url", "vb", "vbe", "vbs", "ws", "wsc", "wsf", "wsh", "xht", "xhtml",
})  # fmt: skip


def safe_file_name(original: str | None, file_type: FileType) -> str:
    """A display name without paths, control or bidi characters, whose extension fits the content."""
    name = unicodedata.normalize("NFC", original or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Category C covers controls and format characters such as U+202E, which makes "gpj.exe" look like "exe.jpg".
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    name = re.sub(r'[<>:"|?*]', "_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, ""
    stem = stem or "material"
    extension = extension.lower()
    if file_type.is_text:
        if not extension or extension in ACTIVE_EXTENSIONS:
            stem, extension = (f"{stem}.{extension}" if extension else stem), "txt"
    elif extension not in file_type.extensions:
        stem, extension = (f"{stem}.{extension}" if extension else stem), file_type.extensions[0]
    suffix = f".{extension}"
    return (stem[: MAX_FILE_NAME - len(suffix)].rstrip(" .") or "material") + suffix


def content_disposition(file_name: str) -> str:
    """`attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266 / RFC 8187)."""
    fallback = unicodedata.normalize("NFKD", file_name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9 ._()\-]", "_", fallback).strip() or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"
