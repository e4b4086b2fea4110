"""Prints the hostile-input figures of the run (inputs, named errors, crashes, partial writes,
rejects lost) at the end of the test session."""


def pytest_terminal_summary(terminalreporter):
    from tests.hostile.harness import STATS, summary

    if STATS:
        terminalreporter.write_line(summary())
