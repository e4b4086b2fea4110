"""The world the access-matrix test walks: two cities' data (Hangzhou 3301 = "own", Ningbo 3302 =
"other region") and a second Hangzhou enterprise ("other enterprise"), users of every role in
Hangzhou, and sample values for every path parameter.

A domain adds its data with a seeder, registered in its ``tests/<domain>/scoping_cases.py``::

    from tests.web.matrix import Samples, matrix_seed

    @matrix_seed
    def filings(world) -> Samples:
        ...create a Hangzhou filing, a Ningbo filing and one of the other Hangzhou enterprise...
        return Samples(params={"filing_id": ("F-HZ", "F-NB", "F-HZ2")}, markers=("F-NB",))

``params`` maps a path parameter's name to its (own, other region, other enterprise) values;
``markers`` are strings of the other region's data that must never appear in an answer to a
Hangzhou caller; ``firm_params`` names parameters whose third value is another enterprise's record
(refused to enterprise users and service officers, as ``{enterprise_id}`` is). The expected allow/refuse comes from the routes' own declarations
(fugong.accounts.guard), not from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from fugong.access import SYSTEM, Principal


@dataclass
class Samples:
    params: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # name -> (own, other region, other firm)
    query: dict[str, str] = field(default_factory=dict)  # required query parameters -> a value
    markers: tuple[str, ...] = ()  # the other region's data: never in an answer to a Hangzhou caller
    # Path parameters whose third value belongs to another enterprise (a filing, a demand): like
    # {enterprise_id}, refused to enterprise-bound callers (enterprise users, service officers).
    firm_params: tuple[str, ...] = ()


SEEDERS: list[Callable] = []


def matrix_seed(seeder: Callable) -> Callable:
    """Register ``seeder(world) -> Samples`` (see the module docstring)."""
    SEEDERS.append(seeder)
    return seeder


# Hangzhou callers, one per role: (role, region prefix, enterprises).
CALLERS = {
    "province_admin": ("3301", ()),
    "officer": ("3301", ()),
    "department": ("3301", ()),
    "service_officer": ("3301", ("E-HZ",)),
    "enterprise": ("3301", ("E-HZ",)),
    "grid_analyst": ("3301", ()),
    "gate_staff": ("3301", ()),
    "person": ("3301", ()),
}
ENTERPRISES = {"E-HZ": "330106", "E-HZ2": "330110", "E-NB": "330203"}


def add_enterprises(settings, regions: dict[str, str]) -> None:
    """Add enterprises to the meter store's table (enterprise_region's fallback when the registry does not know them)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from fugong.index.store import enterprises_path, write_enterprises

    path = enterprises_path(settings)
    ids = sorted(regions)
    table = pq.read_table(path) if path is not None else None
    columns = table.column_names if table is not None else ["enterprise_id", "region_code", "industry_code",
                                                              "size_class", "name", "uscc"]
    values = {"enterprise_id": ids, "region_code": [regions[e] for e in ids]}
    new = pa.table({c: pa.array(values.get(c, [None] * len(ids)),
                                type=table.schema.field(c).type if table is not None else pa.string())
                    for c in columns})
    write_enterprises(settings, pa.concat_tables([table, new]) if table is not None else new)


@matrix_seed
def _dashboard_and_risk(world) -> Samples:
    import shutil
    from pathlib import Path

    from tests.dashboard.scoping_cases import _one_enterprise, _prepared
    from tests.risk.web_seed import HANGZHOU_COUNTY, NINGBO_COUNTY, seed

    data_dir = Path(world.app.state.settings.data_dir)
    for part in ("results", "parquet"):
        shutil.copytree(_prepared() / part, data_dir / part, dirs_exist_ok=True)
    add_enterprises(world.app.state.settings, ENTERPRISES)
    with world.session() as session:
        seed(session)
    return Samples(params={"region_code": (HANGZHOU_COUNTY, NINGBO_COUNTY, HANGZHOU_COUNTY),
                           "layer": ("zj-counties-2020",) * 3},
                   query={"id": _one_enterprise("3301")},  # /enterprise?id=: a Hangzhou enterprise of the results
                   markers=(NINGBO_COUNTY, "330200", "330205", "宁波", "海曙"))


@matrix_seed
def _health_codes(world) -> Samples:
    from fugong.healthcode.appeals import file_appeal, request_override
    from fugong.healthcode.declarations import declare
    from fugong.healthcode.models import Person
    from fugong.healthcode.people import register_person
    from fugong.healthcode.scans import register_gate
    from fugong.healthcode.tokens import ensure_signing_key
    from tests.healthcode.helpers import make_id

    people, appeals, overrides = {}, {}, {}
    with world.session() as session:
        ensure_signing_key(session, SYSTEM)
        for n, (key, user, name, region, firm) in enumerate((
                ("own", "m-hz-person", "杭州甲", "330106", "E-HZ"),
                ("other", "m-nb-person", "宁波乙", "330203", "E-NB"),
                ("firm", "m-hz2-person", "杭州丙", "330110", "E-HZ2")), start=1):
            who = Principal(user_id=user, role="person")
            person = register_person(session, who, name=name, phone=f"1390000000{n}", id_number=make_id(n, region),
                                     region_code=region, enterprise_id=firm)
            declare(session, who, current_region=region, temperature=36.5, day=dt.date.today())
            register_gate(session, SYSTEM, gate_id=f"G-{firm[2:]}", enterprise_id=firm, region_code=region,
                          name=f"{name}门")
            appeals[key] = file_appeal(session, who, statement="行程有误").id
            officer = Principal(user_id=f"m-{region}", role="officer", region_prefix=region[:4])
            overrides[key] = request_override(session, officer, person_id=person.id, to_colour="red",
                                              legal_basis="密接名单（核查）").id
            people[key] = person.id
        nb_code = session.get(Person, people["other"]).code_id
    return Samples(
        params={"person_id": (people["own"], people["other"], people["firm"]),
                "appeal_id": (str(appeals["own"]), str(appeals["other"]), str(appeals["firm"])),
                "override_id": (str(overrides["own"]), str(overrides["other"]), str(overrides["firm"])),
                "enterprise_id": ("E-HZ", "E-NB", "E-HZ2")},
        query={"purpose": "access matrix check"},
        markers=(people["other"], nb_code, "E-NB", "G-NB", "宁波乙", "13900000002"),
    )


@matrix_seed
def _accounts(world) -> Samples:
    from fugong.accounts import service

    with world.session() as session:
        for username, prefix in (("m-hz-officer", "3301"), ("m-nb-officer", "3302"), ("m-hz2-officer", "330110")):
            service.add_user(session, actor=SYSTEM, username=username, role="officer", region_prefix=prefix)
    return Samples(params={"username": ("m-hz-officer", "m-nb-officer", "m-hz2-officer")}, markers=("m-nb-",))
