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

from flask import Response, request

_MAX_ENTRIES = 256
_cache: OrderedDict[str, tuple[bytes, bytes]] = OrderedDict()
_lock = threading.Lock()


def etag_for(*parts: object) -> str:
    """A strong ETag value (without quotes) from the given parts."""
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return digest[:32]


def _encoded(tag: str, build: Callable[[], Any]) -> tuple[bytes, bytes]:
    with _lock:
        if tag in _cache:
            _cache.move_to_end(tag)
            return _cache[tag]
    body = json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    entry = (body, gzip.compress(body, compresslevel=6, mtime=0))
    with _lock:
        _cache[tag] = entry
        while len(_cache) > _MAX_ENTRIES:
            _cache.popitem(last=False)
    return entry


def cached_json(tag: str, build: Callable[[], Any], mimetype: str = "application/json") -> Response:
    """Answer with ``build()`` as JSON, honouring If-None-Match and Accept-Encoding."""
    if tag in request.if_none_match:
        response = Response(status=304)
    else:
        body, zipped = _encoded(tag, build)
        if "gzip" in request.accept_encodings:
            response = Response(zipped, mimetype=mimetype)
            response.content_encoding = "gzip"
        else:
            response = Response(body, mimetype=mimetype)
    response.set_etag(tag)
    response.vary.add("Accept-Encoding")
    # Revalidate every time: edits must show at once, and a 304 costs no query.
    response.cache_control.no_cache = True
    return response
