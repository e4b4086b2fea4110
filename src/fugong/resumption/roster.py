"""Staff rosters: employees linked to health-code people, posts, safety-critical certificates, status.

An enterprise keeps its own roster (its users, or officers of its region); each row is keyed by the
enterprise's staff number. The ID number, when given, is only used to link the employee to the
health-code person (same keyed hash as ``fugong.healthcode.people.hash_id``) and to show a masked
form; it is never stored, logged or written to a rejects file.

Spreadsheet columns (CSV or XLSX, Chinese or English headers)::

    employee_no 工号 · name 姓名 · id_number 身份证号 · post 岗位 · safety_critical 关键岗位 ·
    certificate 证书类型 (安全管理负责人 / 特种作业人员) · status 状态 (在岗 远程办公 未返岗 隔离中 患病 离职)
    · origin_region 来源地区划代码 · planned_return 计划返岗日期

Status changes are events effective on a day, so counts "as of the end of day D" are exact after the
fact. A change that can uncover a safety-critical post runs the re-assessment check at once
(fugong.resumption.safety).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, Principal
from fugong.enterprises.service import get_enterprise
from fugong.errors import shorten
from fugong.resumption.models import CERTIFICATES, STATUSES, Employee, EmployeeEvent
from fugong.store.audit import record_change
from fugong.tabular import ImportResult, read_rows, write_rejects

ALIASES = {"工号": "employee_no", "员工编号": "employee_no", "姓名": "name", "身份证号": "id_number",
           "身份证号码": "id_number", "岗位": "post", "关键岗位": "safety_critical", "证书类型": "certificate",
           "状态": "status", "来源地": "origin_region", "来源地区划代码": "origin_region", "计划返岗日期": "planned_return"}
STATUS_BY_ZH = {zh: key for key, (zh, _) in STATUSES.items()}
CERTIFICATE_BY_ZH = {zh: key for key, (zh, _) in CERTIFICATES.items()}
WRITERS = ("enterprise", "officer", "province_admin", "system")


class RosterError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _require_writer(session: Session, principal: Principal, enterprise_id: str):
    if principal.role not in WRITERS:
        raise AccessDenied(f"{principal.actor} may not change rosters")
    return get_enterprise(session, principal, enterprise_id)


def _clean(row: dict) -> dict:
    """Validated employee fields from a form or spreadsheet row (RosterError names the field)."""
    from fugong.reference import regions

    out: dict = {}
    number = str(row.get("employee_no") or "").strip()
    if not number or len(number) > 40:
        raise RosterError("employee_no", "a staff number of 1–40 characters is required 工号必填")
    out["employee_no"] = number
    name = str(row.get("name") or "").strip()
    if not name or len(name) > 80:
        raise RosterError("name", "a name is required 姓名必填")
    out["name"] = name
    out["post"] = str(row.get("post") or "").strip()[:80]
    for key in ("employee_no", "name", "post"):  # an ID number is never stored in clear (SECURITY.md)
        if ID_LIKE.search(out[key]):
            raise RosterError(key, "holds an ID number; the ID number goes in id_number only 不得填写身份证号")
    status = str(row.get("status") or "on_site").strip()
    status = STATUS_BY_ZH.get(status, status)
    if status not in STATUSES:
        raise RosterError("status", f"{row.get('status')!r}: accepted values are {', '.join(STATUSES)} "
                                    f"({'/'.join(z for z, _ in STATUSES.values())})")
    out["status"] = status
    certificate = str(row.get("certificate") or "").strip() or None
    certificate = CERTIFICATE_BY_ZH.get(certificate, certificate) if certificate else None
    if certificate is not None and certificate not in CERTIFICATES:
        raise RosterError("certificate", f"{row.get('certificate')!r}: accepted values are {', '.join(CERTIFICATES)} "
                                         "(安全管理负责人/特种作业人员)")
    out["certificate"] = certificate
    critical = row.get("safety_critical")
    if isinstance(critical, str):
        text = critical.strip().lower()
        if text in ("", "0", "false", "no", "否"):
            critical = False
        elif text in ("1", "true", "yes", "是", "√"):
            critical = True
        else:
            raise RosterError("safety_critical", f"{critical!r} is not yes/no (是/否)")
    out["safety_critical"] = bool(critical) or certificate is not None
    origin = str(row.get("origin_region") or "").strip() or None
    if origin is not None and (not re.fullmatch(r"[0-9]{6}", origin) or regions.find_in_any_vintage(origin) is None):
        raise RosterError("origin_region", f"unknown region code {shorten(origin)} (six digits, GB/T 2260)")
    out["origin_region"] = origin
    planned = row.get("planned_return")
    if isinstance(planned, str):
        planned = planned.strip() or None
        if planned:
            try:
                planned = dt.date.fromisoformat(planned.replace("/", "-"))
            except ValueError:
                raise RosterError("planned_return", f"{row.get('planned_return')!r} is not a date YYYY-MM-DD") from None
    out["planned_return"] = planned
    return out


def _identity(id_number: str | None) -> tuple[str | None, str | None]:
    """(keyed hash, masked form) of an ID number, (None, None) without one; RosterError if invalid."""
    if not id_number:
        return None, None
    from fugong.healthcode.people import InvalidIdentity, hash_id, mask_id, normalise_id

    try:
        return hash_id(id_number), mask_id(normalise_id(id_number))
    except InvalidIdentity as exc:
        raise RosterError("id_number", str(exc)) from None


def _person_for(session: Session, id_hash: str | None) -> str | None:
    if id_hash is None:
        return None
    from fugong.healthcode.models import Person

    return session.scalar(select(Person.id).where(Person.id_hash == id_hash))


def _event(session: Session, employee: Employee, *, status: str, effective_on: dt.date, actor: str) -> None:
    session.add(EmployeeEvent(employee_id=employee.id, enterprise_id=employee.enterprise_id, status=status,
                              effective_on=effective_on, actor=actor, at=_now()))


def upsert_employee(session: Session, principal: Principal, *, enterprise_id: str, effective_on: dt.date,
                    id_number: str | None = None, check_safety: bool = True, **fields) -> tuple[Employee, str]:
    """Add or update one employee by staff number; returns (employee, "created" | "updated" | "unchanged")."""
    enterprise = _require_writer(session, principal, enterprise_id)
    values = _clean(fields)
    id_hash, id_masked = _identity(id_number)
    employee = session.scalar(select(Employee).where(Employee.enterprise_id == enterprise_id,
                                                     Employee.employee_no == values["employee_no"]))
    if employee is None:
        employee = Employee(enterprise_id=enterprise_id, status_since=effective_on, updated_at=_now(),
                            id_hash=id_hash, id_masked=id_masked, person_id=_person_for(session, id_hash), **values)
        session.add(employee)
        session.flush()
        _event(session, employee, status=employee.status, effective_on=effective_on, actor=principal.actor)
        record_change(session, actor=principal.actor, action="roster.add", entity="rs_employee",
                      entity_id=str(employee.id), region_code=enterprise.region_code,
                      after={"enterprise": enterprise_id, "employee_no": employee.employee_no, "post": employee.post,
                             "certificate": employee.certificate, "status": employee.status})
        outcome = "created"
    else:
        before = {k: getattr(employee, k) for k in values}
        changed = {k: v for k, v in values.items() if before[k] != v}
        if id_hash is not None and id_hash != employee.id_hash:
            employee.id_hash, employee.id_masked = id_hash, id_masked
            employee.person_id = _person_for(session, id_hash)
            changed["id_masked"] = id_masked
        if not changed:
            return employee, "unchanged"
        for key, value in changed.items():
            setattr(employee, key, value)
        if "status" in changed:
            employee.status_since = effective_on
            _event(session, employee, status=employee.status, effective_on=effective_on, actor=principal.actor)
        employee.updated_at = _now()
        record_change(session, actor=principal.actor, action="roster.update", entity="rs_employee",
                      entity_id=str(employee.id), region_code=enterprise.region_code,
                      before={k: before.get(k) for k in changed if k != "name" and k != "id_masked"},
                      after={k: v for k, v in changed.items() if k != "name"})
        outcome = "updated"
    session.flush()
    if check_safety:
        from fugong.resumption.safety import check_enterprise

        check_enterprise(session, enterprise_id=enterprise_id, day=effective_on)
    return employee, outcome


def set_status(session: Session, principal: Principal, *, employee_id: int, status: str, effective_on: dt.date) -> Employee:
    employee = session.get(Employee, employee_id)
    if employee is None:
        raise LookupError(f"no employee {employee_id}")
    _require_writer(session, principal, employee.enterprise_id)
    upsert_employee(session, principal, enterprise_id=employee.enterprise_id, effective_on=effective_on,
                    employee_no=employee.employee_no, name=employee.name, post=employee.post,
                    safety_critical=employee.safety_critical, certificate=employee.certificate, status=status,
                    origin_region=employee.origin_region, planned_return=employee.planned_return)
    return employee


# An ID number anywhere in a rejected value or its reason: typed in the wrong column, or swallowed into
# another field by a stray quote. 18 characters (GB 11643-1999) or the 15 digits of the 1st generation.
ID_LIKE = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")


def masked(text: str) -> str:
    """``text`` with every ID-number-like run masked (3301**********1234), cut to a readable length."""
    from fugong.healthcode.people import mask_id

    return ID_LIKE.sub(lambda match: mask_id(match.group()), shorten(str(text), 200))


def import_roster(session: Session, principal: Principal, *, enterprise_id: str, path: Path, effective_on: dt.date,
                  rejects_dir: Path | None = None) -> ImportResult:
    """Load a roster spreadsheet: rows upserted by staff number, bad rows to a rejects file (ID numbers
    masked wherever they stand)."""
    _require_writer(session, principal, enterprise_id)
    from fugong.healthcode.people import mask_id

    result = ImportResult(file=str(path))
    seen: dict[str, int] = {}
    for number, row in read_rows(path, aliases=ALIASES, required=("employee_no", "name")):
        result.rows += 1
        key = row.get("employee_no", "")
        if key in seen:
            result.reject(number, "employee_no", masked(key), f"the same staff number as row {seen[key]} 工号重复")
            continue
        seen[key] = number
        try:
            fields = {k: row.get(k) for k in ("employee_no", "name", "post", "safety_critical", "certificate", "status",
                                              "origin_region", "planned_return")}
            _, outcome = upsert_employee(session, principal, enterprise_id=enterprise_id, effective_on=effective_on,
                                         id_number=row.get("id_number") or None, check_safety=False, **fields)
        except RosterError as exc:
            value = row.get(exc.field, "")
            if exc.field == "id_number":
                value = mask_id(value)  # never an ID number in clear, not even in a rejects file
            result.reject(number, exc.field, masked(value), masked(exc.message))
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
    from fugong.resumption.safety import check_enterprise

    check_enterprise(session, enterprise_id=enterprise_id, day=effective_on)
    write_rejects(result, rejects_dir)
    return result


# --- reading ----------------------------------------------------------------------------------------

def colours_on(session: Session, person_ids, day: dt.date | None = None) -> dict[str, str | None]:
    """{person id: colour} today (``day`` None) or as of the end of ``day`` (from the colour events)."""
    from fugong.healthcode.models import ColourEvent, Person

    ids = [p for p in set(person_ids) if p]
    if not ids:
        return {}
    if day is None:
        return dict(session.execute(select(Person.id, Person.colour).where(Person.id.in_(ids))).all())
    rank = func.row_number().over(partition_by=ColourEvent.person_id, order_by=(ColourEvent.day.desc(), ColourEvent.id.desc()))
    ranked = (select(ColourEvent.person_id, ColourEvent.to_colour, rank.label("n"))
              .where(ColourEvent.person_id.in_(ids), ColourEvent.day <= day).subquery())
    return dict(session.execute(select(ranked.c.person_id, ranked.c.to_colour).where(ranked.c.n == 1)).all())


def employees(session: Session, principal: Principal, *, enterprise_id: str) -> list[Employee]:
    get_enterprise(session, principal, enterprise_id)
    if principal.role not in WRITERS + ("service_officer",):
        raise AccessDenied(f"{principal.actor} may not read rosters")
    return list(session.scalars(select(Employee).where(Employee.enterprise_id == enterprise_id)
                                .order_by(Employee.employee_no)))


def roster_view(session: Session, principal: Principal, *, enterprise_id: str) -> list[dict]:
    """The roster as the enterprise sees it (officers see names masked)."""
    from fugong.healthcode.people import mask_name

    staff = employees(session, principal, enterprise_id=enterprise_id)
    colours = colours_on(session, [e.person_id for e in staff])
    own = principal.role == "enterprise"
    return [{"id": e.id, "employee_no": e.employee_no, "name": e.name if own else mask_name(e.name),
             "id_masked": e.id_masked, "post": e.post, "safety_critical": e.safety_critical,
             "certificate": e.certificate, "certificate_zh": CERTIFICATES[e.certificate][0] if e.certificate else "",
             "status": e.status, "status_zh": STATUSES[e.status][0], "status_since": e.status_since.isoformat(),
             "origin_region": e.origin_region,
             "planned_return": e.planned_return.isoformat() if e.planned_return else None,
             "linked": e.person_id is not None, "colour": colours.get(e.person_id) if e.person_id else None}
            for e in staff]


def day_counts(session: Session, principal: Principal, *, enterprise_id: str, day: dt.date) -> dict:
    """Each day's colour and status counts of an enterprise's staff (as of the end of ``day``)."""
    get_enterprise(session, principal, enterprise_id)
    statuses = statuses_on(session, day=day, enterprise_ids=[enterprise_id])
    people = dict(session.execute(select(Employee.id, Employee.person_id)
                                  .where(Employee.enterprise_id == enterprise_id)).all())
    colours = colours_on(session, [people[i] for i in statuses], day)
    by_status = {key: 0 for key in STATUSES}
    by_colour = {"green": 0, "yellow": 0, "red": 0, "unknown": 0}
    for employee_id, status in statuses.items():
        by_status[status] += 1
        if status != "left":
            by_colour[colours.get(people.get(employee_id)) or "unknown"] += 1
    staff = sum(n for s, n in by_status.items() if s != "left")
    return {"enterprise_id": enterprise_id, "date": day.isoformat(), "staff": staff, "statuses": by_status,
            "colours": by_colour, "on_site_share": (by_status["on_site"] / staff) if staff else None}


def statuses_on(session: Session, *, day: dt.date, enterprise_ids=None) -> dict[int, str]:
    """{employee id: status as of the end of ``day``} (employees with an event by then)."""
    rank = func.row_number().over(partition_by=EmployeeEvent.employee_id,
                                  order_by=(EmployeeEvent.effective_on.desc(), EmployeeEvent.id.desc()))
    query = select(EmployeeEvent.employee_id, EmployeeEvent.status, rank.label("n")).where(EmployeeEvent.effective_on <= day)
    if enterprise_ids is not None:
        query = query.where(EmployeeEvent.enterprise_id.in_(list(enterprise_ids)))
    ranked = query.subquery()
    return dict(session.execute(select(ranked.c.employee_id, ranked.c.status).where(ranked.c.n == 1)).all())


def staff_counts_by_county(session: Session, *, day: dt.date, region_prefix: str = "") -> dict[str, tuple[int, int]]:
    """{county: (staff not left, on site)} as of the end of ``day`` (one grouped query)."""
    from fugong.enterprises.models import Enterprise

    rank = func.row_number().over(partition_by=EmployeeEvent.employee_id,
                                  order_by=(EmployeeEvent.effective_on.desc(), EmployeeEvent.id.desc()))
    ranked = (select(EmployeeEvent.enterprise_id, EmployeeEvent.status, rank.label("n"))
              .where(EmployeeEvent.effective_on <= day).subquery())
    latest = select(ranked.c.enterprise_id, ranked.c.status).where(ranked.c.n == 1).subquery()
    query = (select(Enterprise.region_code,
                    func.sum(case((latest.c.status != "left", 1), else_=0)),
                    func.sum(case((latest.c.status == "on_site", 1), else_=0)))
             .select_from(latest).join(Enterprise, Enterprise.enterprise_id == latest.c.enterprise_id)
             .where(Enterprise.region_code.startswith(region_prefix)).group_by(Enterprise.region_code))
    return {code: (int(staff or 0), int(on_site or 0)) for code, staff, on_site in session.execute(query)}
