"""Transactional storage: SQLAlchemy 2 models, sessions, Alembic migrations, the audit log.

Import what you need from its module (``fugong.store.db``, ``fugong.store.audit``, ``fugong.store.base``):
this package imports nothing itself, so that a command which never opens the database (``fugong index
run``, ``fugong --help``) does not load SQLAlchemy and Alembic (0.4–0.7 s of start-up).
"""
