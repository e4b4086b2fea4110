"""The shared pattern of the service workflows (filings, demands, passes, payments …).

    machine      a state machine as data (TOML): state × action × role → next state
    transitions  apply an action: checked, race-safe, one wf_transition row + an audit entry
    outbox       notifications: in-app always, e-mail / webhook through a retried worker
    jobs         jobs with due times and idempotency keys; recurring daily rules
    scheduler    one lease holder runs jobs and the outbox (inside fugong serve, or fugong jobs run)
    reports      daily reports frozen in versions

docs/workflow.md explains how to build a new workflow on it.
"""
