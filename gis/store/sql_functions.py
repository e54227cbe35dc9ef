"""Functions registered on SQLite connections where PostgreSQL/PostGIS has its own."""

from __future__ import annotations

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
    ASCII case). Matched in O(len(value) × len(pattern)), whatever the pattern."""
    if value is None or pattern is None:
        return None
    return int(_matches(value, _tokens(pattern)))


def _tokens(pattern: str) -> tuple[str | None, ...]:
    """The pattern as characters, with None for ``%`` and "" for ``_``."""
    out: list[str | None] = []
    escaped = False
    for char in pattern:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            if not out or out[-1] is not None:
                out.append(None)
        elif char == "_":
            out.append("")
        else:
            out.append(char)
    if escaped:
        out.append("\\")
    return tuple(out)


def _matches(value: str, tokens: tuple[str | None, ...]) -> bool:
    # The classic wildcard match: on a mismatch, go back to the last % and let it take one
    # more character; never more than len(value) restarts per %.
    v = t = 0
    star_t, star_v = -1, 0
    while v < len(value):
        if t < len(tokens) and tokens[t] is not None and tokens[t] in ("", value[v]):
            v += 1
            t += 1
        elif t < len(tokens) and tokens[t] is None:
            star_t, star_v = t, v
            t += 1
        elif star_t >= 0:
            star_v += 1
            v, t = star_v, star_t + 1
        else:
            return False
    while t < len(tokens) and tokens[t] is None:
        t += 1
    return t == len(tokens)
