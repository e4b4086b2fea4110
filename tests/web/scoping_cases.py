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
    for role, prefix, firms in (("officer", "3301", ()), ("enterprise", "330106", ("E1",)), ("gate_staff", "3301", ())):
        world.assert_refused(world.client.get("/accounts/users.json", headers=world.headers(role, prefix, firms)))


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
    for role in ("officer", "enterprise", "gate_staff"):
        firms = ["E1"] if role == "enterprise" else []
        world.assert_refused(world.client.post("/accounts/users/nb-officer/sessions/revoke",
                                               headers=world.headers(role, "3302", firms)))
    with world.session() as session:
        assert session.scalar(select(func.count()).select_from(UserSession)
                              .where(UserSession.revoked_at.is_(None))) == 1
