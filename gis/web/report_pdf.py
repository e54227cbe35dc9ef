"""Report PDFs without starving the readers: cached per store revision, rendered one at a
time on the machine, in a child process that is stopped after a time bound.

A PDF takes seconds of CPU. Three anonymous requests at once used to hold every worker;
now a request finds the same revision's bytes in the cache, or takes the machine-wide
render lock (a file lock in the instance folder, shared by every worker process) or is
told at once to retry (503, Retry-After). The cache is the process's memory and, shared
by every worker, files in the instance folder named by a hash of the key (which names the
store revision), so a PDF is rendered once per revision on the machine, not once per
worker. The render runs in a forked child, so a report that runs past
``GIS_REPORT_PDF_TIMEOUT`` is stopped and answered with a clean error while the worker
lives on (a worker killed by gunicorn's timeout answers nothing at all).
"""

from __future__ import annotations

import fcntl
import hashlib
import multiprocessing
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gis.web.report_files import pdf_bytes

CACHE_BYTES = 32 * 2**20  # PDFs kept per process; least recently used go first
DISK_CACHE_BYTES = 128 * 2**20  # PDFs kept in the instance folder; least recently used go
CACHE_DIR = "report-pdf-cache"
LOCK_WAIT_SECONDS = 1.0  # a request waits this long for the render lock, then gets 503
RETRY_AFTER_SECONDS = 10
LOCK_FILE = "report-pdf.lock"

_cache: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
_cache_lock = threading.Lock()


class ReportBusy(Exception):
    """Another report is being rendered on this machine: retry shortly."""


class ReportTooSlow(Exception):
    """The report was not rendered within the time bound; its child process was stopped."""


def cached(key: tuple[str, ...], instance_path: str | Path | None = None) -> bytes | None:
    """The PDF rendered earlier for ``key`` (which names the store revision), or None.

    Looked up in this process's memory, then (with ``instance_path``) among the files any
    worker of the machine wrote.
    """
    with _cache_lock:
        data = _cache.get(key)
        if data is not None:
            _cache.move_to_end(key)
            return data
    if instance_path is None:
        return None
    path = _cache_file(instance_path, key)
    try:
        data = path.read_bytes()
        os.utime(path)  # recently used: pruned last
    except FileNotFoundError:  # never rendered, or pruned meanwhile
        return None
    _keep_in_memory(key, data)
    return data


def _cache_file(instance_path: str | Path, key: tuple[str, ...]) -> Path:
    # A hash: the key holds a user name and a locale, never safe as a file name as such.
    name = hashlib.sha256("\x1f".join(key).encode()).hexdigest()
    return Path(instance_path) / CACHE_DIR / f"{name}.pdf"


def _keep_in_memory(key: tuple[str, ...], data: bytes) -> None:
    with _cache_lock:
        _cache[key] = data
        total = sum(len(v) for v in _cache.values())
        while total > CACHE_BYTES and len(_cache) > 1:
            _old, dropped = _cache.popitem(last=False)
            total -= len(dropped)


def _keep(key: tuple[str, ...], data: bytes, instance_path: str | Path) -> None:
    """Keep the PDF in memory and, written atomically, for the machine's other workers."""
    _keep_in_memory(key, data)
    path = _cache_file(instance_path, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A temporary file in the same folder, then renamed: a reader finds the whole PDF or
    # none, even if this worker dies while writing.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _prune(path.parent)


def _prune(folder: Path) -> None:
    # Called under the render lock: one pruner at a time. Older revisions' PDFs are never
    # asked for again; they go first, as the least recently used.
    entries = []
    for entry in folder.glob("*.pdf"):
        try:
            stat = entry.stat()
        except FileNotFoundError:
            continue
        entries.append((stat.st_mtime, stat.st_size, entry))
    entries.sort()
    total = sum(size for _mtime, size, _entry in entries)
    for _mtime, size, entry in entries[:-1]:  # the newest stays, whatever its size
        if total <= DISK_CACHE_BYTES:
            break
        entry.unlink(missing_ok=True)
        total -= size


@contextmanager
def render_lock(instance_path: str | Path, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the machine-wide render lock, or raise ReportBusy after ``wait`` seconds.

    flock locks belong to an open file: each request opens its own, so threads of one
    process exclude each other as processes do. The kernel drops it if the holder dies.
    """
    path = Path(instance_path) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ReportBusy from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _child(connection: Any, html: str, static_folder: str) -> None:
    try:
        connection.send(("pdf", pdf_bytes(html, static_folder)))
    except Exception as exc:  # reported to the parent, which answers with an error
        connection.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()


def render_in_child(html: str, static_folder: str, timeout: float) -> bytes:
    """``pdf_bytes`` in a forked child process; ReportTooSlow when it needs longer than
    ``timeout`` seconds (the child is killed), RuntimeError when rendering failed."""
    # Fork, not spawn: the child starts with WeasyPrint already imported by the parent.
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, html, static_folder), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise ReportTooSlow
        kind, payload = receiver.recv()
    except EOFError:
        raise RuntimeError("the report renderer ended without an answer") from None
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
    if kind != "pdf":
        raise RuntimeError(payload)
    return payload


def report_pdf(
    key: tuple[str, ...],
    html: Callable[[], str],
    static_folder: str,
    instance_path: str,
    timeout: float,
) -> bytes:
    """The PDF of ``key``: from the cache, or rendered under the render lock and kept."""
    data = cached(key, instance_path)
    if data is not None:
        return data
    # Import once in this process, so that every forked child has WeasyPrint loaded.
    import weasyprint  # noqa: F401

    with render_lock(instance_path):
        # Another thread or worker may have rendered it while we waited.
        data = cached(key, instance_path)
        if data is None:
            data = render_in_child(html(), static_folder, timeout)
            _keep(key, data, instance_path)
    return data
