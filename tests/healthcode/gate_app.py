"""ASGI factory for the gate browser test: the fugong app with accounts installed (until create_app does it).

    python -m uvicorn tests.healthcode.gate_app:make --factory --port 8123
"""

from fugong.accounts.web import install
from fugong.web.app import create_app


def make():
    app = create_app()
    if not any(getattr(route, "path", None) == "/login" for route in app.routes):
        install(app)
    return app
