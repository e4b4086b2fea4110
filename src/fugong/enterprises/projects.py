"""Key projects and construction sites, with their resumption status as of any day.

A project's status changes are rows of ``ent_project_event`` effective on a day, so the daily report
can count "key projects resumed as of the end of day D" after the fact; ``Project.status`` is the
current status (the latest event), kept for lists.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, Principal
from fugong.enterprises.models import PROJECT_KINDS, PROJECT_STATUSES, Enterprise, Project, ProjectEvent
from fugong.enterprises.service import STAFF_ROLES, EnterpriseError, clean_fields, get_enterprise, region_with_vintage
from fugong.store.audit import record_change

PROJECT_ID = re.compile(r"^[0-9A-Za-z-]{1,40}$")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def add_project(session: Session, principal: Principal, *, project_id: str, kind: str, name: str, region_code: str,
                enterprise_id: str | None = None, address: str = "", latitude: float | None = None,
                longitude: float | None = None, listed_on: dt.date | None = None) -> Project:
    if principal.role not in STAFF_ROLES:
        raise AccessDenied(f"{principal.actor} may not register projects")
    if not PROJECT_ID.match(project_id or ""):
        raise EnterpriseError("project_id", f"{project_id!r}: 1–40 letters, digits or -")
    if kind not in PROJECT_KINDS:
        raise EnterpriseError("kind", f"{kind!r}: accepted values are {', '.join(PROJECT_KINDS)}")
    region_code, _ = region_with_vintage(region_code)
    principal.require_region(region_code)
    if enterprise_id is not None:
        get_enterprise(session, principal, enterprise_id)
    coords = clean_fields({"latitude": latitude, "longitude": longitude})
    if session.get(Project, project_id) is not None:
        raise ValueError(f"project {project_id} exists already")
    project = Project(project_id=project_id, kind=kind, name=name.strip() or project_id, region_code=region_code,
                      enterprise_id=enterprise_id, address=address, status="not_started", created_at=_now(),
                      listed_on=listed_on or dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date(), **coords)
    session.add(project)
    record_change(session, actor=principal.actor, action="project.add", entity="project", entity_id=project_id,
                  region_code=region_code, after={"kind": kind, "name": project.name, "enterprise": enterprise_id})
    session.flush()
    return project


def set_project_status(session: Session, principal: Principal, *, project_id: str, status: str,
                       effective_on: dt.date, reason: str = "") -> Project:
    """Record a status change effective on a day (a late report of yesterday's restart is fine)."""
    if principal.role not in STAFF_ROLES:
        raise AccessDenied(f"{principal.actor} may not change projects")
    if status not in PROJECT_STATUSES:
        raise EnterpriseError("status", f"{status!r}: accepted values are {', '.join(PROJECT_STATUSES)}")
    project = session.get(Project, project_id)
    if project is None or not principal.can_see_region(project.region_code):
        raise LookupError(f"no project {project_id}")
    before = {"status": project.status, "since": project.status_since}
    session.add(ProjectEvent(project_id=project_id, status=status, effective_on=effective_on, actor=principal.actor,
                             at=_now(), reason=reason))
    session.flush()
    latest = session.execute(select(ProjectEvent.status, ProjectEvent.effective_on)
                             .where(ProjectEvent.project_id == project_id)
                             .order_by(ProjectEvent.effective_on.desc(), ProjectEvent.id.desc()).limit(1)).one()
    project.status, project.status_since = latest
    record_change(session, actor=principal.actor, action="project.status", entity="project", entity_id=project_id,
                  region_code=project.region_code, before=before, after={"status": status, "effective_on": effective_on},
                  reason=reason or None)
    session.flush()
    return project


def list_projects(session: Session, principal: Principal, *, region_prefix: str = "") -> list[dict]:
    if principal.role not in STAFF_ROLES + ("enterprise", "service_officer"):
        raise AccessDenied(f"{principal.actor} may not list projects")
    stmt = select(Project)
    if principal.role in ("enterprise", "service_officer"):
        stmt = stmt.where(Project.enterprise_id.in_(sorted(principal.enterprise_ids)))
    else:
        stmt = stmt.where(Project.region_code.startswith(max(region_prefix, principal.region_prefix, key=len)))
    return [{"project_id": p.project_id, "kind": p.kind, "kind_zh": PROJECT_KINDS[p.kind][0], "name": p.name,
             "region_code": p.region_code, "enterprise_id": p.enterprise_id, "status": p.status,
             "status_zh": PROJECT_STATUSES[p.status][0], "status_since": p.status_since.isoformat() if p.status_since else None}
            for p in session.scalars(stmt.order_by(Project.project_id))]


def project_counts_as_of(session: Session, *, day: dt.date, region_prefix: str = "") -> dict[str, tuple[int, int]]:
    """{county code: (projects, resumed as of the end of ``day``)} for projects listed by then.

    A project's status on a day is its event with the latest ``effective_on`` not after the day (the
    last recorded among events of that day): a late report of an earlier restart counts from its day.
    """
    rank = func.row_number().over(partition_by=ProjectEvent.project_id,
                                  order_by=(ProjectEvent.effective_on.desc(), ProjectEvent.id.desc()))
    ranked = (select(ProjectEvent.project_id, ProjectEvent.status, rank.label("n"))
              .where(ProjectEvent.effective_on <= day).subquery())
    latest = select(ranked.c.project_id, ranked.c.status).where(ranked.c.n == 1).subquery()
    resumed = case((latest.c.status == "resumed", 1), else_=0)
    stmt = (select(Project.region_code, func.count(), func.sum(resumed))
            .select_from(Project)
            .outerjoin(latest, latest.c.project_id == Project.project_id)
            .where(Project.listed_on <= day, Project.region_code.startswith(region_prefix))
            .group_by(Project.region_code))
    return {code: (int(total), int(done or 0)) for code, total, done in session.execute(stmt)}


def enterprise_of(session: Session, project: Project) -> Enterprise | None:
    return session.get(Enterprise, project.enterprise_id) if project.enterprise_id else None
