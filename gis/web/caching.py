"""Conditional, compressed JSON responses keyed by the store's revision.

A response body depends only on the request and the store's revision, so its ETag is a hash
of the two. A client that revalidates gets 304 without any query; a new body is serialised
and gzipped once per revision and then served from a small per-process cache.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from flask import Response, request

_MAX_BYTES = 64 * 2**20  # bodies kept per process; least recently used go first


@dataclass
class _Entry:
    tag: str
    body: bytes
    gzipped: bytes | None = None


_cache: OrderedDict[str, _Entry] = OrderedDict()  # key -> entry
_cached_bytes = 0
_lock = threading.Lock()


def etag_for(*parts: object) -> str:
    """A strong ETag value (without quotes) from the given parts."""
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return digest[:32]


def _cached(key: str) -> _Entry | None:
    with _lock:
        entry = _cache.get(key)
        if entry is not None:
            _cache.move_to_end(key)
        return entry


def _store(key: str, tag: str, body: Any) -> _Entry:
    global _cached_bytes
    options = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    entry = _Entry(tag, orjson.dumps(body, option=options))
    with _lock:
        previous = _cache.pop(key, None)
        if previous is not None:
            _cached_bytes -= len(previous.body) + len(previous.gzipped or b"")
        _cache[key] = entry
        _cached_bytes += len(entry.body)
        while _cached_bytes > _MAX_BYTES and len(_cache) > 1:
            _old, dropped = _cache.popitem(last=False)
            _cached_bytes -= len(dropped.body) + len(dropped.gzipped or b"")
    return entry


def _gzipped(entry: _Entry) -> bytes:
    global _cached_bytes
    if entry.gzipped is None:
        # Compressed once, on the first request that accepts gzip, then reused.
        entry.gzipped = gzip.compress(entry.body, compresslevel=6, mtime=0)
        with _lock:
            _cached_bytes += len(entry.gzipped)
    return entry.gzipped


def not_modified(tag: str) -> Response | None:
    """A 304 when the request's If-None-Match already names ``tag``, else None.

    werkzeug's ``make_conditional`` compares the tags as RFC 9110 says (weakly; ``*``
    matches any), so the caller can skip building a body the client holds."""
    response = Response()
    response.set_etag(tag)
    response.cache_control.no_cache = True
    response.make_conditional(request)
    return response if response.status_code == 304 else None


def _answer(entry: _Entry, mimetype: str) -> Response:
    if "gzip" in request.accept_encodings:
        response = Response(_gzipped(entry), mimetype=mimetype)
        response.content_encoding = "gzip"
    else:
        response = Response(entry.body, mimetype=mimetype)
    response.set_etag(entry.tag)
    response.vary.add("Accept-Encoding")
    # Revalidate every time: edits must show at once, and a 304 costs no query.
    response.cache_control.no_cache = True
    response.make_conditional(request)
    return response


def cached_json(tag: str, build: Callable[[], Any], mimetype: str = "application/json") -> Response:
    """Answer with ``build()`` as JSON, honouring If-None-Match and Accept-Encoding."""
    unchanged = not_modified(tag)
    if unchanged is not None:
        return unchanged
    entry = _cached(tag) or _store(tag, tag, build())
    return _answer(entry, mimetype)


def keyed_json(
    key: str, build: Callable[[], tuple[str, Any]], mimetype: str = "application/json"
) -> Response:
    """Like ``cached_json`` when the ETag is known only after a query: ``build()`` returns
    (tag, body) and is called once per ``key``, which must name the store revision."""
    entry = _cached(key)
    if entry is None:
        tag, body = build()
        unchanged = not_modified(tag)
        if unchanged is not None:
            return unchanged
        entry = _store(key, tag, body)
    return _answer(entry, mimetype)
