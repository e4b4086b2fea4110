"""ASGI entry point for uvicorn and other servers: ``uvicorn fugong.web.asgi:app``."""

from fugong.web.app import create_app, tune_for_serving

app = create_app(run_scheduler=True)  # one worker at a time holds the scheduler (fugong.workflow)
tune_for_serving()
