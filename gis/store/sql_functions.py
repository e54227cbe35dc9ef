"""Functions registered on SQLite connections where PostgreSQL/PostGIS has its own."""

from __future__ import annotations

import re
from functools import lru_cache

import shapely


def intersects(stored: bytes | None, other: bytes | None) -> int | None:
    """ST_Intersects of two WKB geometries (NULL when either is NULL)."""
    if stored is None or other is None:
        return None
    return int(shapely.from_wkb(stored).intersects(_geometry(other)))


@lru_cache(maxsize=64)
def _geometry(wkb: bytes) -> shapely.Geometry:
    # The filter's geometry is the same for every row: parsed and prepared once.
    geom = shapely.from_wkb(wkb)
    shapely.prepare(geom)
    return geom


def like(value: str | None, pattern: str | None) -> int | None:
    """SQL LIKE with ``\\`` as escape, case-sensitive as in PostgreSQL (SQLite's ignores
    ASCII case)."""
    if value is None or pattern is None:
        return None
    return int(_like_regex(pattern).fullmatch(value) is not None)


@lru_cache(maxsize=256)
def _like_regex(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    if escaped:
        parts.append(re.escape("\\"))
    return re.compile("".join(parts), re.DOTALL)
