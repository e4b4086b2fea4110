"""A test entity moving through tests/workflow/ticket.toml, in a table of its own (test metadata)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Boolean, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from fugong.workflow.machine import TransitionRefused, load_machine
from fugong.workflow.transitions import WorkflowState

MACHINE_FILE = Path(__file__).with_name("ticket.toml")


class TestBase(DeclarativeBase):
    pass


class Ticket(WorkflowState, TestBase):
    __tablename__ = "test_ticket"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)


def machine():
    return load_machine(MACHINE_FILE)


def not_frozen(ticket, principal, transition, at):
    if ticket.frozen:
        raise TransitionRefused("工单已冻结", "the ticket is frozen", code="frozen")


GUARDS = {"not_frozen": not_frozen}


def create_tables(engine) -> None:
    TestBase.metadata.create_all(engine)
