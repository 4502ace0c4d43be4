"""People, not shared keys: sessions, CSRF, Origin, headers, key expiry and revocation, users,
grants across agencies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from features.export import Export
from serving.auth import issue_key, list_keys, revoke_key
from serving.cli import app as cli
from serving.tables import api_keys, audit_log, sessions, users
from tests.serving.conftest import form_token, sign_in
from tests.serving.two_agencies import AGENCY_B, PASSWORD, World, serve_two_agencies
from training.bundle import RankerBundle

SECURITY_HEADERS = (
    "content-security-policy",
    "x-frame-options",
    "referrer-policy",
    "x-content-type-options",
)


@pytest.fixture(scope="module")
def world(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from serve_two_agencies(small_export, ranker, tmp_path_factory.mktemp("people"))


def _signed_out(world: World) -> None:
    world.client.cookies.clear()
    world.client.headers.pop("x-csrf-token", None)


def test_the_cookie_holds_a_session_id_never_the_key(world: World) -> None:
    client, person = world.client, world.people["committee"]
    sign_in(client, person.key)
    session = client.cookies["ajf_session"]
    assert person.key not in session and "ajf_key" not in client.cookies
    with client.app.state.db.connect() as connection:  # type: ignore[attr-defined]
        stored = connection.execute(sa.select(sessions.c.session_hash)).scalars().all()
    assert session not in stored and len(stored[0]) == 64  # only its hash is kept


def test_sign_in_by_name_or_nip_and_password(world: World) -> None:
    client, person = world.client, world.people["ppk"]
    sign_in(client, user=person.nip, password=PASSWORD)
    assert "ppk" in client.get("/").text
    _signed_out(world)
    data = {"user": person.name, "password": "wrong", "csrf_token": form_token(world.client)}
    refused = client.post("/login", data=data, follow_redirects=False)
    assert refused.status_code == 401 and "ajf_session" not in client.cookies


def test_sign_out_revokes_the_session(world: World) -> None:
    client = world.client
    sign_in(client, user=world.people["committee"].name, password=PASSWORD)
    session = client.cookies["ajf_session"]
    assert client.get("/").text.count('action="/logout"') == 1
    out = client.post("/logout", follow_redirects=False)
    assert out.status_code == 303
    client.cookies.set("ajf_session", session)  # a copy kept by someone else
    page = client.get("/", follow_redirects=False)
    assert 'action="/logout"' not in page.text and 'id="password"' in page.text


def test_an_expired_session_is_refused(world: World) -> None:
    client = world.client
    sign_in(client, user=world.people["committee"].name, password=PASSWORD)
    with client.app.state.db.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(
            sessions.update().values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    missing = "00000000-0000-0000-0000-000000000000"
    response = client.get(f"/shortlists/{missing}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_forms_need_the_csrf_token(world: World) -> None:
    client, post = world.client, world.vacancy(world.agency_a)
    sign_in(client, user=world.people["committee"].name, password=PASSWORD)
    token = client.headers.pop("x-csrf-token")
    assert f'name="csrf_token" value="{token}"' in client.get("/").text  # on every form
    without = client.post("/shortlists", data={"position_id": post}, follow_redirects=False)
    assert without.status_code == 403
    wrong = client.post(
        "/shortlists", data={"position_id": post, "csrf_token": "0" * 64}, follow_redirects=False
    )
    assert wrong.status_code == 403
    made = client.post(
        "/shortlists", data={"position_id": post, "csrf_token": token}, follow_redirects=False
    )
    assert made.status_code == 303


def test_sign_in_needs_a_token_bound_to_the_pre_session_cookie(world: World) -> None:
    """Login CSRF: another site cannot sign a browser in as its own user."""
    client, person = world.client, world.people["committee"]
    _signed_out(world)
    attacker_token = form_token(client)  # the attacker's own pre-session token
    _signed_out(world)
    form_token(client)  # the victim's browser has its own pre-session cookie
    data = {"key": person.key, "csrf_token": attacker_token}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 403
    _signed_out(world)
    assert client.post("/login", data={"key": person.key}).status_code == 403


def test_a_cross_origin_post_is_refused(world: World) -> None:
    client, person = world.client, world.people["committee"]
    sign_in(client, person.key)
    post = world.vacancy(world.agency_a)
    for header in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"}):
        page = client.post("/shortlists", data={"position_id": post}, headers=header)
        assert page.status_code == 403
        api = client.post("/v1/shortlists", json={"position_id": post}, headers=header)
        assert api.status_code == 403
    same = client.post(
        "/shortlists",
        data={"position_id": post},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert same.status_code == 303


@pytest.mark.parametrize("path", ["/", "/health", "/v1/positions", "/nowhere", "/static/x"])
def test_security_headers_on_every_response(world: World, path: str) -> None:
    response = world.client.get(path, headers=world.people["auditor"].header)
    assert all(name in response.headers for name in SECURITY_HEADERS)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_cookie_is_secure_over_https(world: World) -> None:
    client, person = world.client, world.people["committee"]
    _signed_out(world)
    token = form_token(client)
    response = client.post(
        "https://testserver/login",
        data={"key": person.key, "csrf_token": token},
        headers={"Origin": "https://testserver"},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"]
    assert response.status_code == 303 and "ajf_session=" in cookie and "Secure" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_keys_expire_and_can_be_revoked(world: World) -> None:
    client, db = world.client, world.client.app.state.db  # type: ignore[attr-defined]
    with db.connect() as connection:
        user_id = connection.execute(
            sa.select(users.c.user_id).where(users.c.name == "committee A")
        ).scalar_one()
    key_id, key = issue_key(db, user_id, days=1)
    header = {"Authorization": f"Bearer {key}"}
    assert client.get("/v1/positions", headers=header).status_code == 200
    with db.begin() as connection:
        connection.execute(
            api_keys.update()
            .where(api_keys.c.key_id == key_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert client.get("/v1/positions", headers=header).status_code == 401
    other_id, other = issue_key(db, user_id)
    revoke_key(db, other_id)
    assert (
        client.get("/v1/positions", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    )
    listed = {row["key_id"]: row for row in list_keys(db)}
    assert listed[other_id]["revoked"] and listed[key_id]["name"] == "committee A"
    assert key not in str(listed) and other not in str(listed)


def test_make_user_and_api_key_refuse_an_unknown_agency(
    small_export_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("ASN_JOBFIT_PASSWORD", raising=False)
    runner, data = CliRunner(), ["--data-dir", str(small_export_dir)]
    base = ["user", "--role", "committee", "--name", "Siti", "--nip", "1" * 18, *data]
    refused = runner.invoke(cli, [*base, "--agency", "NO-SUCH-AGENCY"])
    assert refused.exit_code == 2 and "not in the export" in refused.output
    key = runner.invoke(cli, ["api-key", "--role", "committee", "--agency", "NOPE", *data])
    assert key.exit_code == 2 and "not in the export" in key.output
    made = runner.invoke(cli, [*base, "--agency", "PEMKOT-PLG"])
    assert made.exit_code == 0 and "one-time password" in made.output
    revoke = runner.invoke(cli, ["revoke-key", "--key-id", "000000000000"])
    assert revoke.exit_code == 2


def test_a_grant_opens_another_agencys_pool_for_its_time(world: World) -> None:
    """PP 11/2017 Pasal 190(1)-(2): B's admin opens B's pool to A; audited; revocable."""
    client, a, post = world.client, world.people["committee"].header, world.vacancy(world.agency_a)
    across = {"position_id": post, "k": 3, "filters": {"agency_id": AGENCY_B}}
    fit = f"/v1/candidates/{world.staff(AGENCY_B)}/fit?position_id={post}"
    assert client.post("/v1/shortlists", json=across, headers=a).status_code == 404
    body = {"from_agency": AGENCY_B, "to_agency": world.agency_a, "reason": "mutasi antar instansi"}
    assert (
        client.post("/v1/grants", json=body, headers=world.people["admin"].header).status_code
        == 404
    )
    assert client.post("/v1/grants", json=body, headers=a).status_code == 403
    made = client.post("/v1/grants", json=body, headers=world.people["admin_b"].header)
    assert made.status_code == 201, made.text
    grant = made.json()
    opened = client.post("/v1/shortlists", json=across, headers=a)
    assert opened.status_code == 201 and opened.json()["candidates"]
    assert client.get(fit, headers=a).status_code == 200
    with client.app.state.db.connect() as connection:  # type: ignore[attr-defined]
        actions = connection.execute(sa.select(audit_log.c.action)).scalars().all()
    assert "grant.create" in actions
    revoked = client.delete(
        f"/v1/grants/{grant['grant_id']}", headers=world.people["admin_b"].header
    )
    assert revoked.status_code == 204
    assert client.post("/v1/shortlists", json=across, headers=a).status_code == 404
    assert client.get(fit, headers=a).status_code == 404
