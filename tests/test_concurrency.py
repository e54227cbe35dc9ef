"""No lost updates: many writers with fresh and stale versions, on both backends."""

from __future__ import annotations

import random
import threading
from collections import Counter

from tests.conftest import ApiClient

CLUSTER = "ccn-long-phuoc-1"
THREADS, UPDATES = 16, 200


def test_concurrent_writers_never_lose_or_duplicate_an_update(history, app, accounts) -> None:
    clients = [ApiClient(app.test_client(), "lt-editor") for _ in range(THREADS)]
    accepted: list[tuple[int, str]] = []  # (version after the change, value written)
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def writer(index: int, api: ApiClient) -> None:
        rng = random.Random(index)
        etag = api.etag(CLUSTER)
        start.wait()
        for i in range(UPDATES):
            if rng.random() < 0.5:
                etag = api.etag(CLUSTER)  # fresh half the time, possibly stale otherwise
            value = f"writer {index} update {i}"
            response = api.patch(CLUSTER, {"investor": value}, etag=etag)
            with lock:
                statuses[response.status_code] += 1
                if response.status_code == 200:
                    accepted.append((response.get_json()["properties"]["version"], value))
            if response.status_code == 200:
                etag = response.headers["ETag"]

    threads = [threading.Thread(target=writer, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert set(statuses) <= {200, 412}, statuses
    assert statuses[200] + statuses[412] == THREADS * UPDATES
    assert statuses[200] > THREADS and statuses[412] > 0  # both paths really ran
    versions = sorted(v for v, _ in accepted)
    assert versions == list(range(2, 2 + len(accepted)))  # one version per accepted change

    client = app.test_client()
    events = history(CLUSTER)
    written = [c["to"] for e in events for c in e["changes"] if c["field"] == "investor"]
    assert Counter(written) == Counter(value for _, value in accepted)  # each exactly once
    last_value = max(accepted)[1]
    final = client.get(f"/api/clusters/{CLUSTER}").get_json()["properties"]
    assert final["investor"] == last_value
    assert final["version"] == 1 + len(accepted)
    assert app.test_cli_runner().invoke(args=["history", "verify"]).exit_code == 0
