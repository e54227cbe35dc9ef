"""Hostile input refused at the edge, for every route at once.

Path segments, query parameters and form fields are checked in one before_request; JSON
bodies where Flask parses them (the request class's ``json_module``), so every route that
reads JSON gets the same rules. A request holding a control character or a lone surrogate
is refused with 400 naming the field (422 for a string inside JSON: well-formed, not
acceptable), JSON nested too deeply or holding NaN or an infinite number with 400, all
before a route runs: nothing of it reaches a store (PostgreSQL refuses NUL in text, SQLite
would keep it and hand it to every export).
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Flask, request
from flask.wrappers import Request

from gis.errors import FieldError, InvalidInput
from gis.text import unsafe_character

# Our deepest body is a MultiPolygon in a PATCH: six levels. Far below Python's recursion
# limit, so no parser or serializer after this one can overflow its stack.
MAX_JSON_DEPTH = 32
# Form posts of pages: the free-text fields among them may span lines (notes).
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _printable(name: str) -> str:
    """A parameter name as it can be shown back: control characters escaped."""
    return name.encode("unicode_escape").decode("ascii") if unsafe_character(name) else name


def _check(field: str, value: str, errors: list[FieldError], *, multiline: bool) -> None:
    reason = unsafe_character(value, multiline=multiline)
    if reason is not None:
        errors.append(FieldError(_printable(field), reason))


def check_request() -> None:
    """Refuse control characters in path segments, query parameters and form fields."""
    errors: list[FieldError] = []
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            _check(name, value, errors, multiline=False)
    for name, value in request.args.items(multi=True):
        _check(name, name, errors, multiline=False)
        _check(name, value, errors, multiline=False)
    if request.mimetype in _FORM_TYPES:
        for name, value in request.form.items(multi=True):
            _check(name, name, errors, multiline=False)
            _check(name, value, errors, multiline=True)
    if errors:
        raise InvalidInput(errors)


def _path(parents: list[str | int]) -> str:
    """``geometry.coordinates[0][1]`` for the keys and indexes leading to a value."""
    text = ""
    for part in parents:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return _printable(text) or "body"


def check_json(value: Any) -> None:
    """InvalidInput naming the first value too deep (400: a limit of parsing) or holding a
    character we refuse (422: well-formed JSON whose text is not acceptable).

    Walked with an explicit stack: a recursive walk is what deep input is meant to break.
    """
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        item, parents = stack.pop()
        if len(parents) > MAX_JSON_DEPTH:
            raise InvalidInput([FieldError(_path(parents[:MAX_JSON_DEPTH]), _too_deep())])
        if isinstance(item, str):
            reason = unsafe_character(item, multiline=True)
            if reason is not None:
                raise InvalidInput([FieldError(_path(parents), reason)], status=422)
        elif isinstance(item, dict):
            for key, child in item.items():
                reason = unsafe_character(key)
                if reason is not None:
                    field = FieldError(_path([*parents, key]), f"key {reason}")
                    raise InvalidInput([field], status=422)
                stack.append((child, [*parents, key]))
        elif isinstance(item, list):
            stack.extend(reversed([(child, [*parents, i]) for i, child in enumerate(item)]))


def _too_deep() -> str:
    return f"JSON nested more than {MAX_JSON_DEPTH} levels deep"


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"number out of range: {text}")
    return number


def _no_constant(text: str) -> float:
    # NaN and Infinity are not JSON (RFC 8259), though Python's parser accepts them.
    raise ValueError(f"{text} is not a JSON number")


class GuardedJSON:
    """The ``json_module`` of requests: strict JSON, then ``check_json``."""

    @staticmethod
    def loads(data: str | bytes, **kwargs: Any) -> Any:
        """Parse a request body; ValueError for malformed JSON, InvalidInput for hostile."""
        try:
            value = json.loads(data, parse_float=_finite, parse_constant=_no_constant, **kwargs)
        except RecursionError:
            raise InvalidInput([FieldError("body", _too_deep())]) from None
        check_json(value)
        return value

    @staticmethod
    def dumps(value: Any, **kwargs: Any) -> str:
        """Serialise as Flask's JSON does (kept for the interface's sake)."""
        return json.dumps(value, **kwargs)


class GuardedRequest(Request):
    """Flask's request whose JSON parsing refuses hostile input."""

    @property  # type: ignore[override]
    def json_module(self) -> type[GuardedJSON]:
        """The parser of ``get_json``: always ours."""
        return GuardedJSON

    @json_module.setter
    def json_module(self, _value: Any) -> None:
        # Flask hands each request the app's JSON provider (flask/ctx.py); request bodies
        # keep the guarded parser, the app's provider still serialises responses.
        pass


def init_app(app: Flask) -> None:
    """Install the request class and the before_request check (before any other)."""
    app.request_class = GuardedRequest
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
