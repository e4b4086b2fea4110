"""Accounts and region-scoped access: users, roles, passwords, API tokens, sessions, CSRF.

Services (``fugong.accounts.service``) are plain keyword-only functions over a SQLAlchemy session;
the web layer (``fugong.accounts.web``) turns a session cookie or a bearer token into a
``fugong.access.Principal`` and offers the dependencies every router uses::

    from fugong.accounts.web import current_principal, require_role

    @router.get("/risk/map.json")
    def risk_map(principal: Principal = Depends(current_principal)): ...
"""
