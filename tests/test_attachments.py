"""Attachments: site photos and PDFs on a cluster, judged by content, stored outside the DB.

Every test runs on SQLite and PostGIS; the files go to a folder of the test's own.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import uuid
from pathlib import Path

import pytest
from PIL import Image

from gis.store.files import FolderStore, S3Store
from tests.conftest import csrf_token, login
from tests.helpers import GPS, LT, jpeg_with_exif

BH = "ccn-gom-su-tan-hanh"  # Biên Hòa


def png_bytes() -> bytes:
    """A small PNG with a text chunk."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Nguyen Van A")
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (10, 120, 40, 255)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def files_dir(app, tmp_path) -> Path:
    """The folder this test's attachments go to."""
    folder = tmp_path / "attachments"
    app.extensions["files"] = FolderStore(folder)
    return folder


def _client(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def attach(client, cluster_id: str, data: bytes, name: str = "anh.jpg", caption: str = ""):
    """POST a file as the cluster page's form does."""
    return client.post(
        f"/clusters/{cluster_id}/attachments",
        data={
            "file": (io.BytesIO(data), name),
            "caption": caption,
            "csrf_token": csrf_token(client, f"/clusters/{cluster_id}"),
        },
        content_type="multipart/form-data",
    )


def listed(client, cluster_id: str = LT) -> list[dict]:
    """The cluster's attachments as this client may see them."""
    response = client.get(f"/api/clusters/{cluster_id}/attachments")
    assert response.status_code == 200
    return response.get_json()["attachments"]


def stored_files(folder: Path) -> list[Path]:
    """Every file in the store (temporary files included)."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_photo_is_reencoded_without_metadata_and_keeps_time_and_place(
    app, accounts, client, files_dir, history
) -> None:
    editor = _client(app, "lt-editor")
    original = jpeg_with_exif()
    version = client.get(f"/api/clusters/{LT}").get_json()["properties"]["version"]
    response = attach(editor, LT, original, "IMG_2025.jpg", "Cổng chính <b>CCN</b>")
    assert response.status_code == 302
    [photo] = listed(client)  # public: an anonymous client sees it
    assert photo["kind"] == "photo" and photo["media_type"] == "image/jpeg"
    assert photo["taken_at"] == "2025-11-20T09:15:00"
    assert photo["lat"] == pytest.approx(GPS[0], abs=1e-4)
    assert photo["lon"] == pytest.approx(GPS[1], abs=1e-4)
    assert max(photo["width"], photo["height"]) == 2048
    # The stored file is a new JPEG: no EXIF, no comment, smaller, its checksum recorded.
    data = client.get(photo["url"]).data
    assert hashlib.sha256(data).hexdigest() == photo["sha256"]
    assert len(data) == photo["size"] < len(original)
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "JPEG"
    assert dict(stored.getexif()) == {}
    assert b"Samsung" not in data and b"Nguyen Van A" not in data
    thumb = Image.open(io.BytesIO(client.get(photo["thumb_url"]).data))
    assert max(thumb.size) == 320
    # On disk in the configured folder, not in the database.
    on_disk = stored_files(files_dir)
    assert len(on_disk) == 2
    assert hashlib.sha256(data).hexdigest() in {
        hashlib.sha256(p.read_bytes()).hexdigest() for p in on_disk
    }
    # Adding is a change of the cluster: its version moves on, with one history event.
    props = client.get(f"/api/clusters/{LT}").get_json()["properties"]
    assert props["version"] == version + 1
    [event] = history(LT)
    assert event["changes"][0]["field"] == "attachments"
    assert event["changes"][0]["to"]["sha256"] == photo["sha256"]
    # The caption is shown as text.
    page = client.get(f"/clusters/{LT}").get_data(as_text=True)
    assert "Cổng chính &lt;b&gt;CCN&lt;/b&gt;" in page


@functools.cache  # x265 takes seconds over 12 MP: each worker encodes it once
def heic_with_exif(size: tuple[int, int] = (4032, 3024)) -> bytes:
    """A real HEIC as an iPhone writes it (12 MP), made with pillow-heif (libheif and x265).

    Smooth gradients with some detail rather than noise, which x265 would take long over.
    """
    import pillow_heif

    width, height = size
    ramp = Image.linear_gradient("L")
    image = Image.merge(
        "RGB",
        (
            ramp.resize(size),
            ramp.rotate(90).resize(size),
            Image.radial_gradient("L").resize(size),
        ),
    )
    image.paste(Image.effect_noise((width // 4, height // 4), 40).convert("RGB"), (0, 0))
    exif = Image.open(io.BytesIO(jpeg_with_exif((8, 8), taken="2025:11:21 07:42:10"))).getexif()
    heif = pillow_heif.from_pillow(image)
    out = io.BytesIO()
    heif.save(out, quality=80, exif=exif.tobytes(), xmp=b"<x:xmpmeta>Tran Thi B</x:xmpmeta>")
    return out.getvalue()


def test_heic_photo_is_reencoded_as_jpeg_keeping_time_and_place(
    app, accounts, client, files_dir
) -> None:
    original = heic_with_exif()
    assert original[4:12] == b"ftypheic"
    editor = _client(app, "lt-editor")
    # The type is judged from the content: a HEIC named .jpg is a HEIC, read as such.
    assert attach(editor, LT, original, "IMG_0042.jpg").status_code == 302
    [photo] = listed(client)
    assert photo["media_type"] == "image/jpeg" and photo["name"] == "IMG_0042.jpg"
    assert photo["taken_at"] == "2025-11-21T07:42:10"
    assert photo["lat"] == pytest.approx(GPS[0], abs=1e-4)
    assert photo["lon"] == pytest.approx(GPS[1], abs=1e-4)
    assert (photo["width"], photo["height"]) == (2048, 1536)
    data = client.get(photo["url"]).data
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "JPEG" and stored.size == (2048, 1536)
    assert dict(stored.getexif()) == {}
    assert b"Samsung" not in data and b"Tran Thi B" not in data
    assert hashlib.sha256(data).hexdigest() == photo["sha256"]
    # The measured sizes, for the report: printed with -s.
    print(f"HEIC 4032x3024 {len(original)} bytes -> JPEG {stored.size} {len(data)} bytes")
    thumb = Image.open(io.BytesIO(client.get(photo["thumb_url"]).data))
    assert thumb.format == "JPEG" and max(thumb.size) == 320


def test_other_iso_media_files_are_not_taken_for_heic(app, accounts, files_dir) -> None:
    editor = _client(app, "lt-editor")
    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
    damaged = heic_with_exif((64, 48))[:200]
    for data in (mp4, damaged):
        response = attach(editor, LT, data, "anh.heic")
        assert response.status_code in (400, 415, 422), response.status_code
    assert stored_files(files_dir) == []


def test_photo_is_on_the_map_where_it_was_taken(app, accounts, client, files_dir) -> None:
    editor = _client(app, "lt-editor")
    assert attach(editor, LT, jpeg_with_exif()).status_code == 302
    assert attach(editor, LT, jpeg_with_exif(gps=None)).status_code == 302
    body = client.get("/api/photos").get_json()
    assert body["type"] == "FeatureCollection"
    [feature] = body["features"]  # the photo without GPS is not placed
    lon, lat = feature["geometry"]["coordinates"]
    assert (lat, lon) == (pytest.approx(GPS[0], abs=1e-4), pytest.approx(GPS[1], abs=1e-4))
    assert feature["properties"]["cluster_id"] == LT
    assert feature["properties"]["taken_at"] == "2025-11-20T09:15:00"
    assert feature["properties"]["cluster_point"] is not None
    assert client.get("/api/photos?cluster=ccn-binh-an").get_json()["features"] == []


def test_orientation_is_applied_to_the_pixels(app, accounts, client, files_dir) -> None:
    editor = _client(app, "lt-editor")
    # Stored landscape, EXIF says "rotate 90°": the photo is portrait.
    assert attach(editor, LT, jpeg_with_exif(size=(800, 600), orientation=6)).status_code == 302
    [photo] = listed(client)
    assert (photo["width"], photo["height"]) == (600, 800)


def test_png_photo_and_pdf_document(app, accounts, client, files_dir) -> None:
    editor = _client(app, "lt-editor")
    assert attach(editor, LT, png_bytes(), "so-do.png").status_code == 302
    assert attach(editor, LT, PDF, "quyet-dinh.pdf", "Biên bản nghiệm thu số 12").status_code == 302
    staff = {a["kind"]: a for a in listed(_client(app, "viewer"))}
    assert staff["photo"]["media_type"] == "image/png"
    assert b"Nguyen Van A" not in client.get(staff["photo"]["url"]).data
    document = staff["document"]
    assert document["media_type"] == "application/pdf"
    assert document["name"] == "quyet-dinh.pdf"
    # Documents are for staff: not listed for, and not served to, anonymous visitors.
    assert [a["kind"] for a in listed(client)] == ["photo"]
    assert client.get(document["url"]).status_code == 404
    viewer = _client(app, "viewer")
    response = viewer.get(document["url"])
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "Biên bản nghiệm thu số 12" not in client.get(f"/clusters/{LT}").get_data(as_text=True)
    assert "Biên bản nghiệm thu số 12" in viewer.get(f"/clusters/{LT}").get_data(as_text=True)


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def _zip_polyglot() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.html", "<p>x</p>")
    return jpeg_with_exif(size=(200, 100)) + out.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("ban-do.svg", lambda: SVG, "SVG, HTML"),
        ("anh.jpg", lambda: SVG, "SVG, HTML"),  # the name says JPEG: the content decides
        ("trang.html", lambda: HTML, "SVG, HTML"),
        ("anh.jpg", lambda: jpeg_with_exif(size=(200, 100)) + HTML, "mã kịch bản"),
        ("anh.jpg", _zip_polyglot, "mã kịch bản"),
        (
            "tai-lieu.pdf",
            lambda: PDF.replace(
                b"/Type/Page/", b"/Type/Page/OpenAction<</S/JavaScript/JS(app.alert(1))>>/"
            ),
            "kịch bản",
        ),
        ("anh.gif", lambda: b"GIF89a" + b"\0" * 100, "Chỉ nhận ảnh JPEG"),
        ("anh.jpg", lambda: b"\xff\xd8\xff\xe0" + b"\0" * 50, "bị hỏng"),
        ("so-lieu.pdf", lambda: b"hello", "Chỉ nhận ảnh JPEG"),
    ],
)
def test_refused_files_say_why_and_leave_nothing(
    app, accounts, client, files_dir, name, make, reason
) -> None:
    editor = _client(app, "lt-editor")
    response = attach(editor, LT, make(), name)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert reason in text and name in text
    assert listed(_client(app, "viewer")) == []
    assert stored_files(files_dir) == []


def test_too_many_pixels_is_refused(app, accounts, files_dir) -> None:
    out = io.BytesIO()
    Image.new("L", (9000, 6000)).save(out, "PNG")  # 54 megapixels, a few KB
    response = attach(_client(app, "lt-editor"), LT, out.getvalue(), "lon.png")
    assert response.status_code == 422
    assert "50 megapixel" in response.get_data(as_text=True)
    assert stored_files(files_dir) == []


def test_upload_over_the_limit_is_refused_before_it_is_read(app, accounts, files_dir) -> None:
    editor = _client(app, "lt-editor")
    token = csrf_token(editor, f"/clusters/{LT}")
    # 50 MB announced: refused from the Content-Length header, the body is never read.
    response = editor.post(
        f"/clusters/{LT}/attachments",
        headers={
            "Content-Type": "multipart/form-data; boundary=x",
            "X-CSRFToken": token,
        },
        input_stream=io.BytesIO(b""),
        environ_overrides={"CONTENT_LENGTH": str(50 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert "Tệp lớn hơn giới hạn 15 MB" in response.get_data(as_text=True)
    # A real 16 MB body: the same refusal, nothing stored.
    response = attach(editor, LT, b"\xff\xd8\xff" + b"\0" * (16 * 1024 * 1024))
    assert response.status_code == 413
    assert stored_files(files_dir) == []


def test_scope_who_adds_and_removes(app, accounts, client, files_dir, history) -> None:
    # Another district's editor, a viewer and anonymous visitors cannot attach.
    assert attach(_client(app, "bh-editor"), LT, png_bytes()).status_code == 403
    assert attach(_client(app, "viewer"), LT, png_bytes()).status_code == 403
    anonymous = app.test_client()
    assert attach(anonymous, LT, png_bytes()).status_code in (302, 401)
    assert stored_files(files_dir) == []
    editor = _client(app, "lt-editor")
    assert attach(editor, LT, png_bytes(), "so-do.png").status_code == 302
    [photo] = listed(client)
    remove = f"/attachments/{photo['id']}/delete"
    bh = _client(app, "bh-editor")
    assert bh.post(remove, data={"csrf_token": csrf_token(bh)}).status_code == 403
    assert len(listed(client)) == 1
    # Its own editor removes it: the row, the files, and a history event naming it.
    response = editor.post(remove, data={"csrf_token": csrf_token(editor)})
    assert response.status_code == 302
    assert listed(client) == []
    assert stored_files(files_dir) == []
    assert client.get(photo["url"]).status_code == 404
    events = history(LT)
    assert [e["changes"][0]["field"] for e in events] == ["attachments", "attachments"]
    assert events[1]["changes"][0]["from"]["sha256"] == photo["sha256"]
    assert events[1]["changes"][0]["to"] is None
    # The page's timeline says it in words, never the recorded dictionary.
    html = editor.get(f"/clusters/{LT}").get_data(as_text=True)
    timeline = re.sub(r"\s+", " ", re.search(r'id="timeline".*?</ol>', html, re.S)[0])
    assert "Đã thêm ảnh: so-do.png" in timeline and "Đã gỡ ảnh: so-do.png" in timeline
    assert "sha256" not in timeline and photo["sha256"] not in timeline


def test_history_chain_verifies_after_attachments(app, accounts, runner, files_dir) -> None:
    editor = _client(app, "lt-editor")
    assert attach(editor, LT, png_bytes()).status_code == 302
    result = runner.invoke(args=["history", "verify"])
    assert result.exit_code == 0, result.output


def test_cluster_page_offers_camera_input_to_its_editors(app, accounts, client) -> None:
    page = _client(app, "lt-editor").get(f"/clusters/{LT}").get_data(as_text=True)
    assert re.search(
        r'<input type="file" name="file" accept="image/\*" capture="environment"', page
    )
    assert 'id="document-form"' in page
    assert 'id="photo-form"' not in _client(app, "bh-editor").get(f"/clusters/{LT}").get_data(
        as_text=True
    )
    assert 'id="photo-form"' not in client.get(f"/clusters/{LT}").get_data(as_text=True)


# --- the S3-compatible store ----------------------------------------------------------------
# Against moto's S3 server: a local HTTP service speaking the S3 protocol (MinIO, the usual
# choice, does not install on these machines). boto3 talks to it as to any S3 endpoint.


@pytest.fixture(scope="module")
def s3_endpoint():
    """A local S3-compatible server for this module; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, monkeypatch) -> S3Store:
    """An empty bucket of its own for this test."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    name = f"tep-{uuid.uuid4().hex}"
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=name)
    return S3Store(name, s3_endpoint)


def _objects(store: S3Store) -> dict[str, bytes]:
    listed = store.client.list_objects_v2(Bucket=store.bucket).get("Contents", [])
    return {
        o["Key"]: store.client.get_object(Bucket=store.bucket, Key=o["Key"])["Body"].read()
        for o in listed
    }


def test_s3_store_puts_gets_and_deletes_objects_under_checked_keys(bucket) -> None:
    key = "ab/0123456789abcdef.jpg"
    assert not bucket.exists(key)
    bucket.put(key, b"\xff\xd8 photo")
    assert bucket.exists(key) and bucket.get(key) == b"\xff\xd8 photo"
    assert _objects(bucket) == {key: b"\xff\xd8 photo"}
    bucket.delete(key)
    assert not bucket.exists(key) and _objects(bucket) == {}
    with pytest.raises(FileNotFoundError):
        bucket.get(key)
    bucket.delete(key)  # deleting what is gone is no error, as in the folder store
    for bad in ("../x.jpg", "ab/../../etc.jpg", "ab/name.svg", "/ab/0123456789abcdef.jpg"):
        with pytest.raises(ValueError):
            bucket.put(bad, b"x")


def test_configured_bucket_holds_attachments_end_to_end(
    app, accounts, client, bucket, database_url
) -> None:
    from app import create_app

    configured = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "GIS_AUTO_INIT": False,
            "GIS_FILES_S3_BUCKET": bucket.bucket,
            "GIS_FILES_S3_ENDPOINT": bucket.client.meta.endpoint_url,
        }
    )
    try:
        store = configured.extensions["files"]
        assert isinstance(store, S3Store) and store.bucket == bucket.bucket
    finally:
        configured.extensions["store"].dispose()
    app.extensions["files"] = bucket
    editor = _client(app, "lt-editor")
    assert attach(editor, LT, jpeg_with_exif(), "IMG_1.jpg").status_code == 302
    [photo] = listed(client)
    served = client.get(photo["url"]).data
    # The photo and its thumbnail are objects of the bucket; what is served is what is stored.
    stored = _objects(bucket)
    assert len(stored) == 2
    assert hashlib.sha256(served).hexdigest() == photo["sha256"]
    assert photo["sha256"] in {hashlib.sha256(v).hexdigest() for v in stored.values()}
    response = editor.post(
        f"/attachments/{photo['id']}/delete", data={"csrf_token": csrf_token(editor)}
    )
    assert response.status_code == 302
    assert _objects(bucket) == {} and client.get(photo["url"]).status_code == 404
