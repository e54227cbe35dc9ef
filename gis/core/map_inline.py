"""The map's first view sent inside its page: every cluster, compact, when there are few.

A province's few dozen clusters fit in the page itself (a few hundred bytes each), so the
map draws them as soon as its script runs, without waiting for tiles or API calls; with
more than the limit the page sends nothing and the map asks for tiles. Each feature holds
what the map draws (the tiles' properties) and what a row of the list shows; a popup asks
/api/clusters/<id> for the rest, as it does for a tile's feature. The order is the list's
(by name), so the list is drawn from them as well.
"""

from __future__ import annotations

from typing import Any

import shapely
from sqlalchemy.orm import Session

from gis.core.clusters import (
    ClusterFilter,
    count_clusters,
    district_index,
    filtered_query,
    to_features,
)
from gis.core.tiles import MAP_PROPERTIES
from gis.geometry import rfc7946
from gis.store.dialects import Dialect

# What a row of the list shows besides the map's properties (and the industry filter's
# suggestions, learnt from the rows).
LIST_PROPERTIES = ("district_name", "free_land_ha", "ready", "industries")
INLINE_PROPERTIES = MAP_PROPERTIES + LIST_PROPERTIES


def compact(feature: dict[str, Any]) -> dict[str, Any]:
    """A feature with only the properties the map and the list's rows use."""
    props = feature["properties"]
    return {**feature, "properties": {k: props.get(k) for k in INLINE_PROPERTIES}}


def inline_features(session: Session, dialect: Dialect, limit: int) -> list[dict[str, Any]] | None:
    """Every cluster as a compact feature, in the list's order; None when more than ``limit``."""
    if count_clusters(session) > limit:
        return None
    rows = list(session.scalars(filtered_query(session, dialect, ClusterFilter())))
    features = to_features(rows, district_index(session))
    for feature, row in zip(features, rows, strict=True):
        if row.geom_wkb is not None:
            # Six decimals (0.1 m), as the tiles send: fewer bytes, more than a screen shows.
            geometry = rfc7946(shapely.from_wkb(row.geom_wkb), decimals=6)
            feature["geometry"] = shapely.geometry.mapping(geometry)
    return [compact(f) for f in features]
