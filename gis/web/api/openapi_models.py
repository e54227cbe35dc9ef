"""The OpenAPI component schemas of the domain, built from core's pydantic models.

The allowed values and the cluster record are written once, in gis.core.schema and
gis.core.plan; the document served at /api/openapi.json takes their schemas from here, so
it cannot state other values than the code accepts (tests/test_openapi.py holds it to
that). pydantic writes JSON Schema 2020-12, and the document is OpenAPI 3.0 (the version
OGC API – Features' oas30 conformance class names), which has no `null` type:
``openapi30`` rewrites a schema in 3.0's dialect and refuses what it cannot rewrite.

openapi.yaml may add to a generated schema what no model holds (its description for API
users, the derived properties of a served cluster, a change's `geometry` and `note`), but
may not restate what the model says: ``merged`` refuses a property or keyword on both sides.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from gis.core import plan, schema
from gis.core.editing import READ_ONLY
from gis.core.plan import TaskChange
from gis.core.schema import ClusterRecord

REF_TEMPLATE = "#/components/schemas/{model}"

# The allowed values, each a named schema that parameters and hand-written records $ref.
ENUMS: dict[str, Any] = {
    "Kind": schema.Kind,
    "Stage": schema.Stage,
    "ClearanceStatus": schema.ClearanceStatus,
    "ComponentState": schema.ComponentState,
    "Precision": schema.Precision,
    "PlanAction": schema.PlanAction,
    "TaskStatus": plan.TaskStatus,
    "TaskStatusFilter": plan.TaskStatusFilter,
    "TargetStatus": plan.TargetStatus,
}

# JSON Schema keywords that mean the same in OpenAPI 3.0 (title is dropped: pydantic's
# "Name Vi" says nothing the property's name does not).
_KEPT = frozenset(
    {
        "type",
        "enum",
        "format",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
        "uniqueItems",
        "required",
        "default",
        "description",
        "$ref",
    }
)
_NULL = {"type": "null"}


def openapi30(node: dict[str, Any]) -> dict[str, Any]:
    """A pydantic (JSON Schema 2020-12) schema in OpenAPI 3.0's dialect: `null` as nullable."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title":
            continue
        if key == "const":
            out["enum"] = [value]
        elif key == "properties":
            out[key] = {name: openapi30(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = openapi30(value)
        elif key == "additionalProperties" and isinstance(value, bool):
            out[key] = value
        elif key in ("anyOf", "allOf", "oneOf"):
            out[key] = [openapi30(sub) for sub in value if sub != _NULL]
            if len(out[key]) < len(value):
                out["nullable"] = True
        elif key in _KEPT and not (key == "type" and isinstance(value, list)):
            out[key] = value
        else:
            raise ValueError(f"OpenAPI 3.0 has no equivalent of {key}: {value!r}")
    if out.get("nullable"):
        out = _nullable(out)
    elif out.get("default", 0) is None:
        # A field that refuses null but defaults to it when left out (pydantic's
        # SkipJsonSchema[None]): the document offers no null.
        del out["default"]
    if "$ref" in out and len(out) > 1:
        # 3.0 ignores a $ref's siblings: keep them beside it through allOf.
        out = {"allOf": [{"$ref": out.pop("$ref")}], **out}
    return out


def _nullable(out: dict[str, Any]) -> dict[str, Any]:
    """``X | None`` as 3.0 says it: X with ``nullable: true`` (and null among its values)."""
    (key,) = {"anyOf", "allOf", "oneOf"} & out.keys()
    options = out.pop(key)
    if len(options) == 1 and "$ref" not in options[0]:
        out = {**options[0], **out}
        if "enum" in out:
            # Validators check enum apart from nullable: null must be one of the values.
            out["enum"] = [*out["enum"], None]
        return out
    if len(options) == 1:
        return {"allOf": options, **out}
    return {key: options, **out}


def _model(schemas: dict[str, Any], model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
    """``model``'s schema; the models it refers to are added to ``schemas`` by their names."""
    generated = model.model_json_schema(ref_template=REF_TEMPLATE, mode=mode)
    for inner, definition in generated.pop("$defs", {}).items():
        _add(schemas, inner, openapi30(definition))
    return openapi30(generated)


def _add(schemas: dict[str, Any], name: str, value: dict[str, Any]) -> None:
    if schemas.get(name, value) != value:
        raise ValueError(f"two models give the schema {name}")
    schemas[name] = value


def model_schemas() -> dict[str, dict[str, Any]]:
    """The domain's component schemas by name, as the models give them (a fresh copy)."""
    schemas: dict[str, Any] = {}
    for name, values in ENUMS.items():
        _add(schemas, name, openapi30(TypeAdapter(values).json_schema()))
    # A served cluster's stored properties; openapi.yaml adds the derived ones.
    _add(schemas, "ClusterProperties", _model(schemas, ClusterRecord, "serialization"))
    # A change of a cluster: any stored property but the read-only ones, none required.
    changes = _model(schemas, ClusterRecord, "validation")
    for name in sorted(READ_ONLY):
        changes["properties"].pop(name, None)
    del changes["required"]
    _add(schemas, "ClusterChanges", changes)
    _add(schemas, "PlanTaskChanges", _model(schemas, TaskChange, "validation"))
    return schemas


def merged(written: dict[str, Any], generated: dict[str, Any]) -> dict[str, Any]:
    """openapi.yaml's schemas with the generated ones; the YAML only adds to a generated one.

    Its ``description`` replaces the model's docstring (written for programmers, not API
    users); its ``properties`` are added to the model's. Anything else on both sides is
    an error: the model is the one statement of it.
    """
    schemas = dict(written)
    for name, model in generated.items():
        extra = schemas.get(name, {})
        both = (extra.keys() & model.keys()) - {"description", "properties"}
        restated = extra.get("properties", {}).keys() & model.get("properties", {}).keys()
        if both or restated:
            raise ValueError(f"openapi.yaml restates {name}'s {sorted(both | restated)}")
        combined = {**model, **extra}
        if "properties" in model:
            combined["properties"] = {**model["properties"], **extra.get("properties", {})}
        schemas[name] = combined
    return schemas
