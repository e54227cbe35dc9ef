"""Parse and check query parameters into core filters; every error names its parameter."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping

from gis.core.clusters import (
    DISTANCE_SORT,
    SORT_FIELDS,
    UNASSIGNED_ZONE,
    ClusterFilter,
    SortKey,
)
from gis.core.exports import LANGUAGES
from gis.core.schema import KINDS, STAGES, ZONES
from gis.errors import FieldError, InvalidInput
from gis.io import EXPORT_FORMATS
from gis.text import nfc

MAX_QUERY_LENGTH = 200
COMPARE_MIN, COMPARE_MAX = 2, 4
BOOLEANS = {"true": True, "false": False}


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


def collect_choices(
    name: str, raw: str, allowed: Iterable[str], errors: list[FieldError]
) -> tuple[str, ...]:
    """The comma-separated values of one parameter; each unknown one is reported."""
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


def parse_sort(raw: str, place_ids: Iterable[str]) -> SortKey:
    """``name``, ``-free_land_ha``, ``distance:<place id>``...; ValueError saying why not."""
    descending = raw.startswith("-")
    name = raw[1:] if descending else raw
    if name.startswith(f"{DISTANCE_SORT}:"):
        place_id = name.split(":", 1)[1]
        places = tuple(place_ids)
        if place_id not in places:
            raise ValueError(
                f"unknown place {place_id!r}; known places: {', '.join(places) or 'none'}"
            )
        return SortKey(DISTANCE_SORT, place_id, descending)
    if name not in SORT_FIELDS:
        allowed = ", ".join([*SORT_FIELDS, f"{DISTANCE_SORT}:<place id>"])
        raise ValueError(f"unknown order {raw!r}; allowed: {allowed}, each with '-' to reverse")
    return SortKey(name, None, descending)


def _number_at_least_zero(name: str, raw: str, errors: list[FieldError]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        errors.append(FieldError(name, f"{raw!r} is not a number of at least 0"))
        return None
    return value


def _text(name: str, raw: str, errors: list[FieldError]) -> str:
    value = nfc(raw)
    if len(value) > MAX_QUERY_LENGTH:
        errors.append(FieldError(name, f"longer than {MAX_QUERY_LENGTH} characters"))
    return value


def cluster_filter(
    args: Mapping[str, str], district_codes: Iterable[str], place_ids: Iterable[str] = ()
) -> ClusterFilter:
    """Build a ClusterFilter (filters and order) from request arguments, or raise InvalidInput."""
    errors: list[FieldError] = []
    bbox = None
    if args.get("bbox"):
        try:
            bbox = parse_bbox(args["bbox"])
        except ValueError as exc:
            errors.append(FieldError("bbox", str(exc)))
    min_free = None
    if args.get("min_free_land_ha", "") != "":
        min_free = _number_at_least_zero("min_free_land_ha", args["min_free_land_ha"], errors)
    ready = None
    if args.get("ready", "") != "":
        ready = BOOLEANS.get(args["ready"])
        if ready is None:
            errors.append(FieldError("ready", f"{args['ready']!r} is neither true nor false"))
    unreported = False
    if args.get("free_land_unreported", "") != "":
        choice = BOOLEANS.get(args["free_land_unreported"])
        if choice is None:
            errors.append(
                FieldError(
                    "free_land_unreported",
                    f"{args['free_land_unreported']!r} is neither true nor false",
                )
            )
        unreported = bool(choice)
    sort = None
    if args.get("sort"):
        try:
            sort = parse_sort(args["sort"], place_ids)
        except ValueError as exc:
            errors.append(FieldError("sort", str(exc)))
    flt = ClusterFilter(
        bbox=bbox,
        districts=collect_choices("district", args.get("district", ""), district_codes, errors),
        zones=collect_choices("zone", args.get("zone", ""), (*ZONES, UNASSIGNED_ZONE), errors),
        kinds=collect_choices("kind", args.get("kind", ""), KINDS, errors),
        stages=collect_choices("stage", args.get("stage", ""), STAGES, errors),
        q=_text("q", args.get("q", ""), errors),
        min_free_land_ha=min_free,
        free_land_unreported=unreported,
        ready=ready,
        # One substring, not a comma-separated list: industry names hold commas themselves
        # ("chế biến nông sản, thực phẩm").
        industry=_text("industry", args.get("industry", ""), errors),
        sort=sort,
    )
    if errors:
        raise InvalidInput(errors)
    return flt


def export_options(args: Mapping[str, str]) -> tuple[str, str]:
    """The export's ``format`` and header language ``lang`` (default "en"), or InvalidInput."""
    errors: list[FieldError] = []
    fmt = args.get("format", "")
    if fmt not in EXPORT_FORMATS:
        reason = "required" if not fmt else f"unknown format {fmt!r}"
        errors.append(FieldError("format", f"{reason}; allowed: {', '.join(EXPORT_FORMATS)}"))
    lang = args.get("lang") or "en"
    if lang not in LANGUAGES:
        errors.append(FieldError("lang", f"unknown language {lang!r}; allowed: en, vi"))
    if errors:
        raise InvalidInput(errors)
    return fmt, lang


def compare_ids(args: Mapping[str, str]) -> list[str]:
    """The 2 to 4 distinct cluster ids of ``ids=a,b[,c[,d]]``, or InvalidInput naming ids."""
    ids = list(_split(args.get("ids", "")))
    if not COMPARE_MIN <= len(ids) <= COMPARE_MAX:
        raise InvalidInput(
            [
                FieldError(
                    "ids",
                    f"give {COMPARE_MIN} to {COMPARE_MAX} cluster ids separated by commas; "
                    f"got {len(ids)}",
                )
            ]
        )
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InvalidInput([FieldError("ids", f"repeated: {', '.join(duplicates)}")])
    return ids


# --- OGC API – Features (gis/web/ogc.py) -------------------------------------------------

OGC_DEFAULT_LIMIT = 10
# A page larger than this is served at this size with a "next" link, as the standard's
# own example has it ("ask for 50000, you might get up to 10000"), not refused.
OGC_MAX_LIMIT = 1000


def check_parameter_names(names: Iterable[str], allowed: Iterable[str]) -> None:
    """InvalidInput naming each unknown or repeated query parameter (OGC's recommendation)."""
    allowed = tuple(allowed)
    errors: list[FieldError] = []
    seen: set[str] = set()
    for name in names:
        if name not in allowed:
            errors.append(
                FieldError(name, f"unknown parameter; allowed: {', '.join(sorted(allowed))}")
            )
        elif name in seen:
            errors.append(FieldError(name, "given more than once"))
        seen.add(name)
    if errors:
        raise InvalidInput(errors)


# Offsets beyond any table we hold; the bound keeps a number from overflowing the
# database's 64-bit integers (SQLite raises OverflowError at 2**63).
MAX_OFFSET = 1_000_000_000
# int() of a long run of digits is slow, or refused beyond 4,300 digits: never parsed.
_MAX_DIGITS = 18


def _integer(
    name: str, raw: str, minimum: int, maximum: int, errors: list[FieldError], *, clamp: bool
) -> int | None:
    """An integer in [minimum, maximum]; above it, the maximum when ``clamp``, else an error."""
    text = raw.strip()
    value = None
    if text.isascii() and text.isdigit():
        value = int(text) if len(text) <= _MAX_DIGITS else maximum + 1
    if value is None or value < minimum or (value > maximum and not clamp):
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        errors.append(FieldError(name, f"{shown!r} is not an integer from {minimum} to {maximum}"))
        return None
    return min(value, maximum)


def paging(
    args: Mapping[str, str], default_limit: int, max_limit: int, *, clamp_limit: bool = False
) -> tuple[int, int]:
    """``limit`` (1 to ``max_limit``) and ``offset`` (0 to MAX_OFFSET) from the request.

    A larger limit is refused, or served at ``max_limit`` when ``clamp_limit`` (OGC's way).
    """
    errors: list[FieldError] = []
    limit = offset = None
    if "limit" in args:
        limit = _integer("limit", args["limit"], 1, max_limit, errors, clamp=clamp_limit)
    if "offset" in args:
        offset = _integer("offset", args["offset"], 0, MAX_OFFSET, errors, clamp=False)
    if errors:
        raise InvalidInput(errors)
    return limit or default_limit, offset or 0


def ogc_paging(args: Mapping[str, str]) -> tuple[int, int]:
    """``limit`` (default 10, above OGC_MAX_LIMIT served at the maximum) and ``offset``."""
    return paging(args, OGC_DEFAULT_LIMIT, OGC_MAX_LIMIT, clamp_limit=True)


def parse_ogc_bbox(raw: str) -> tuple[tuple[float, float, float, float], ...]:
    """An OGC ``bbox`` (4 numbers, or 6 with heights) as one or two lon/lat boxes.

    A box whose west edge lies east of its east edge crosses the antimeridian, as the
    standard allows; it becomes two boxes that meet there. ValueError says what is wrong.
    """
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise ValueError("expected 4 numbers (minLon,minLat,maxLon,maxLat) or 6 with heights")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise ValueError("expected numbers separated by commas") from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    west, south, east, north = numbers
    if west <= east:
        return (parse_bbox(f"{west},{south},{east},{north}"),)
    parse_bbox(f"{east},{south},{west},{north}")
    return ((west, south, 180.0, north), (-180.0, south, east, north))


def _instant(raw: str) -> dt.datetime | None:
    if raw in ("", ".."):
        return None
    value = dt.datetime.fromisoformat(raw.replace("z", "Z"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def parse_datetime_interval(raw: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """An RFC 3339 instant or interval (``start/end``, ``..`` for an open end), in UTC."""
    try:
        if "/" in raw:
            start_raw, end_raw = raw.split("/", 1)
            start, end = _instant(start_raw), _instant(end_raw)
            if start is None and end is None:
                # OGC API – Features' grammar opens one end at most: "../.." is no interval.
                raise ValueError
        else:
            start = end = _instant(raw)
            if start is None:
                raise ValueError
    except ValueError:
        raise InvalidInput(
            [
                FieldError(
                    "datetime",
                    f"{raw!r} is neither an RFC 3339 date-time nor an interval "
                    "start/end with '..' for at most one open end",
                )
            ]
        ) from None
    if start is not None and end is not None and start > end:
        raise InvalidInput([FieldError("datetime", "the interval ends before it starts")])
    return start, end


def choices(name: str, raw: str, allowed: Iterable[str]) -> tuple[str, ...]:
    """Comma-separated values of one parameter, each one of ``allowed``, or InvalidInput."""
    errors: list[FieldError] = []
    values = collect_choices(name, raw, allowed, errors)
    if errors:
        raise InvalidInput(errors)
    return values
