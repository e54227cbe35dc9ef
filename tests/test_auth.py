"""Accounts and sessions: login, throttling, ending sessions, cookies, admin page, CLI."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select, update

from app import create_app
from gis.core import users
from gis.store.models import LoginThrottle, User
from tests.conftest import PASSWORD, csrf_token, login

LT = "ccn-long-phuoc-1"


def _logged_in_as(client) -> str | None:
    match = re.search(r'class="who"[^>]*>([^<]+)<', client.get("/").get_data(as_text=True))
    return match[1] if match else None


def test_login_logout_round_trip(client, accounts) -> None:
    assert _logged_in_as(client) is None
    response = login(client, "lt-editor")
    assert response.status_code == 302
    assert _logged_in_as(client) == "lt-editor"
    token = csrf_token(client, "/")
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert _logged_in_as(client) is None


def test_login_without_csrf_token_is_refused(client, accounts) -> None:
    response = client.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400
    assert _logged_in_as(client) is None


def test_wrong_username_and_wrong_password_get_the_same_message(client, accounts) -> None:
    alerts = []
    for username in ("lt-editor", "nobody"):
        response = login(client, username, "wrong password!")
        assert response.status_code == 401
        alerts.append(re.findall(r'role="alert">([^<]+)<', response.get_data(as_text=True)))
    assert alerts[0] == alerts[1] == ["Tên đăng nhập hoặc mật khẩu không đúng."]


def test_session_cookie_is_httponly_and_samesite_lax(client, accounts) -> None:
    cookie = login(client, "admin").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development: plain http on localhost


def test_session_cookie_is_secure_in_production(database_url: str) -> None:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "GIS_ENV": "production",
            "SECRET_KEY": "a-real-secret-for-this-test",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["store"].dispose()


def test_production_refuses_the_development_secret(database_url: str) -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": database_url, "GIS_ENV": "production"})


def _from(app, address: str):
    """A test client whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _age_failures(store, seconds: float) -> None:
    """Let ``seconds`` pass for the throttle (its counts remember Unix times)."""
    with store.write(revision=False) as session:
        session.execute(
            update(LoginThrottle).values(last_failure=LoginThrottle.last_failure - seconds)
        )


def test_failed_logins_slow_down_with_a_growing_delay(app, store, accounts) -> None:
    attacker = _from(app, "198.51.100.7")
    for _ in range(users.FREE_FAILURES_PER_PAIR):
        assert login(attacker, "lt-editor", "wrong password!").status_code == 401
    waits = []
    for _ in range(4):
        refused = login(attacker, "lt-editor", "wrong password!")
        assert refused.status_code == 429
        wait = int(refused.headers["Retry-After"])
        assert wait >= 1 and f"{wait}" in refused.get_data(as_text=True)
        waits.append(wait)
        _age_failures(store, wait)  # the wait is over: the next guess is checked and counted
        assert login(attacker, "lt-editor", "wrong password!").status_code == 401
    assert waits == sorted(waits) and waits[-1] >= 4 * waits[0]  # it grows
    assert login(attacker, "lt-editor").status_code == 429  # not even the right password here


def test_the_real_user_elsewhere_is_never_locked_out(app, accounts) -> None:
    attacker = _from(app, "198.51.100.7")
    for _ in range(users.FREE_FAILURES_PER_PAIR + 5):
        login(attacker, "admin", "wrong password!")
    assert login(attacker, "admin").status_code == 429
    assert login(_from(app, "192.0.2.10"), "admin").status_code == 302  # from the office


def test_one_address_trying_many_accounts_is_slowed(app, accounts) -> None:
    sprayer = _from(app, "198.51.100.8")
    for i in range(users.FREE_FAILURES_PER_ADDRESS):
        assert login(sprayer, f"guess-{i}", "wrong password!").status_code == 401
    refused = login(sprayer, "viewer")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert login(_from(app, "192.0.2.10"), "viewer").status_code == 302


def test_a_successful_login_clears_its_failures(app, store, accounts) -> None:
    user = _from(app, "192.0.2.11")
    for _ in range(users.FREE_FAILURES_PER_PAIR - 1):
        assert login(user, "viewer", "wrong password!").status_code == 401
    assert login(user, "viewer").status_code == 302
    with store.session() as session:
        assert users.failure_count(session, "pair:viewer 192.0.2.11") == 0


def test_throttle_counts_are_shared_by_every_app_process(app, database_url, accounts) -> None:
    other_worker = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret"}
    )
    for _ in range(users.FREE_FAILURES_PER_PAIR):
        login(app.test_client(), "viewer", "wrong password!")
    assert login(other_worker.test_client(), "viewer").status_code == 429
    other_worker.extensions["store"].dispose()


def test_parallel_failures_are_each_counted_exactly_once(store) -> None:
    """16 threads record 25 failures each at once: the stored counts are exactly 400."""
    threads_n, each = 16, 25
    start = threading.Barrier(threads_n)

    def fail() -> None:
        start.wait()
        for _ in range(each):
            with store.write(revision=False) as session:
                users.record_failure(session, store.sql, "admin", "198.51.100.9")

    threads = [threading.Thread(target=fail) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.session() as session:
        assert users.failure_count(session, "pair:admin 198.51.100.9") == threads_n * each
        assert users.failure_count(session, "addr:198.51.100.9") == threads_n * each


def test_parallel_wrong_logins_over_http_are_all_counted(app, store, accounts) -> None:
    """Every refused password (401) is in the count, whatever the interleaving."""
    statuses: list[int] = []
    start = threading.Barrier(8)

    def guess() -> None:
        client = _from(app, "198.51.100.10")
        token = csrf_token(client)
        start.wait()
        data = {"username": "admin", "password": "wrong password!", "csrf_token": token}
        statuses.append(client.post("/auth/login", data=data).status_code)

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) <= {401, 429}
    with store.session() as session:
        assert users.failure_count(session, "pair:admin 198.51.100.10") == statuses.count(401)


def test_logins_leave_the_store_revision_and_caches_alone(app, store, accounts) -> None:
    reader = app.test_client()
    first = reader.get("/api/clusters")
    etag = first.headers["ETag"]
    before = store.revision()
    assert login(app.test_client(), "admin", "wrong password!").status_code == 401
    assert login(app.test_client(), "admin").status_code == 302
    for _ in range(users.FREE_FAILURES_PER_PAIR + 1):
        login(app.test_client(), "viewer", "wrong password!")  # the last one refused (429)
    assert store.revision() == before
    again = reader.get("/api/clusters", headers={"If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize("how", ["logout", "disable", "password"])
def test_ending_sessions_kills_copied_cookies(app, api_as, how: str) -> None:
    editor = api_as("lt-editor")
    thief = app.test_client()
    cookie = editor.client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    assert _logged_in_as(thief) == "lt-editor"
    if how == "logout":
        editor.client.post("/auth/logout", data={"csrf_token": editor.token})
    else:
        admin = api_as("admin")
        with app.extensions["store"].session() as session:
            user_id = session.scalar(select(User.id).where(User.username == "lt-editor"))
        url, data = {
            "disable": (f"/admin/users/{user_id}/active", {"active": "0"}),
            "password": (f"/admin/users/{user_id}/password", {"password": "another long password"}),
        }[how]
        assert admin.client.post(url, data={**data, "csrf_token": admin.token}).status_code == 302
    assert _logged_in_as(thief) is None
    response = thief.patch(
        f"/api/clusters/{LT}",
        json={"stage": "building"},
        headers={"If-Match": '"x"', "X-CSRFToken": editor.token},
    )
    assert response.status_code == 401


def test_passwords_are_stored_with_a_slow_hash(slow_password_hash, store, accounts) -> None:
    with store.session() as session:
        hashes = list(session.scalars(select(User.password_hash)))
    assert hashes and all(h.startswith("scrypt:") for h in hashes)
    assert all(PASSWORD not in h for h in hashes)


def test_next_parameter_cannot_leave_the_site(client, accounts) -> None:
    response = client.post(
        "/auth/login?next=//evil.example/x",
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == "/"


def test_admin_page_lists_and_creates_users(api_as, app) -> None:
    admin = api_as("admin")
    page = admin.client.get("/admin/users").get_data(as_text=True)
    assert all(f'data-user="{name}"' in page for name in ("admin", "lt-editor", "viewer"))
    bad = admin.client.post(
        "/admin/users",
        data={"username": "x", "password": "short", "role": "editor", "csrf_token": admin.token},
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'data-field="username"' in html and 'data-field="password"' in html
    good = admin.client.post(
        "/admin/users",
        data={
            "username": "Nt-Editor",
            "password": "a long password",
            "role": "editor",
            "district": "742",
            "csrf_token": admin.token,
        },
    )
    assert good.status_code == 302
    assert login(app.test_client(), "nt-editor", "a long password").status_code == 302


@pytest.mark.parametrize("who", ["lt-editor", "viewer"])
def test_admin_page_is_for_admins_only(api_as, client, who: str) -> None:
    assert api_as(who).client.get("/admin/users").status_code == 403
    assert client.get("/admin/users").status_code == 302  # anonymous: to the login form


def test_cli_creates_users_from_stdin_and_rejects_bad_input(runner, app) -> None:
    result = runner.invoke(
        args=[
            "users",
            "create",
            "vc-editor",
            "--role",
            "editor",
            "--district",
            "735",
            "--password-stdin",
        ],
        input="a long password\n",
    )
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), "vc-editor", "a long password").status_code == 302
    result = runner.invoke(
        args=["users", "create", "x2", "--role", "editor", "--password-stdin"], input="short\n"
    )
    assert result.exit_code == 1
    assert "password:" in result.output and "district:" in result.output
    assert runner.invoke(args=["users", "create", "y", "--role", "king"]).exit_code == 2
