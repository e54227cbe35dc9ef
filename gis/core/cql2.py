"""CQL2 filters (text and JSON, parsed by pygeofilter) as SQLAlchemy expressions.

The expression tree is walked node by node into bound SQLAlchemy clauses over the
queryables of gis.core.queryables: no SQL text is built from the filter. Supported:
AND/OR/NOT, the six comparisons, LIKE, IN, BETWEEN, IS NULL and S_INTERSECTS. A property
that is not queryable or a literal of the wrong type is a ValueError saying which.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from typing import Any

from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parse as parse_text
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    SQLColumnExpression,
    and_,
    false,
    not_,
    or_,
)
from sqlalchemy.sql.elements import ColumnElement

from gis.core.queryables import Prop
from gis.store.dialects import Dialect

LANGUAGES = ("cql2-text", "cql2-json")
MAX_LENGTH = 10_000  # characters of a filter: far more than any hand-written one
MAX_NUMBER = 1e15  # beyond any area, count or share the collections hold
MAX_DEPTH = 64  # nested AND/OR/NOT levels
GEOMETRY = "geometry"
Transform = Callable[[BaseGeometry], BaseGeometry]


def parse(raw: str, lang: str) -> ast.Node:
    """The syntax tree of a CQL2 filter, or ValueError naming what does not parse."""
    if len(raw) > MAX_LENGTH:
        raise ValueError(f"longer than {MAX_LENGTH} characters")
    try:
        if lang == "cql2-json":
            return parse_json(_standard_between(json.loads(raw)))
        return parse_text(raw)
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"not a valid {lang} expression: {first_line}") from None


def _standard_between(node: Any) -> Any:
    """CQL2 1.0's ``between`` args [value, low, high] in the [value, [low, high]] form
    pygeofilter 0.4 reads (an earlier draft's)."""
    if isinstance(node, list):
        return [_standard_between(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _standard_between(v) for k, v in node.items()}
    args = node.get("args")
    if node.get("op") == "between" and isinstance(args, list) and len(args) == 3:
        node["args"] = [args[0], [args[1], args[2]]]
    return node


def intersects(dialect: Dialect, geom: BaseGeometry) -> ColumnElement[bool]:
    """Clusters whose stored geometry intersects ``geom`` (CRS84), exactly, in SQL."""
    return dialect.intersects(geom)


OPERATORS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Equal: lambda a, b: a == b,
    ast.NotEqual: lambda a, b: a != b,
    ast.LessThan: lambda a, b: a < b,
    ast.LessEqual: lambda a, b: a <= b,
    ast.GreaterThan: lambda a, b: a > b,
    ast.GreaterEqual: lambda a, b: a >= b,
}
# The same comparison read with its operands swapped: 5 < x is x > 5.
MIRROR: dict[type, type] = {
    ast.Equal: ast.Equal,
    ast.NotEqual: ast.NotEqual,
    ast.LessThan: ast.GreaterThan,
    ast.LessEqual: ast.GreaterEqual,
    ast.GreaterThan: ast.LessThan,
    ast.GreaterEqual: ast.LessEqual,
}


class Translator:
    """Turns one filter tree into a SQLAlchemy clause over a collection's queryables."""

    def __init__(
        self,
        queryables: dict[str, Prop],
        dialect: Dialect,
        spatial: bool,
        to_crs84: Transform | None = None,
    ) -> None:
        self.queryables = queryables
        self.dialect = dialect
        self.spatial = spatial
        self.to_crs84 = to_crs84

    def translate(self, node: Any) -> ColumnElement[bool]:
        """The SQL clause of a whole filter, or ValueError."""
        try:
            return self.clause(node)
        except RecursionError:
            raise ValueError("nested too deeply") from None

    def clause(self, node: Any, depth: int = 0) -> ColumnElement[bool]:
        """The SQL clause of a predicate node, or ValueError."""
        if depth > MAX_DEPTH:
            # The database compiles and plans the clause recursively too: keep it shallow.
            raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, ast.And):
            return and_(self.clause(node.lhs, depth + 1), self.clause(node.rhs, depth + 1))
        if isinstance(node, ast.Or):
            return or_(self.clause(node.lhs, depth + 1), self.clause(node.rhs, depth + 1))
        if isinstance(node, ast.Not):
            return not_(self.clause(node.sub_node, depth + 1))
        if isinstance(node, ast.Comparison):
            return self._comparison(node)
        if isinstance(node, ast.Like):
            prop = self._property(node.lhs)
            if prop.type != "string":
                raise ValueError(f"LIKE needs a text property; {prop.name} is a {prop.type}")
            if not isinstance(node.pattern, str):
                raise ValueError("LIKE needs a text pattern")
            if (len(node.pattern) - len(node.pattern.rstrip("\\"))) % 2:
                raise ValueError("a LIKE pattern cannot end with an escaping backslash")
            # CQL2 LIKE is case-sensitive, with backslash escapes, on both databases.
            clause = self.dialect.like(self._column(prop), node.pattern)
            return not_(clause) if node.not_ else clause
        if isinstance(node, ast.In):
            prop = self._property(node.lhs)
            if not node.sub_nodes:
                return false()
            options = [self._literal(prop, v) for v in node.sub_nodes]
            clause = self._column(prop).in_(options)
            return not_(clause) if node.not_ else clause
        if isinstance(node, ast.Between):
            prop = self._property(node.lhs)
            if prop.type not in ("number", "integer") and prop.format != "date":
                raise ValueError(f"BETWEEN needs a number or date property; {prop.name} is not")
            low, high = self._literal(prop, node.low), self._literal(prop, node.high)
            clause = self._column(prop).between(low, high)
            return not_(clause) if node.not_ else clause
        if isinstance(node, ast.IsNull):
            clause = self._column(self._property(node.lhs)).is_(None)
            return not_(clause) if node.not_ else clause
        if isinstance(node, ast.GeometryIntersects):
            return self._intersects(node)
        if isinstance(node, bool):
            return and_(True) if node else false()
        name = type(node).__name__
        raise ValueError(
            f"{name} is not supported here; use comparisons, LIKE, IN, BETWEEN, "
            "IS NULL or S_INTERSECTS"
        )

    def _comparison(self, node: Any) -> ColumnElement[bool]:
        kind = type(node)
        lhs, rhs = node.lhs, node.rhs
        if not isinstance(lhs, ast.Attribute) and isinstance(rhs, ast.Attribute):
            lhs, rhs, kind = rhs, lhs, MIRROR[kind]
        prop = self._property(lhs)
        if prop.type == "boolean" and kind not in (ast.Equal, ast.NotEqual):
            raise ValueError(f"{prop.name} is true or false: compare it with = or <>")
        value = self._literal(prop, rhs)
        column = self._column(prop)
        if prop.type == "string":
            # Text orders by code point on both databases, whatever PostgreSQL's locale.
            column = self.dialect.by_code_point(column)
        return OPERATORS[kind](column, value)

    def _property(self, node: Any) -> Prop:
        if not isinstance(node, ast.Attribute):
            raise ValueError("each predicate needs a property on one side")
        prop = self.queryables.get(node.name)
        if prop is None:
            known = ", ".join(sorted(self.queryables))
            raise ValueError(f"unknown property {node.name!r}; queryables: {known}")
        return prop

    def _column(self, prop: Prop) -> SQLColumnExpression[Any]:
        # Only queryable properties (those with an SQL expression) reach here.
        if prop.column is None:
            raise ValueError(f"{prop.name} cannot be filtered on")
        return prop.column()

    def _literal(self, prop: Prop, value: Any) -> Any:
        """``value`` checked against the property's type, as the database compares it."""
        if prop.format == "date":
            if isinstance(value, dt.datetime):
                raise ValueError(f"{prop.name} is a date: give DATE('YYYY-MM-DD')")
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, str):
                try:
                    return dt.date.fromisoformat(value).isoformat()
                except ValueError:
                    pass
            raise ValueError(f"{prop.name} is a date: give DATE('YYYY-MM-DD'), not {value!r}")
        if prop.type in ("number", "integer"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{prop.name} is a number, not {_shown(value)}")
            try:
                number = float(value)
            except OverflowError:
                number = math.inf
            if not math.isfinite(number) or abs(number) > MAX_NUMBER:
                raise ValueError(f"{prop.name}: {value!r} is out of range")
            return number
        if prop.type == "boolean":
            if not isinstance(value, bool):
                raise ValueError(f"{prop.name} is true or false, not {_shown(value)}")
            return value
        if not isinstance(value, str):
            raise ValueError(f"{prop.name} is text, not {_shown(value)}")
        if prop.enum and value not in prop.enum:
            raise ValueError(f"{prop.name} is one of {', '.join(prop.enum)}, not {value!r}")
        return value

    def _intersects(self, node: Any) -> ColumnElement[bool]:
        lhs, rhs = node.lhs, node.rhs
        if not isinstance(lhs, ast.Attribute):
            lhs, rhs = rhs, lhs
        if not isinstance(lhs, ast.Attribute) or lhs.name != GEOMETRY:
            raise ValueError("S_INTERSECTS compares the property 'geometry' with a geometry")
        if not self.spatial:
            raise ValueError("this collection's geometry is not queryable")
        if isinstance(rhs, values.Envelope):
            geom: BaseGeometry = box(rhs.x1, rhs.y1, rhs.x2, rhs.y2)
        elif isinstance(rhs, ast.Function) and rhs.name.lower() == "bbox":
            geom = _bbox(rhs.arguments)
        elif isinstance(rhs, values.Geometry):
            try:
                geom = shape(rhs.geometry)
            except Exception as exc:
                raise ValueError(f"not a valid geometry: {exc}") from None
        else:
            raise ValueError("S_INTERSECTS needs a geometry literal (WKT, GeoJSON or BBOX)")
        if geom.is_empty or not geom.is_valid:
            raise ValueError("the geometry of S_INTERSECTS is empty or invalid")
        if self.to_crs84 is not None:
            geom = self.to_crs84(geom)
        return self.dialect.intersects(geom)


def _bbox(arguments: list[Any]) -> BaseGeometry:
    """CQL2 text's BBOX(minx, miny, maxx, maxy), or 6 numbers with heights."""
    numbers = [a for a in arguments if isinstance(a, int | float) and not isinstance(a, bool)]
    if len(numbers) != len(arguments) or len(numbers) not in (4, 6):
        raise ValueError("BBOX takes 4 numbers (or 6 with heights)")
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        raise ValueError("BBOX: minimum exceeds maximum")
    return box(minx, miny, maxx, maxy)


def _shown(value: Any) -> str:
    if isinstance(value, ast.Attribute):
        return f"the property {value.name!r}"
    return f"{type(value).__name__} {value!r}"
