"""The one rule of what anonymous clients see of a cluster (gis.core.audience)."""

from __future__ import annotations

from gis.core.actors import Actor
from gis.core.audience import (
    INTERNAL_CLUSTER_PROPERTIES,
    PUBLIC,
    PUBLIC_CLUSTER_PROPERTIES,
    STAFF,
    audience_of,
    visible_feature,
)
from gis.core.schema import DERIVED_PROPERTIES, ClusterRecord


def test_every_property_is_classified_once() -> None:
    """A new record field fails here until someone decides whether the public may see it."""
    properties = set(ClusterRecord.model_fields) | set(DERIVED_PROPERTIES)
    classified = PUBLIC_CLUSTER_PROPERTIES | INTERNAL_CLUSTER_PROPERTIES
    assert properties == classified, sorted(properties ^ classified)
    assert not PUBLIC_CLUSTER_PROPERTIES & INTERNAL_CLUSTER_PROPERTIES


def test_anonymous_clients_get_only_public_properties() -> None:
    feature = {"type": "Feature", "id": "x", "properties": {"id": "x", "secret": 1}}
    assert visible_feature(feature, PUBLIC)["properties"] == {"id": "x"}
    assert visible_feature(feature, STAFF) is feature
    assert feature["properties"]["secret"] == 1, "the original is not changed"
    assert audience_of(None) == PUBLIC
    assert audience_of(Actor("v", "viewer")) == STAFF
