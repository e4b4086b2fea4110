"""ASGI factory for the gate browser test and the gate benchmark: the fugong app (accounts included),
tuned as `fugong serve` tunes it.

    python -m uvicorn tests.healthcode.gate_app:make --factory --port 8123
"""

from fugong.web.app import create_app, tune_for_serving


def make():
    app = create_app()
    tune_for_serving()
    return app
