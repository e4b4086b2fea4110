"""Scoping declarations of the system routes (web/app.py) and of accounts (fugong.accounts.web)."""

from tests.web.scoping import World, exempt, refusal_case

PUBLIC = {"public": True}
exempt("GET", "/healthz", "liveness and schema revision for monitors; no regional data", **PUBLIC)
exempt("GET", "/", "home page: version, engine, schema revision, as-of date; no regional data "
       "(when it becomes the overview, replace this by refusal cases)", **PUBLIC)
exempt("GET", "/index.json", "JSON twin of the home page: system status only (see /)", **PUBLIC)
exempt("*", "/static", "vendored JavaScript, CSS and map assets; no data", **PUBLIC)
exempt("GET", "/openapi.json", "the API description; no data", **PUBLIC)
exempt("GET", "/api/docs", "the interactive API description page; no data", **PUBLIC)
exempt("GET", "/docs/oauth2-redirect", "part of the API description page; no data", **PUBLIC)
exempt("GET", "/login", "the login form itself", **PUBLIC)
exempt("POST", "/login", "checks a password; the same answer for every failure, rate-limited", **PUBLIC)
exempt("POST", "/logout", "ends the caller's own session (CSRF-protected)", **PUBLIC)
exempt("GET", "/me.json", "the caller's own role, prefix and enterprises; nobody else's")


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
