"""Uploaded files judged by their content: photos re-encoded without metadata, PDFs checked.

The type comes from the bytes (magic numbers, then Pillow decoding the image), never from
the file name or the browser's stated type. SVG, HTML and anything else is refused, and so
are polyglots: a file that is a valid image or PDF and also carries markup, script or a
zip archive another program would open. A photo keeps only its EXIF time and GPS position,
as data; it is re-encoded (which drops everything else the file held) and thumbnailed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

# Phones (iPhones by default) take HEIC photos: pillow-heif (libheif) lets Pillow read
# them; they are stored re-encoded as JPEG like the others, so every browser shows them.
register_heif_opener()

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PDF_MAGIC = b"%PDF-"
# An ISO base media file: a size, then "ftyp" and the major brand. These brands are HEIF
# still images (HEVC-coded, or the generic image brands); AVIF and videos are not among them.
FTYP = b"ftyp"
HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"heif"})
# Which Pillow plugin must read each photo type (it would try every plugin otherwise).
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/heic": "HEIF"}
# Decoding more pixels than this is refused (Pillow's own bomb check, made an error).
MAX_PIXELS = 50_000_000
# Stored photos are at most this many pixels on their long side; thumbnails this many.
PHOTO_LONG_SIDE = 2048
THUMB_LONG_SIDE = 320
JPEG_QUALITY = 85
# Markup or script a browser would run, and a zip archive's end record another program
# would open: in an image or a PDF they make it a polyglot. Each pattern is long enough
# that compressed pixel data does not match it by chance (XMP metadata is XML, so "<?xml"
# is not among them).
_MARKUP = re.compile(rb"<(?:html|script|svg[\s/>]|iframe|object|embed|body|!doctype)", re.I)
_ZIP_END = b"PK\x05\x06"
# PDF features that run code or carry other files.
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATETIME_ORIGINAL, DATETIME = 0x9003, 0x0132


class MediaRefused(Exception):
    """The file is refused; ``code`` says why (the web layer words it)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Media:
    """A file ready to store: its kind, type, bytes and, for photos, what EXIF said."""

    kind: str  # photo or document
    media_type: str
    extension: str
    data: bytes
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None
    taken_at: str | None = None  # the camera's local time, ISO 8601 without a zone
    lon: float | None = None
    lat: float | None = None
    original_bytes: int = 0


def sniff(data: bytes) -> str:
    """The type the content shows: image/jpeg, image/png, image/heic or application/pdf."""
    if data.startswith(JPEG_MAGIC):
        return "image/jpeg"
    if data.startswith(PNG_MAGIC):
        return "image/png"
    if data.startswith(PDF_MAGIC):
        return "application/pdf"
    if data[4:8] == FTYP and data[8:12] in HEIF_BRANDS:
        return "image/heic"
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml", b"<!doctype", b"<html")) or b"<svg" in head:
        raise MediaRefused("markup")
    raise MediaRefused("unknown_type")


def _polyglot(data: bytes, media_type: str) -> bool:
    if _MARKUP.search(data):
        return True
    # Zip readers look for the end record near the end of the file.
    if _ZIP_END in data[-66_000:]:
        return True
    if media_type != "application/pdf" and PDF_MAGIC in data:
        return True
    return media_type == "application/pdf" and (JPEG_MAGIC in data[:16] or PNG_MAGIC in data)


def _ratio(value: Any) -> float:
    if isinstance(value, tuple) and len(value) == 2:
        return float(value[0]) / float(value[1])
    return float(value)


def _degrees(parts: Any, ref: Any) -> float | None:
    try:
        d, m, s = (_ratio(p) for p in parts)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    return -value if str(ref).upper().startswith(("S", "W")) else value


def _exif_facts(image: Image.Image) -> tuple[str | None, float | None, float | None]:
    """The camera's time (local, ISO) and GPS position (lon, lat), when the photo has them."""
    exif = image.getexif()
    taken = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    taken_at = None
    if isinstance(taken, str):
        try:
            taken_at = dt.datetime.strptime(taken.strip("\x00 "), "%Y:%m:%d %H:%M:%S").isoformat()
        except ValueError:
            taken_at = None
    gps = exif.get_ifd(GPS_IFD)
    lat = _degrees(gps.get(2), gps.get(1, "N")) if gps.get(2) else None
    lon = _degrees(gps.get(4), gps.get(3, "E")) if gps.get(4) else None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return taken_at, None, None
    if lat == 0 and lon == 0:
        return taken_at, None, None  # a receiver without a fix writes zeros
    return taken_at, round(lon, 7), round(lat, 7)


def _encode(image: Image.Image, media_type: str, long_side: int) -> bytes:
    copy = image.copy()
    # Pillow carries comments, XMP, ICC and text chunks over from what it read: none of it
    # is written again (the EXIF time and position were read out before).
    copy.info = {}
    copy.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if media_type == "image/png":
        copy.save(buffer, "PNG", optimize=True)
    else:
        copy.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def prepare(data: bytes) -> Media:
    """Judge ``data`` by its content and make it ready to store; MediaRefused says why not."""
    media_type = sniff(data)
    if _polyglot(data, media_type):
        raise MediaRefused("polyglot")
    if media_type == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            raise MediaRefused("damaged")
        if _PDF_ACTIVE.search(data):
            raise MediaRefused("pdf_active")
        return Media("document", media_type, "pdf", data, original_bytes=len(data))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            expected = PILLOW_FORMATS[media_type]
            image = Image.open(io.BytesIO(data), formats=[expected])
            if image.format != expected:
                raise MediaRefused("unknown_type")
            if image.width * image.height > MAX_PIXELS:
                raise MediaRefused("too_many_pixels", limit=MAX_PIXELS // 1_000_000)
            taken_at, lon, lat = _exif_facts(image)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRefused("too_many_pixels", limit=MAX_PIXELS // 1_000_000) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise MediaRefused("damaged") from None
    # The camera's orientation is applied to the pixels, since the EXIF saying it goes.
    upright = ImageOps.exif_transpose(image)
    if media_type == "image/heic":
        media_type = "image/jpeg"  # stored as JPEG, the type every browser shows
    if upright.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        upright = upright.convert("RGBA" if media_type == "image/png" else "RGB")
    stored = _encode(upright, media_type, PHOTO_LONG_SIDE)
    thumbnail = _encode(upright, "image/jpeg", THUMB_LONG_SIDE)
    width, height = Image.open(io.BytesIO(stored)).size
    return Media(
        "photo",
        media_type,
        "png" if media_type == "image/png" else "jpg",
        stored,
        thumbnail,
        width,
        height,
        taken_at,
        lon,
        lat,
        original_bytes=len(data),
    )
