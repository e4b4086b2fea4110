"""ASGI factory for the gate browser test and the gate benchmark: the fugong app (accounts included).

    python -m uvicorn tests.healthcode.gate_app:make --factory --port 8123
"""

from fugong.web.app import create_app


def make():
    return create_app()
