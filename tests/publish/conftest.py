"""The publish tests use the control tests' small demo world (risk, index, health codes, control)."""

from tests.control.conftest import demo_world  # noqa: F401 - the session fixture, shared
