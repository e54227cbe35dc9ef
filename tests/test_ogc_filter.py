"""OGC API – Features – Part 3 at /ogc: queryables, schemas and CQL2 filters, on SQLite and
PostGIS, read by GDAL and OWSLib.

Each filter's expected result is computed here from /api/clusters' own JSON with plain
Python (and shapely for geometry), not by the code under test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from urllib.parse import quote

import pytest
from shapely.geometry import box, shape

from tests.helpers import all_items, api_ids, ok_json

PART3 = {
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
}
AREA = (106.9, 10.6, 107.1, 10.8)
NUMBERS = (
    "planned_area_ha",
    "industrial_land_ha",
    "leased_land_ha",
    "free_land_ha",
    "occupancy_pct",
    "clearance_cleared_ha",
    "clearance_total_ha",
)


def _clusters(client) -> list[dict]:
    return ok_json(client.get("/api/clusters"))["features"]


def _ids(features) -> list[str]:
    return sorted(f["id"] for f in features)


def _filtered(client, expression: str, lang: str = "cql2-text", collection="clusters", **kw):
    query = f"filter={quote(expression)}&filter-lang={lang}&limit=7"
    query += "".join(f"&{k}={quote(str(v))}" for k, v in kw.items())
    return _ids(all_items(client, collection, query))


def _p(feature: dict, name: str):
    return feature["properties"].get(name)


def _gt(value, bound) -> bool:
    return value is not None and value > bound


# (CQL2 text, the same as CQL2 JSON, what it selects in Python)
CASES = [
    (
        "planned_area_ha > 50",
        {"op": ">", "args": [{"property": "planned_area_ha"}, 50]},
        lambda f: _gt(_p(f, "planned_area_ha"), 50),
    ),
    (
        "stage IN ('operating', 'building')",
        {"op": "in", "args": [{"property": "stage"}, ["operating", "building"]]},
        lambda f: _p(f, "stage") in ("operating", "building"),
    ),
    (
        "name_vi LIKE 'CCN Long%'",
        {"op": "like", "args": [{"property": "name_vi"}, "CCN Long%"]},
        lambda f: _p(f, "name_vi").startswith("CCN Long"),
    ),
    (
        # Case matters, as CQL2 says, on SQLite as on PostgreSQL.
        "name_vi LIKE 'ccn long%'",
        {"op": "like", "args": [{"property": "name_vi"}, "ccn long%"]},
        lambda f: _p(f, "name_vi").startswith("ccn long"),
    ),
    (
        "planned_area_ha BETWEEN 20 AND 60",
        {"op": "between", "args": [{"property": "planned_area_ha"}, 20, 60]},
        lambda f: _p(f, "planned_area_ha") is not None and 20 <= _p(f, "planned_area_ha") <= 60,
    ),
    (
        f"S_INTERSECTS(geometry, POLYGON(({AREA[0]} {AREA[1]}, {AREA[2]} {AREA[1]}, "
        f"{AREA[2]} {AREA[3]}, {AREA[0]} {AREA[3]}, {AREA[0]} {AREA[1]})))",
        {
            "op": "s_intersects",
            "args": [
                {"property": "geometry"},
                {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [AREA[0], AREA[1]],
                            [AREA[2], AREA[1]],
                            [AREA[2], AREA[3]],
                            [AREA[0], AREA[3]],
                            [AREA[0], AREA[1]],
                        ]
                    ],
                },
            ],
        },
        lambda f: f["geometry"] is not None and shape(f["geometry"]).intersects(box(*AREA)),
    ),
    (
        "district_code = '740' AND NOT (stage = 'operating')",
        {
            "op": "and",
            "args": [
                {"op": "=", "args": [{"property": "district_code"}, "740"]},
                {"op": "not", "args": [{"op": "=", "args": [{"property": "stage"}, "operating"]}]},
            ],
        },
        lambda f: _p(f, "district_code") == "740" and _p(f, "stage") != "operating",
    ),
    (
        "as_of >= DATE('2024-01-01') OR zone = 'II'",
        {
            "op": "or",
            "args": [
                {"op": ">=", "args": [{"property": "as_of"}, {"date": "2024-01-01"}]},
                {"op": "=", "args": [{"property": "zone"}, "II"]},
            ],
        },
        lambda f: (_p(f, "as_of") or "") >= "2024-01-01" or _p(f, "zone") == "II",
    ),
    (
        "leased_land_ha >= 10 OR occupancy_pct >= 50",
        {
            "op": "or",
            "args": [
                {"op": ">=", "args": [{"property": "leased_land_ha"}, 10]},
                {"op": ">=", "args": [{"property": "occupancy_pct"}, 50]},
            ],
        },
        lambda f: _gt(_p(f, "leased_land_ha"), 9.9999) or _gt(_p(f, "occupancy_pct"), 49.9999),
    ),
    (
        "clearance_cleared_ha IS NULL AND named_in_plan = true",
        {
            "op": "and",
            "args": [
                {"op": "isNull", "args": [{"property": "clearance_cleared_ha"}]},
                {"op": "=", "args": [{"property": "named_in_plan"}, True]},
            ],
        },
        lambda f: _p(f, "clearance_cleared_ha") is None and _p(f, "named_in_plan") is True,
    ),
    (
        "name_vi < 'CCN M'",
        {"op": "<", "args": [{"property": "name_vi"}, "CCN M"]},
        # Text orders by code point in both databases.
        lambda f: _p(f, "name_vi") < "CCN M",
    ),
]


def test_conformance_declares_part_3_and_cql2(client) -> None:
    assert set(ok_json(client.get("/ogc/conformance"))["conformsTo"]) >= PART3


def test_queryables_and_schema_have_real_types(client) -> None:
    collection = ok_json(client.get("/ogc/collections/clusters"))
    rels = {link["rel"]: link for link in collection["links"]}
    for rel in ("http://www.opengis.net/def/rel/ogc/1.0/queryables", "describedby"):
        assert rels[rel]["type"] == "application/schema+json"
    response = client.get("/ogc/collections/clusters/queryables")
    assert response.mimetype == "application/schema+json"
    queryables = ok_json(response)["properties"]
    for name in NUMBERS:
        assert queryables[name]["type"] == "number", name
    assert queryables["stage"]["enum"][0] == "planned"
    assert queryables["as_of"] == {"type": "string", "format": "date"}
    assert queryables["ready"]["type"] == "boolean"
    assert queryables["geometry"]["format"] == "geometry-any"
    schema = ok_json(client.get("/ogc/collections/clusters/schema"))
    props = schema["properties"]["properties"]["properties"]
    feature = _clusters(client)[0]["properties"]
    # Every property a feature has; its id is the Feature's own "id" member.
    assert set(props) == set(feature) - {"id"}
    assert schema["properties"]["id"] == {"type": "string"}
    assert {n for n in NUMBERS if props[n]["type"] == "number"} == set(NUMBERS)
    # Districts and places have their own, not the clusters' filters.
    districts = ok_json(client.get("/ogc/collections/districts/queryables"))["properties"]
    assert "zone" in districts and "stage" not in districts and "geometry" not in districts
    places = ok_json(client.get("/ogc/collections/places/queryables"))["properties"]
    assert places["kind"]["enum"] and "district_code" not in places


@pytest.mark.parametrize("case", range(len(CASES)))
def test_cql2_text_and_json_select_what_python_selects(client, case) -> None:
    text, as_json, predicate = CASES[case]
    expected = _ids(f for f in _clusters(client) if predicate(f))
    assert _filtered(client, text) == expected
    assert _filtered(client, json.dumps(as_json), "cql2-json") == expected


def test_filters_of_every_kind_select_something_and_not_everything(client) -> None:
    """The cases above mean something on this data: most select a proper subset."""
    everything = _ids(_clusters(client))
    proper = [
        c[0]
        for c in CASES
        if 0 < len(_ids(f for f in _clusters(client) if c[2](f))) < len(everything)
    ]
    assert len(proper) >= len(CASES) - 2, proper


def test_filter_combines_with_bbox_crs_datetime_and_paging(client) -> None:
    features = _clusters(client)
    expected = _ids(
        f
        for f in features
        if f["geometry"]
        and shape(f["geometry"]).intersects(box(*AREA))
        and _p(f, "stage") != "operating"
    )
    got = _filtered(client, "stage <> 'operating'", bbox=",".join(map(str, AREA)))
    assert got == expected
    # The same polygon given in TM-3 107-45 through filter-crs.
    tm3 = _filtered(
        client,
        "S_INTERSECTS(geometry, BBOX(380000, 1170000, 460000, 1290000))",
        **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/5899"},
    )
    by_bbox = _ids(
        all_items(
            client,
            "clusters",
            "bbox=380000,1170000,460000,1290000&bbox-crs=EPSG:5899&limit=1000",
        )
    )
    assert tm3 == by_bbox and tm3


def test_other_collections_filter_on_their_own_properties(client) -> None:
    districts = ok_json(client.get("/api/districts"))["features"]
    zone_ii = _ids(d for d in districts if d["properties"]["zone"] == "II")
    assert _filtered(client, "zone = 'II'", collection="districts") == zone_ii and zone_ii
    places = ok_json(client.get("/api/places"))["features"]
    airports = _ids(p for p in places if p["properties"]["kind"] == "airport")
    assert _filtered(client, "kind = 'airport'", collection="places") == airports and airports


@pytest.mark.parametrize(
    ("collection", "query", "parameter", "reason"),
    [
        ("clusters", "filter=height > 3", "filter", "unknown property 'height'"),
        ("clusters", "filter=planned_area_ha = 'big'", "filter", "is a number"),
        ("clusters", "filter=stage = 'built'", "filter", "stage is one of"),
        ("clusters", "filter=planned_area_ha LIKE '1%'", "filter", "LIKE needs a text"),
        ("clusters", "filter=as_of > 2020", "filter", "is a date"),
        ("clusters", "filter=ready > true", "filter", "compare it with = or <>"),
        ("clusters", "filter=name_vi LIKE 'a\\'", "filter", "escaping backslash"),
        ("clusters", "filter=stage = ", "filter", "not a valid cql2-text"),
        ("clusters", "filter={&filter-lang=cql2-json", "filter", "not a valid cql2-json"),
        ("clusters", "filter=stage='x'&filter-lang=xml", "filter-lang", "unknown filter"),
        (
            "clusters",
            "filter=S_INTERSECTS(geometry, POINT(1 2))&filter-crs=EPSG:1",
            "filter-crs",
            "",
        ),
        ("clusters", "filter=S_INTERSECTS(stage, POINT(1 2))", "filter", "'geometry'"),
        ("districts", "filter=stage = 'operating'", "filter", "unknown property 'stage'"),
        ("places", "filter=S_INTERSECTS(geometry, POINT(107 11))", "filter", "not queryable"),
    ],
)
def test_bad_filters_get_400_naming_the_parameter(client, collection, query, parameter, reason):
    response = client.get(f"/ogc/collections/{collection}/items?{query}")
    body = ok_json(response, 400)
    errors = {e["field"]: e["reason"] for e in body["errors"]}
    assert parameter in errors and reason in errors[parameter], errors


def test_cluster_only_parameters_are_not_declared_for_districts_and_places(client) -> None:
    spec = ok_json(client.get("/api/openapi.json"))
    for collection, absent in (("districts", "district"), ("places", "stage")):
        operation = spec["paths"][f"/ogc/collections/{collection}/items"]["get"]
        names = {_param_name(spec, p) for p in operation["parameters"]}
        assert absent not in names and "filter" in names, collection
    clusters = spec["paths"]["/ogc/collections/clusters/items"]["get"]
    names = {_param_name(spec, p) for p in clusters["parameters"]}
    assert {"district", "stage", "kind", "zone", "filter", "crs", "bbox-crs"} <= names


def _param_name(spec: dict, parameter: dict) -> str:
    if "$ref" in parameter:
        parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
    return parameter["name"]


def test_a_hidden_property_cannot_be_filtered_on(client, api_as, monkeypatch) -> None:
    from gis.core import audience

    monkeypatch.setattr(
        audience, "PUBLIC_CLUSTER_PROPERTIES", audience.PUBLIC_CLUSTER_PROPERTIES - {"investor"}
    )
    body = ok_json(client.get("/ogc/collections/clusters/items?filter=investor IS NULL"), 400)
    assert "unknown property 'investor'" in body["errors"][0]["reason"]
    assert (
        "investor" not in ok_json(client.get("/ogc/collections/clusters/queryables"))["properties"]
    )
    staff = api_as("viewer").client
    assert staff.get("/ogc/collections/clusters/items?filter=investor IS NULL").status_code == 200


# --- real clients -----------------------------------------------------------------------

GDAL_TYPES = textwrap.dedent(
    """
    import json, sys
    import pyogrio

    info = pyogrio.read_info("OAPIF:" + sys.argv[1] + "/ogc", layer="clusters")
    print(json.dumps(dict(zip(info["fields"].tolist(), map(str, info["dtypes"])))))
    """
)


def test_gdal_types_the_area_fields_as_real(live_server) -> None:
    result = subprocess.run(
        [sys.executable, "-c", GDAL_TYPES, live_server],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    types = json.loads(result.stdout)
    for name in NUMBERS:
        assert types[name] == "float64", (name, types[name])
    assert types["named_in_plan"] == "bool" and types["ready"] == "bool"
    assert types["version"] == "int32"
    assert types["name_vi"] == "object"


@pytest.mark.parametrize(
    ("cql2_text", "api_query"),
    [
        ("district_code = '740' AND kind = 'CCN'", "district=740&kind=CCN"),
        ("stage = 'operating'", "stage=operating"),
        (
            "stage IN ('planned', 'established') AND zone = 'II'",
            "stage=planned,established&zone=II",
        ),
        ("kind IN ('KCN', 'CNHT')", "kind=KCN,CNHT"),
        (f"S_INTERSECTS(geometry, BBOX({','.join(map(str, AREA))}))", "bbox=106.9,10.6,107.1,10.8"),
        ("ready = false AND zone = 'I'", "ready=false&zone=I"),
    ],
)
def test_owslib_cql2_filter_returns_what_the_api_filter_returns(
    client, live_server, cql2_text, api_query
) -> None:
    from owslib.ogcapi.features import Features

    service = Features(f"{live_server}/ogc")
    assert set(service.conformance()["conformsTo"]) >= PART3
    queryables = service.collection_queryables("clusters")["properties"]
    assert queryables["free_land_ha"]["type"] == "number"
    body = service.collection_items("clusters", filter=cql2_text, limit=1000)
    got = _ids(body["features"])
    assert got == api_ids(client, api_query)
    assert body["numberMatched"] == len(got) and got


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("planned_area_ha > " + "9" * 400, "out of range"),
        ("NOT (" * 80 + "stage = 'operating'" + ")" * 80, ""),
        (" OR ".join(["stage = 'operating'"] * 100), "levels deep"),
        ("name_vi LIKE '" + "x" * 20_000 + "'", "longer than"),
    ],
)
def test_hostile_filters_are_400_not_500(client, expression, reason) -> None:
    response = client.get(f"/ogc/collections/clusters/items?filter={quote(expression)}")
    body = ok_json(response, 400)
    assert reason in body["errors"][0]["reason"]


def test_like_is_linear_on_sqlite_too(client) -> None:
    """A pattern of many wildcards cannot make the SQLite matcher backtrack for long."""
    pattern = "%a" * 40 + "%zzz"
    assert _filtered(client, f"name_vi LIKE '{pattern}'") == []


def test_tokens_are_for_the_data_apis_only(app, accounts) -> None:
    from tests.helpers import issue_token

    token = issue_token(app, "admin")
    desktop = app.test_client(use_cookies=False)
    headers = {"Authorization": f"Bearer {token}"}
    assert desktop.get("/admin/tokens", headers=headers).status_code == 401
    assert desktop.get("/auth/tokens", headers=headers).status_code == 401
    assert desktop.get("/ogc/collections", headers=headers).status_code == 200


GDAL_WHERE = textwrap.dedent(
    """
    import json, sys
    import pyogrio

    frame = pyogrio.read_dataframe(
        "OAPIF:" + sys.argv[1] + "/ogc", layer="clusters", where=sys.argv[2]
    )
    print(json.dumps(sorted(frame["id"])))
    """
)


def test_a_gdal_where_clause_selects_what_python_selects(client, live_server) -> None:
    """An OGR where clause through GDAL's OAPIF driver selects what Python selects."""
    where = "planned_area_ha > 50 AND stage = 'operating'"
    result = subprocess.run(
        [sys.executable, "-c", GDAL_WHERE, live_server, where],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    expected = _ids(
        f
        for f in _clusters(client)
        if _gt(_p(f, "planned_area_ha"), 50) and _p(f, "stage") == "operating"
    )
    # GDAL 3.12 evaluates this where clause itself (it sends no filter to this service),
    # over fields typed by the schema: the numeric comparison holds only if the type is Real.
    assert json.loads(result.stdout) == expected and expected
