"""HTML pages: the map, and one page per cluster."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from shapely.geometry import shape

from gis.core import clusters as core
from gis.core.districts import all_districts
from gis.core.history import event_dict, events_of
from gis.core.schema import INFRASTRUCTURE_COMPONENTS, KINDS, STAGES
from gis.web import get_store, labels
from gis.web.mapview import PROVINCE_CENTER, MapFrame, build_map

bp = Blueprint("web", __name__)


def _map_frame(**kwargs: object) -> MapFrame:
    names = {
        "osm": _("OpenStreetMap"),
        "plain": _("Plain background"),
        "districts": _("Districts"),
        "clusters": _("Clusters"),
        "fullscreen": _("Full screen"),
        "exit_fullscreen": _("Exit full screen"),
    }
    return build_map(
        asset=lambda path: url_for("static", filename=f"vendor/{path}"),
        labels=names,
        tiles_url=current_app.config["GIS_TILES_URL"],
        attribution=current_app.config["GIS_TILES_ATTRIBUTION"],
        **kwargs,  # type: ignore[arg-type]
    )


@bp.get("/")
def index() -> str:
    """The province map with the side panel of filters and the cluster list."""
    with get_store().session() as session:
        districts = all_districts(session)
    return render_template(
        "map.html",
        frame=_map_frame(),
        districts=districts,
        kinds=KINDS,
        stages=STAGES,
        labels=labels,
        client_labels=labels.client_labels(),
        user=_user_info(),
    )


def _user_info() -> dict | None:
    """Who is logged in, for the page script to show the right buttons.

    Only a convenience: the server checks scope on every change whatever the page shows.
    """
    if not current_user.is_authenticated:
        return None
    return {
        "username": current_user.username,
        "role": current_user.role,
        "district": current_user.district_code,
    }


@bp.get("/clusters/<cluster_id>")
def cluster_page(cluster_id: str) -> str:
    """Every fact of one cluster with its source, its status and a small map."""
    with get_store().session() as session:
        cluster = core.get_cluster(session, cluster_id)
        feature = core.to_feature(cluster, core.district_index(session))
        # The history names staff and their notes: for logged-in users only.
        events = ([event_dict(e) for e in events_of(session, "cluster", cluster_id)]
                  if current_user.is_authenticated else None)
    props = feature["properties"]
    return render_template(
        "cluster.html",
        feature=feature,
        p=props,
        components=INFRASTRUCTURE_COMPONENTS,
        events=list(reversed(events)) if events is not None else None,
        user=_user_info(),
        labels=labels,
        client_labels=labels.client_labels(),
        frame=_map_frame(with_districts=True, zoom=12, center=_center(feature)),
    )


def _center(feature: dict) -> tuple[float, float]:
    """(lat, lon) to centre a small map on: the feature's point, else the province."""
    if feature["geometry"] is None:
        return PROVINCE_CENTER
    point = shape(feature["geometry"]).representative_point()
    return (point.y, point.x)
