"""require_role(*roles) lets the named roles through and answers 403 to the others; a service refusing
another region answers 404 (OutOfScope: as if it did not exist)."""

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from fugong.access import Principal
from fugong.accounts.web import require_role
from tests.accounts.helpers import make_token, make_user


def test_only_the_named_roles_pass_and_another_region_is_not_found(engine, app):
    router = APIRouter()

    @router.get("/test/officers-only")
    def officers_only(principal: Principal = Depends(require_role("officer", "province_admin"))):
        principal.require_region("3301")  # a service rule refusing raises AccessDenied
        return {"ok": principal.user_id}

    app.include_router(router)
    make_user(engine, "hz", "officer", "3301", password=None)
    make_user(engine, "nb", "officer", "3302", password=None)
    make_user(engine, "gate", "gate_staff", "3301", password=None)
    with TestClient(app) as client:
        def get(user):
            return client.get("/test/officers-only", headers={"Authorization": f"Bearer {make_token(engine, user)}"})

        assert get("hz").json() == {"ok": "hz"}
        assert get("gate").status_code == 403
        refused = get("nb")
        assert refused.status_code == 404 and "3301" not in refused.text
        assert client.get("/test/officers-only").status_code == 401


def test_an_unknown_role_is_a_programming_error():
    with pytest.raises(ValueError):
        require_role("mayor")
    with pytest.raises(ValueError):
        require_role()
