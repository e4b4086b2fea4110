"""Admins manage users only inside their region prefix: an admin of "33" sees only 33…"""

import pytest

from fugong.access import SYSTEM, AccessDenied, Principal
from fugong.accounts import service
from tests.accounts.helpers import make_token, make_user

USERS = [("root", "province_admin", ""), ("zj-admin", "province_admin", "33"), ("hz", "officer", "3301"),
         ("xh", "officer", "330106"), ("nb", "officer", "3302"), ("js", "officer", "32")]


@pytest.fixture
def populated(session):
    for username, role, prefix in USERS:
        service.add_user(session, actor=SYSTEM, username=username, role=role, region_prefix=prefix)
    return session


def _names(session, actor):
    return {u.username for u in service.list_users(session, actor=actor)}


def test_an_admin_of_a_province_sees_only_that_provinces_users(populated):
    admin = Principal(user_id="zj-admin", role="province_admin", region_prefix="33")
    assert _names(populated, admin) == {u for u, _, p in USERS if p.startswith("33")}


def test_an_admin_of_a_city_sees_the_city_and_its_counties_only(populated):
    admin = Principal(user_id="hz-admin", role="province_admin", region_prefix="3301")
    assert _names(populated, admin) == {"hz", "xh"}


def test_the_root_admin_and_the_cli_see_everyone(populated):
    everyone = {u for u, _, _ in USERS}
    assert _names(populated, SYSTEM) == everyone
    assert _names(populated, Principal(user_id="root", role="province_admin")) == everyone


def test_an_officer_may_not_list_users(populated):
    with pytest.raises(AccessDenied):
        service.list_users(populated, actor=Principal(user_id="hz", role="officer", region_prefix="3301"))


def test_an_admin_cannot_create_or_disable_users_outside_the_prefix(populated):
    admin = Principal(user_id="hz-admin", role="province_admin", region_prefix="3301")
    with pytest.raises(AccessDenied):
        service.add_user(populated, actor=admin, username="nb2", role="officer", region_prefix="3302")
    with pytest.raises(AccessDenied):
        service.add_user(populated, actor=admin, username="boss", role="province_admin", region_prefix="")
    with pytest.raises(AccessDenied):
        service.disable_user(populated, actor=admin, username="nb")
    assert not service.get_user(populated, username="nb").disabled
    assert service.add_user(populated, actor=admin, username="xh2", role="officer", region_prefix="330106").id


def test_the_users_json_route_is_scoped_the_same_way(engine, client):
    for username, role, prefix in USERS:
        make_user(engine, username, role, prefix, password=None)
    token = make_token(engine, "zj-admin")
    body = client.get("/accounts/users.json", headers={"Authorization": f"Bearer {token}"}).json()
    assert {u["username"] for u in body["users"]} == {"zj-admin", "hz", "xh", "nb"}
    assert body["count"] == 4
    officer = make_token(engine, "hz")
    assert client.get("/accounts/users.json", headers={"Authorization": f"Bearer {officer}"}).status_code == 403
