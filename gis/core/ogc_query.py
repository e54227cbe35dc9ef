"""What one OGC API – Features items request asks of a collection, free of HTTP.

gis.web.ogc parses the request's parameters into an ``ItemQuery``; the collection's
provider (gis.core.ogc_providers) turns it into one SELECT that filters and pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import shapely
from pyproj.exceptions import ProjError
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry
from sqlalchemy.sql.elements import ColumnElement

from gis.core import cql2
from gis.core import queryables as typed
from gis.crs import CRS84, transform
from gis.store.dialects import Dialect

Box = tuple[float, float, float, float]
Interval = tuple[dt.datetime | None, dt.datetime | None]
Page = tuple[int, list[dict[str, Any]]]


@dataclass(frozen=True)
class ItemQuery:
    """The standard's item filters (bounding boxes, a time interval, property and CQL2
    filters) and the page asked for.

    ``bboxes`` are CRS84 boxes; a bbox given in another CRS is the box around its outline
    there, and ``areas`` keeps the outline itself for the exact test.
    """

    limit: int = 10
    offset: int = 0
    bboxes: tuple[Box, ...] = ()
    areas: tuple[BaseGeometry, ...] = ()
    interval: Interval | None = None
    # Property filters (``zone=a,b``): the values asked for, each one of the provider's
    # ``choices``.
    properties: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # SQL conditions on the collection's table: its CQL2 filter (``filter_clause``).
    where: tuple[Any, ...] = ()

    def area(self) -> BaseGeometry | None:
        """The CRS84 area a feature must meet (None: anywhere)."""
        if not self.bboxes:
            return None
        return shapely.union_all(self.areas or [box(*b) for b in self.bboxes])


def filter_clause(
    collection_id: str,
    raw: str,
    lang: str,
    crs: str | None,
    dialect: Dialect,
    visible: frozenset[str] | None,
) -> ColumnElement[bool]:
    """The SQL condition of a CQL2 filter on a collection; ValueError says what is wrong.

    Only the ``visible`` properties (None: all) may be named, so a filter cannot probe what
    the reader may not see; geometries given in ``crs`` are moved to CRS84 first.
    """
    to_crs84 = None if crs is None else partial(_geometry_to_crs84, source=crs)
    translator = cql2.Translator(
        typed.queryables(collection_id, visible),
        dialect,
        collection_id in typed.SPATIAL_QUERYABLE,
        to_crs84,
    )
    return translator.translate(cql2.parse(raw, lang))


def _geometry_to_crs84(geom: BaseGeometry, source: str) -> BaseGeometry:
    try:
        return transform(geom, source, CRS84)
    except ProjError:
        raise ValueError(f"the geometry lies outside the area of use of {source}") from None
