"""Parse and check query parameters into core filters; every error names its parameter."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from gis.core.clusters import UNASSIGNED_ZONE, ClusterFilter
from gis.core.schema import KINDS, STAGES, ZONES
from gis.errors import FieldError, InvalidInput
from gis.text import nfc

MAX_QUERY_LENGTH = 200


def _split(raw: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in raw.split(",") if v.strip())


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    """``minLon,minLat,maxLon,maxLat`` in WGS84, or ValueError saying why not."""
    parts = raw.split(",")
    if len(parts) != 4:
        raise ValueError("expected four numbers: minLon,minLat,maxLon,maxLat")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise ValueError("expected four numbers: minLon,minLat,maxLon,maxLat") from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise ValueError("numbers must be finite")
    if not (
        -180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90
    ):
        raise ValueError("longitudes must lie in [-180, 180] and latitudes in [-90, 90]")
    if minx > maxx or miny > maxy:
        raise ValueError("minimum exceeds maximum")
    return minx, miny, maxx, maxy


def _choices(
    name: str, raw: str, allowed: Iterable[str], errors: list[FieldError]
) -> tuple[str, ...]:
    values = _split(raw)
    allowed = tuple(allowed)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        errors.append(
            FieldError(
                name,
                f"unknown value {', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)}",
            )
        )
    return values


def cluster_filter(args: Mapping[str, str], district_codes: Iterable[str]) -> ClusterFilter:
    """Build a ClusterFilter from request arguments, or raise InvalidInput."""
    errors: list[FieldError] = []
    bbox = None
    if args.get("bbox"):
        try:
            bbox = parse_bbox(args["bbox"])
        except ValueError as exc:
            errors.append(FieldError("bbox", str(exc)))
    q = nfc(args.get("q", ""))
    if len(q) > MAX_QUERY_LENGTH:
        errors.append(FieldError("q", f"longer than {MAX_QUERY_LENGTH} characters"))
    flt = ClusterFilter(
        bbox=bbox,
        districts=_choices("district", args.get("district", ""), district_codes, errors),
        zones=_choices("zone", args.get("zone", ""), (*ZONES, UNASSIGNED_ZONE), errors),
        kinds=_choices("kind", args.get("kind", ""), KINDS, errors),
        stages=_choices("stage", args.get("stage", ""), STAGES, errors),
        q=q,
    )
    if errors:
        raise InvalidInput(errors)
    return flt
