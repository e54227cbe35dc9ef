"""HTML pages: the map, one page per cluster (and its printable page), the comparison."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from shapely.geometry import shape
from sqlalchemy.orm import Session

from gis import dates
from gis.core import clusters, plan
from gis.core.attachments import attachments_of
from gis.core.audience import Audience, audience_of, visible_feature
from gis.core.districts import all_districts
from gis.core.history import event_dict, events_of
from gis.core.map_inline import inline_features
from gis.core.places import all_places, place_points
from gis.core.proposals import list_proposals, pending_cluster_ids, proposal_dict
from gis.core.schema import INFRASTRUCTURE_COMPONENTS, KINDS, STAGES
from gis.errors import InvalidInput, NotFound
from gis.store.db import Store
from gis.store.models import Cluster
from gis.web import get_store, history_text, investor, labels, reason_text
from gis.web.approval import approval_on
from gis.web.attachments import attachment_view
from gis.web.auth import optional_actor
from gis.web.mapview import PROVINCE_CENTER, MapFrame, build_map
from gis.web.params import compare_ids
from gis.web.plan_labels import STATUS_LABELS

bp = Blueprint("web", __name__)
# The list's page (LIST_LIMIT in static/js/map.js): a map that holds every cluster draws
# the list from them, and a filter's one answer holds every match for map and list.
INLINE_CEILING = 500
history_text.register(bp)
reason_text.register(bp)


def _map_frame(**kwargs: object) -> MapFrame:
    names = {
        "osm": _("OpenStreetMap"),
        "plain": _("Plain background"),
        "districts": _("Districts"),
        "clusters": _("Clusters"),
        "places": _("Reference places"),
        "fullscreen": _("Full screen"),
        "exit_fullscreen": _("Exit full screen"),
    }
    return build_map(
        vendor_url=url_for("static", filename="vendor/"),
        labels=tuple(sorted(names.items())),
        tiles_url=current_app.config["GIS_TILES_URL"],
        attribution=current_app.config["GIS_TILES_ATTRIBUTION"],
        **kwargs,
    )


@bp.get("/")
def index() -> str:
    """The province map with the side panel of filters and the cluster list."""
    store = get_store()
    with store.session() as session:
        districts = all_districts(session)
    # The view to open on and the number of clusters, known before any data is fetched:
    # the map asks for its tiles, the list and the districts at once.
    revision = store.revision()
    overview = store.memo(revision, "map-overview", lambda: _overview(store))
    audience = audience_of(optional_actor())
    inline = None
    if overview["total"] <= inline_limit():
        inline = store.memo(revision, f"map-inline:{audience}", lambda: _inline(store, audience))
    return render_template(
        "map.html",
        overview=overview,
        inline=inline,
        frame=_map_frame(),
        districts=districts,
        kinds=KINDS,
        stages=STAGES,
        labels=labels,
        client_labels=labels.client_labels(),
        user=_user_info(),
        export_formats=_export_formats(),
    )


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The icon, for clients that ask for /favicon.ico without reading the page's link."""
    return send_from_directory(
        current_app.static_folder or "static", "favicon.svg", mimetype="image/svg+xml"
    )


def _overview(store: Store) -> dict[str, Any]:
    with store.session() as session:
        return {
            "extent": clusters.located_extent(session),
            "total": clusters.count_clusters(session),
            "free_land_known": clusters.count_free_land_known(session),
        }


def inline_limit() -> int:
    """GIS_MAP_INLINE_MAX, at most the list's page (500): the list is drawn from them too."""
    return max(0, min(int(current_app.config["GIS_MAP_INLINE_MAX"]), INLINE_CEILING))


def _inline(store: Store, audience: Audience) -> Markup | None:
    """Every cluster for the map page to draw at once, as JSON safe inside a <script>."""
    with store.session() as session:
        features = inline_features(session, store.sql, inline_limit())
    if features is None:
        return None
    # htmlsafe_json_dumps writes <, >, & and ' as \u escapes: a name holding "</script>"
    # cannot end the element it is carried in.
    return htmlsafe_json_dumps(
        [visible_feature(f, audience) for f in features],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _export_formats() -> list[tuple[str, str]]:
    """The export links of the map page: format and its name, in the order of the API."""
    return [
        ("csv", _("CSV (Excel)")),
        ("xlsx", "XLSX"),
        ("geojson", "GeoJSON"),
        ("gpkg", "GeoPackage"),
        ("kml", _("KML (Google Earth)")),
        ("shp", _("Shapefile (zip)")),
    ]


def _user_info() -> dict | None:
    """Who is logged in, for the page script to show the right buttons.

    Only a convenience: the server checks scope on every change whatever the page shows.
    """
    if not current_user.is_authenticated:
        return None
    info: dict[str, Any] = {
        "username": current_user.username,
        "role": current_user.role,
        "district": current_user.district_code,
        "approval": approval_on(),
    }
    if info["approval"]:
        # The clusters with a change waiting: staff see a "change proposed" badge on them.
        with get_store().session() as session:
            info["proposed"] = sorted(pending_cluster_ids(session))
    return info


def _investor_facts(session: Session, cluster: Cluster) -> dict[str, Any]:
    """The cluster's feature (with distances) and what investors read of it."""
    feature = clusters.to_feature(cluster, clusters.district_index(session), place_points(session))
    feature = visible_feature(feature, audience_of(optional_actor()))
    props = feature["properties"]
    places = all_places(session)
    district = None
    if cluster.district_code:
        records = [c.record for c in clusters.clusters_of_district(session, cluster.district_code)]
        district = investor.new_cluster_view(records)
    return {
        "feature": feature,
        "p": props,
        "places": investor.place_rows(props, places),
        "nearest_interchange": investor.nearest_interchange_text(props, places),
        "any_approximate": any(investor.is_approximate(p) for p in places),
        "expansion": investor.expansion_view(cluster.record),
        "district_check": district,
    }


@bp.get("/clusters/<cluster_id>")
def cluster_page(cluster_id: str) -> str:
    """Every fact of one cluster with its source, its status and a small map."""
    with get_store().session() as session:
        cluster = clusters.get_cluster(session, cluster_id)
        facts = _investor_facts(session, cluster)
        # The history names staff and their notes: for logged-in users only.
        events = (
            [event_dict(e) for e in events_of(session, "cluster", cluster_id)]
            if current_user.is_authenticated
            else None
        )
        tasks = plan.tasks_of_cluster(session, cluster_id, plan.today())
        files = [attachment_view(a) for a in attachments_of(session, cluster_id, optional_actor())]
        # Proposed changes are internal, like the history: for logged-in users only.
        proposed = (
            [
                proposal_dict(p, cluster.version)
                for p in list_proposals(session, status="pending", cluster_id=cluster_id)
            ]
            if current_user.is_authenticated
            else []
        )
    return render_template(
        "cluster.html",
        attachments=files,
        proposed=proposed,
        **facts,
        components=INFRASTRUCTURE_COMPONENTS,
        events=list(reversed(events)) if events is not None else None,
        tasks=tasks,
        status_labels=STATUS_LABELS,
        user=_user_info(),
        labels=labels,
        client_labels=labels.client_labels(),
        frame=_map_frame(with_districts=True, zoom=12, center=_center(facts["feature"])),
    )


@bp.get("/clusters/<cluster_id>/print")
def cluster_print_page(cluster_id: str) -> str:
    """One cluster on one or two A4 pages for a board: facts, distances, Decree 32, sources."""
    with get_store().session() as session:
        cluster = clusters.get_cluster(session, cluster_id)
        facts = _investor_facts(session, cluster)
    return render_template(
        "cluster_print.html",
        **facts,
        components=INFRASTRUCTURE_COMPONENTS,
        labels=labels,
        point=_center(facts["feature"]) if facts["feature"]["geometry"] else None,
        sources=investor.grouped_sources(facts["p"].get("sources") or {}),
        printed_on=dates.today(),
        page_url=url_for("web.cluster_page", cluster_id=cluster_id, _external=True),
    )


def _compare_error(message: str) -> tuple[str, int]:
    return render_template(
        "error.html", status=400, title=_("These clusters cannot be compared"), message=message
    ), 400


@bp.get("/compare")
def compare_page() -> str | tuple[str, int]:
    """2 to 4 clusters side by side (the ids as in GET /api/compare); a 400 page otherwise."""
    try:
        ids = compare_ids(request.args)
    except InvalidInput:
        return _compare_error(_("Choose 2 to 4 different clusters to compare."))
    with get_store().session() as session:
        try:
            rows = clusters.get_clusters(session, ids)
        except NotFound as exc:
            return _compare_error(_("There is no cluster with the id %(id)s.", id=exc.ident))
        districts = clusters.district_index(session)
        points = place_points(session)
        audience = audience_of(optional_actor())
        features = [
            visible_feature(clusters.to_feature(c, districts, points), audience) for c in rows
        ]
        places = all_places(session)
        table = investor.compare_rows(features, places)
    return render_template(
        "compare.html",
        features=features,
        rows=table,
        labels=labels,
        any_approximate=any(investor.is_approximate(p) for p in places),
    )


def _center(feature: dict) -> tuple[float, float]:
    """(lat, lon) to centre a small map on: the feature's point, else the province."""
    if feature["geometry"] is None:
        return PROVINCE_CENTER
    point = shape(feature["geometry"]).representative_point()
    return (point.y, point.x)
