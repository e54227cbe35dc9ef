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
from typing import Any

import orjson
from flask import Response, request

_MAX_BYTES = 64 * 2**20  # bodies kept per process; least recently used go first
_cache: OrderedDict[str, list[bytes | None]] = OrderedDict()  # tag -> [body, gzipped]
_cached_bytes = 0
_lock = threading.Lock()


def etag_for(*parts: object) -> str:
    """A strong ETag value (without quotes) from the given parts."""
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return digest[:32]


def _entry(tag: str, build: Callable[[], Any]) -> list[bytes | None]:
    global _cached_bytes
    with _lock:
        if tag in _cache:
            _cache.move_to_end(tag)
            return _cache[tag]
    options = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    entry: list[bytes | None] = [orjson.dumps(build(), option=options), None]
    with _lock:
        _cache[tag] = entry
        _cached_bytes += len(entry[0])  # type: ignore[arg-type]
        while _cached_bytes > _MAX_BYTES and len(_cache) > 1:
            _old, (body, zipped) = _cache.popitem(last=False)
            _cached_bytes -= len(body or b"") + len(zipped or b"")
    return entry


def _gzipped(entry: list[bytes | None]) -> bytes:
    global _cached_bytes
    if entry[1] is None:
        # Compressed once, on the first request that accepts gzip, then reused.
        entry[1] = gzip.compress(entry[0], compresslevel=6, mtime=0)  # type: ignore[arg-type]
        with _lock:
            _cached_bytes += len(entry[1])
    return entry[1]


def cached_json(tag: str, build: Callable[[], Any], mimetype: str = "application/json") -> Response:
    """Answer with ``build()`` as JSON, honouring If-None-Match and Accept-Encoding."""
    if tag in request.if_none_match:
        response = Response(status=304)
    else:
        entry = _entry(tag, build)
        if "gzip" in request.accept_encodings:
            response = Response(_gzipped(entry), mimetype=mimetype)
            response.content_encoding = "gzip"
        else:
            response = Response(entry[0], mimetype=mimetype)
    response.set_etag(tag)
    response.vary.add("Accept-Encoding")
    # Revalidate every time: edits must show at once, and a 304 costs no query.
    response.cache_control.no_cache = True
    return response
