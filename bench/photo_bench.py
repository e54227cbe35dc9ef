"""The size of a re-encoded site photo and the time it takes (gis.core.media.prepare).

Usage: .venv/bin/python bench/photo_bench.py

A 12-megapixel (4000×3000) phone-like JPEG (quality 92, EXIF with camera, time and GPS)
is generated: smooth shapes and gradients with sensor-like noise, so it compresses as a
photo does (a pure-noise image would not). It is re-encoded as stored (2048 px on the long
side, JPEG quality 85, no metadata) and thumbnailed (320 px). Results go to
bench/results/photo.json.
"""

from __future__ import annotations

import io
import json
import random
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gis.core import media  # noqa: E402


def phone_photo(size: tuple[int, int] = (4000, 3000)) -> bytes:
    """A photo-like JPEG with a phone's EXIF."""
    rng = random.Random(1)
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        w, h = rng.randrange(20, 300), rng.randrange(20, 300)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse([x, y, x + w, y + h], fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(2))
    image = Image.blend(image, Image.effect_noise(size, 12).convert("RGB"), 0.15)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Samsung", "SM-A546E"
    exif.get_ifd(0x8769)[0x9003] = "2025:11:20 09:15:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (10.0, 46.0, 44.76), "E", (106.0, 59.0, 48.48)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def main() -> None:
    """Re-encode the generated photo three times; print and keep the figures."""
    data = phone_photo()
    timings, prepared = [], None
    for _ in range(3):
        started = time.perf_counter()
        prepared = media.prepare(data)
        timings.append(round(time.perf_counter() - started, 3))
    assert prepared is not None
    result = {
        "original_bytes": len(data),
        "original_pixels": "4000x3000",
        "stored_bytes": len(prepared.data),
        "stored_pixels": f"{prepared.width}x{prepared.height}",
        "thumbnail_bytes": len(prepared.thumbnail or b""),
        "taken_at": prepared.taken_at,
        "lon": prepared.lon,
        "lat": prepared.lat,
        "seconds": timings,
    }
    out = ROOT / "bench" / "results" / "photo.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
