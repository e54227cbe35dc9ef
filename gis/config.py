"""Configuration: safe defaults, overridden from the environment (see README)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEV_SECRET_KEY = "dev-only-insecure-secret"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Every key the app reads, its default and what it does; the README's table must match.
SETTINGS: dict[str, tuple[Any, str]] = {
    "SECRET_KEY": (DEV_SECRET_KEY, "Signs sessions; must be set outside development"),
    "DATABASE_URL": (None, "SQLAlchemy URL; default: SQLite file instance/clusters.sqlite"),
    "GIS_DATA_DIR": (str(PROJECT_ROOT / "data"), "Folder of clusters.geojson and districts.json"),
    "GIS_AUTO_INIT": (True, "Create the schema and load the data files on first start"),
    "GIS_TILES_URL": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "Base map tile URL template",
    ),
    "GIS_TILES_ATTRIBUTION": (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        "Attribution shown for the base map",
    ),
    "GIS_ENV": ("development", "development or production; production refuses the dev key"),
    "GIS_EXTENT_BBOX": (
        None,
        "minLon,minLat,maxLon,maxLat data may lie in without boundaries "
        "(default: the province's box)",
    ),
    "GIS_WORKBOOK_MAX_BYTES": (
        2 * 1024 * 1024,
        "Largest district workbook (XLSX) an editor may upload, in bytes",
    ),
    "GIS_WORKBOOK_MAX_ROWS": (2000, "Most cluster rows one uploaded workbook may hold"),
    "GIS_ATTACHMENTS_DIR": (
        None,
        "Folder of attachment files (photos, PDFs); default: instance/attachments",
    ),
    "GIS_FILES_S3_BUCKET": (
        None,
        "S3-compatible bucket for attachment files instead of the folder (credentials: AWS_*)",
    ),
    "GIS_FILES_S3_ENDPOINT": (
        None,
        "Endpoint URL of the S3-compatible service (MinIO, Ceph...); default: AWS S3",
    ),
    "GIS_ATTACHMENT_MAX_BYTES": (
        15 * 1024 * 1024,
        "Largest photo or PDF that may be attached, in bytes",
    ),
    "GIS_APPROVAL": (
        False,
        "Province approval: a district editor's change waits for a reviewer's approval",
    ),
    "GIS_PROXY_HOPS": (
        0,
        "Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted",
    ),
    "GIS_MAP_INLINE_MAX": (
        250,
        "Most clusters the map page sends inside itself (drawn at once); more go by tiles",
    ),
    "GIS_REPORT_PDF_TIMEOUT": (
        20,
        "Seconds a report PDF may take to render; then it is stopped and answered 503",
    ),
}


def _coerce(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(value)
    return value


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Settings from the environment, each falling back to its default."""
    env = os.environ if environ is None else environ
    return {
        key: _coerce(env[key], default) if key in env else default
        for key, (default, _help) in SETTINGS.items()
    }


def default_database_url(instance_path: str) -> str:
    """The embedded SQLite database under the instance folder."""
    return f"sqlite:///{Path(instance_path) / 'clusters.sqlite'}"


def parse_extent(raw: str | None) -> tuple[float, float, float, float] | None:
    """GIS_EXTENT_BBOX as four floats, or None; ValueError when malformed."""
    if not raw:
        return None
    parts = [float(p) for p in str(raw).split(",")]
    if len(parts) != 4 or parts[0] >= parts[2] or parts[1] >= parts[3]:
        raise ValueError(f"GIS_EXTENT_BBOX must be minLon,minLat,maxLon,maxLat, not {raw!r}")
    return parts[0], parts[1], parts[2], parts[3]
