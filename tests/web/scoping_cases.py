"""Scoping declarations of the system routes (web/app.py) and of accounts (fugong.accounts.web)."""

from tests.web.scoping import World, refusal_case



@refusal_case("GET", "/accounts/users.json")
def an_admin_sees_only_users_inside_the_admins_prefix(world: World):
    world.headers("officer", "330201", username="nb-officer")
    world.headers("enterprise", "330201", enterprise_ids=["E-NINGBO-1"], username="nb-firm")
    world.headers("officer", "330106", username="hz-officer")
    hangzhou_admin = world.headers("province_admin", "3301", username="hz-admin")
    response = world.client.get("/accounts/users.json", headers=hangzhou_admin)
    assert response.status_code == 200
    body = response.json()
    assert {u["username"] for u in body["users"]} == {"hz-officer", "hz-admin"}
    assert body["count"] == 2
    world.assert_not_leaked(response, "nb-officer", "nb-firm", "E-NINGBO-1", "330201")


@refusal_case("GET", "/accounts/users.json")
def officers_enterprises_and_gate_staff_may_not_list_users(world: World):
    world.assert_refused_for("GET", "/accounts/users.json", (("officer", "3301", ()), ("enterprise", "330106", ("E1",)),
                                                 ("gate_staff", "3301", ())))


@refusal_case("POST", "/accounts/users/{username}/sessions/revoke")
def an_admin_cannot_sign_out_a_user_of_another_region(world: World):
    from fugong.accounts import service
    from fugong.accounts.models import UserSession
    from sqlalchemy import func, select

    world.headers("officer", "330201", username="nb-officer")
    with world.session() as session:
        service.start_session(session, user=service.get_user(session, username="nb-officer"),
                              lifetime=__import__("datetime").timedelta(hours=1))
    hangzhou_admin = world.headers("province_admin", "3301", username="hz-admin")
    response = world.client.post("/accounts/users/nb-officer/sessions/revoke", headers=hangzhou_admin)
    world.assert_refused(response)
    world.assert_not_leaked(response, "330201")
    world.assert_refused_for("POST", "/accounts/users/nb-officer/sessions/revoke",
                             (("officer", "3302", ()), ("enterprise", "3302", ("E1",)), ("gate_staff", "3302", ())))
    with world.session() as session:
        assert session.scalar(select(func.count()).select_from(UserSession)
                              .where(UserSession.revoked_at.is_(None))) == 1


def _users_world(world: World) -> dict:
    world.headers("officer", "330201", username="nb-officer")
    world.headers("enterprise", "330201", enterprise_ids=["E-NINGBO-1"], username="nb-firm")
    world.headers("officer", "330106", username="hz-officer")
    return world.headers("province_admin", "3301", username="hz-admin")


@refusal_case("GET", "/accounts/users")
def the_users_page_lists_only_users_inside_the_admins_prefix(world: World):
    hangzhou_admin = {**_users_world(world), "Accept": "text/html"}
    response = world.client.get("/accounts/users", headers=hangzhou_admin)
    assert response.status_code == 200 and "hz-officer" in response.text
    world.assert_not_leaked(response, "nb-officer", "nb-firm", "E-NINGBO-1", "330201")
    world.assert_refused_for("GET", "/accounts/users", (("officer", "3301", ()), ("enterprise", "330106", ("E1",)),
                                                 ("gate_staff", "3301", ())))


def _ningbo_user_unchanged(world: World) -> None:
    from fugong.accounts.service import get_user

    with world.session() as session:
        user = get_user(session, username="nb-officer")
        assert (user.disabled, user.region_prefix) == (False, "330201")


@refusal_case("POST", "/accounts/users")
def an_admin_may_not_create_a_user_outside_the_admins_prefix(world: World):
    from fugong.accounts.service import get_user

    admin = _users_world(world)
    refused = world.client.post("/accounts/users", headers=admin, data={
        "username": "nb-new", "role": "officer", "region_prefix": "3302", "password": "correct horse battery"})
    world.assert_refused(refused)
    officer = world.headers("officer", "3301")
    world.assert_refused(world.client.post("/accounts/users", headers=officer, data={
        "username": "x-new", "role": "officer", "region_prefix": "3301", "password": "correct horse battery"}))
    with world.session() as session:
        assert get_user(session, username="nb-new") is None and get_user(session, username="x-new") is None
    created = world.client.post("/accounts/users", headers=admin, data={
        "username": "hz-new", "role": "officer", "region_prefix": "330106", "password": ""})
    assert created.status_code == 200 and len(created.json()["password"]) >= 12


@refusal_case("POST", "/accounts/users/{username}/disable")
def an_admin_may_not_disable_a_user_of_another_region(world: World):
    admin = _users_world(world)
    world.assert_refused(world.client.post("/accounts/users/nb-officer/disable", headers=admin))
    world.assert_refused(world.client.post("/accounts/users/hz-officer/disable",
                                           headers=world.headers("officer", "3301")))
    _ningbo_user_unchanged(world)
    assert world.client.post("/accounts/users/hz-officer/disable", headers=admin).status_code == 200


@refusal_case("POST", "/accounts/users/{username}/enable")
def an_admin_may_not_enable_a_user_of_another_region(world: World):
    admin = _users_world(world)
    world.assert_refused(world.client.post("/accounts/users/nb-officer/enable", headers=admin))
    world.assert_refused(world.client.post("/accounts/users/hz-officer/enable", headers=world.headers("gate_staff", "3301")))
    _ningbo_user_unchanged(world)


@refusal_case("POST", "/accounts/users/{username}/password")
def an_admin_may_not_reset_the_password_of_a_user_of_another_region(world: World):
    admin = _users_world(world)
    world.assert_refused(world.client.post("/accounts/users/nb-officer/password", headers=admin))
    world.assert_refused(world.client.post("/accounts/users/hz-officer/password", headers=world.headers("officer", "3301")))
    reset = world.client.post("/accounts/users/hz-officer/password", headers=admin)
    assert reset.status_code == 200 and reset.json()["password"]


@refusal_case("POST", "/accounts/users/{username}/scope")
def an_admin_may_not_move_a_user_into_or_out_of_another_region(world: World):
    from fugong.accounts.service import get_user

    admin = _users_world(world)
    world.assert_refused(world.client.post("/accounts/users/nb-officer/scope", headers=admin,
                                           data={"region_prefix": "3301"}))
    moved = world.client.post("/accounts/users/hz-officer/scope", headers=admin, data={"region_prefix": "3302"})
    assert moved.status_code in (400, 403, 404)
    _ningbo_user_unchanged(world)
    with world.session() as session:
        assert get_user(session, username="hz-officer").region_prefix == "330106"
