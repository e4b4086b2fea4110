"""The daily publication: the bundle a command centre takes to its press conference.

``publish_bundle(settings=, engine=, date=, out=, lang=)`` writes ``<out>/<date>/v<N>/``::

    manifest.json            files (bytes, sha256), data versions, rule versions, renderer, notes
    report.html              print-ready, self-contained (inline SVG and CSS, no script)
    report.pdf               the same through WeasyPrint (Pango, Noto CJK fonts embedded)
    risk-map.svg / .png      the county map of the risk publication on or before the date
    risk-grades.csv          every county's level and reasons; risk-changes.csv: the change list
    resumption-city.csv / -county.csv / -industry.csv
                             R with N, E, counts and denominators (never R alone)
    control-index.csv        every index of the control model, display value, present/required
    quadrant.csv / .svg      risk level against the flow index, the two warnings, ranking

Re-publishing a date writes v<N+1> and keeps every earlier version (a correction is a new
version, never an overwrite). The version folder is assembled under a hidden temporary name and
renamed into place in one step, so a reader never sees half a bundle; two publishers at once get
two versions. Missing parts (no risk publication, no index results, no control run, the
resumption package not deployed, no PDF renderer or browser) are named in the manifest's notes
and in the report, never silently left out.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from fugong.access import SYSTEM, Principal
from fugong.web.i18n import N_, translator

INDEX_COLUMNS = ("code", "name", "index", "resumed_share", "energy_ratio", "resumed", "reporting", "enterprises",
                 "resumed_kwh", "baseline_kwh")
CONTROL_MODEL = "zj-precision-control-2020"


@dataclass
class PublishResult:
    folder: Path
    version: int
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_csv(path: Path, columns, rows) -> None:
    """UTF-8 with BOM (opens in Excel with Chinese intact); a cell is never run as a formula."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 1e6 else f"{value:.0f}"
    if isinstance(value, (list, tuple)):
        value = "；".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not text.lstrip("-").replace(".", "").isdigit() else text


# ---------------------------------------------------------------- gathering the facts


def gather(*, settings, engine, date: dt.date, lang: str = "zh", principal: Principal = SYSTEM) -> dict:
    """Everything the report shows, in the principal's scope (the CLI publishes as SYSTEM)."""
    from fugong.control import service as control_service
    from fugong.control.model import load_model
    from fugong.control.quadrant import quadrant_view
    from fugong.index.service import read_results
    from fugong.risk import services as risk_services
    from fugong.risk.rules import load_rules
    from fugong.store.db import session_scope

    notes: list[str] = []  # in the bundle's language: they go into the report and the manifest
    _ = translator(lang)
    zh = lang == "zh"
    rules = load_rules(settings.risk_rules)
    model = load_model(CONTROL_MODEL)
    facts: dict = {"date": date.isoformat(), "lang": lang, "scope": principal.region_prefix, "notes": notes,
                   "rules": {"risk": {"name": rules.name, "title": rules.title_zh if zh else rules.title_en,
                                      "source": rules.source, "file": rules.path, "sha256": _file_hash(rules.path)},
                             "control": {"name": model.name, "title": model.title_zh if zh else model.title_en,
                                         "sha256": model.digest}}}
    with session_scope(engine) as session:
        risk = risk_services.publication_view(session, rules=rules, principal=principal, date=date)
        quadrant = quadrant_view(session, model=model, rules=rules, principal=principal, date=date)
        run = control_service.last_run(session, model=model.name)
        results = control_service.results(session, model=model.name, principal=principal, date=date)
    facts["risk"] = risk
    if risk is None:
        notes.append(_("no risk publication on or before this date (fugong risk grade --publish)"))
    elif risk["date"] != date.isoformat():
        notes.append(_("the risk levels are those published on %(day)s", day=risk["date"]))
    levels = {}
    for level in ("province", "city", "county", "industry"):
        table = read_results(settings=settings, level=level, date=date, code_prefix=principal.region_prefix
                             if level != "industry" else None)
        rows = sorted(table.to_pylist(), key=lambda r: str(r.get("code"))) if table.num_rows else []
        if level == "industry" and principal.region_prefix:
            rows = []  # industry totals span every region: only a province-wide scope may publish them
            notes.append(_("industry totals are province-wide: published for the whole scope only"))
        levels[level] = rows
    facts["index"] = levels
    if not levels["county"]:
        notes.append(_("no resumption index results for this date (fugong index run)"))
    facts["index_params"] = _index_version(settings, date)
    facts["control"] = {"results": results, "run": _jsonable(run), "model": model.name,
                        "indices": [{"code": i.code, "name": i.zh if zh else i.en} for i in model.indices]}
    facts["quadrant"] = quadrant
    if not results:
        notes.append(_("no control index for this date (fugong control run --date %(day)s)", day=date.isoformat()))
    facts["report"] = resumption_report(settings=settings, engine=engine, date=date, principal=principal)
    if facts["report"] is None:
        notes.append(_("no enterprise in the registry: section 4 is left out"))
    return facts


def _index_version(settings, date: dt.date) -> dict | None:
    """The parameters the index results were computed with and the stamps of the day's result files."""
    from fugong.index.service import results_dir

    root = results_dir(settings)
    params = root / "params.json"
    if not params.exists():
        return None
    version = {"params": json.loads(params.read_text(encoding="utf-8")), "files": {}}
    for level in ("province", "city", "county", "industry"):
        path = root / f"level={level}" / f"date={date.isoformat()}" / "part-0.parquet"
        if path.exists():
            version["files"][level] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    return version


def _file_hash(path: str) -> str | None:
    try:
        return _sha256(Path(path))
    except OSError:
        return None


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


# Section 4: the daily resumption report's columns as the press sees them (the CSV keeps every column).
REPORT_LABELS = (("name", N_("Region")), ("enterprises", N_("Enterprises")), ("filed", N_("Filed")),
                 ("approved", N_("Approved")), ("resumed_declared", N_("Resumed (declared)")),
                 ("resumed_metered", N_("Resumed (meter)")), ("staff", N_("Staff")), ("staff_on_site", N_("On site")),
                 ("key_projects", N_("Key projects")), ("key_projects_resumed", N_("Resumed")))


def _report_levels(prefix: str) -> tuple[str, ...]:
    """The principal's own level and the one below: province and cities, a city and its counties, a county."""
    return {0: ("province", "city"), 2: ("province", "city"), 4: ("city", "county")}.get(len(prefix), ("county",))


def resumption_report(*, settings, engine, date: dt.date, principal: Principal) -> dict | None:
    """The daily resumption report of ``fugong.resumption.report`` for the principal's scope: the latest
    frozen version of the day (what the command centre saw), or live figures when the day is not
    frozen; None when the registry holds no enterprise there (section 4 is then left out).

    {"frozen", "version", "frozen_at", "columns": report.COLUMNS, "labels": REPORT_LABELS, "rows": [...]}
    """
    from fugong.resumption.report import report_for
    from fugong.store.db import session_scope

    with session_scope(engine) as session:
        parts = [report_for(session, principal, day=date, level=level, settings=settings)
                 for level in _report_levels(principal.region_prefix)]
    rows = [row for part in parts for row in part["rows"]]
    if not any(row["enterprises"] for row in rows):
        return None
    first = parts[0]
    return {"frozen": first["frozen"], "version": first["version"], "frozen_at": first["frozen_at"],
            "columns": first["columns"], "labels": REPORT_LABELS, "rows": rows}


# ---------------------------------------------------------------- writing the bundle


def next_version(day_folder: Path) -> int:
    versions = [int(p.name[1:]) for p in day_folder.glob("v*") if p.name[1:].isdigit()]
    return max(versions, default=0) + 1


def publish_bundle(*, settings, engine, date: dt.date, out: Path, lang: str = "zh", principal: Principal = SYSTEM,
                   png: bool = True, pdf: bool = True) -> PublishResult:
    """Write a new version of the date's bundle under ``out`` (see the module docstring)."""
    import time

    from fugong import __version__

    started = time.monotonic()
    facts = gather(settings=settings, engine=engine, date=date, lang=lang, principal=principal)
    day_folder = Path(out) / date.isoformat()
    day_folder.mkdir(parents=True, exist_ok=True)
    staging = day_folder / f".staging-{uuid.uuid4().hex}"
    staging.mkdir()
    notes = facts["notes"]
    renderer = {"pdf": None, "png": None}
    try:
        files = _write_tables(staging, facts)
        svg_map = _map_svg(facts, lang)
        if svg_map:
            (staging / "risk-map.svg").write_text(svg_map, encoding="utf-8")
            files.append("risk-map.svg")
            if png:
                try:
                    from concurrent.futures import ThreadPoolExecutor

                    from fugong.risk.mapping import svg_to_png

                    # its own thread: Playwright's sync API refuses a thread with a running event loop
                    # (a web worker, or a test process that already drives a browser)
                    with ThreadPoolExecutor(max_workers=1) as pool:
                        pool.submit(svg_to_png, svg_map, staging / "risk-map.png").result()
                    files.append("risk-map.png")
                    renderer["png"] = "chromium (playwright)"
                except Exception as exc:  # noqa: BLE001 - no browser: SVG and the rest still publish
                    notes.append(translator(lang)("no PNG map: %(reason)s", reason=exc))
        from fugong.control.quadrant import scatter_svg

        (staging / "quadrant.svg").write_text(scatter_svg(facts["quadrant"], lang=lang), encoding="utf-8")
        files.append("quadrant.svg")
        html = render_html(facts, lang=lang, svg_map=svg_map)
        (staging / "report.html").write_text(html, encoding="utf-8")
        files.append("report.html")
        if pdf:
            message = write_pdf(html, staging / "report.pdf", base=staging, lang=lang)
            if message is None:
                files.append("report.pdf")
                import weasyprint

                renderer["pdf"] = f"weasyprint {weasyprint.__version__}"
            else:
                notes.append(message)
        manifest = {
            "date": date.isoformat(), "lang": lang, "scope": principal.region_prefix or "",
            "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(), "generated_by": principal.actor,
            "fugong_version": __version__, "renderer": renderer, "notes": notes,
            "rules": facts["rules"],
            "data": {
                "risk_publication": ({k: facts["risk"].get(k) for k in ("rule_set", "date", "previous_date", "data_source")}
                                     if facts["risk"] else None),
                "index_results": facts["index_params"],
                "control_run": facts["control"]["run"],
            },
            "files": [{"name": name, "bytes": (staging / name).stat().st_size, "sha256": _sha256(staging / name)}
                      for name in sorted(files)],
        }
        for attempt in range(100):
            version = next_version(day_folder)
            manifest["version"] = version
            (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            try:
                os.rename(staging, day_folder / f"v{version}")  # atomic; fails if another publisher took vN
                break
            except OSError:
                if not (day_folder / f"v{version}").exists():
                    raise
        else:  # pragma: no cover - a hundred concurrent publishers
            raise RuntimeError(f"{day_folder}: could not claim a version folder")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _audit(engine, principal, date, version, day_folder / f"v{version}")
    return PublishResult(day_folder / f"v{version}", version, sorted(files) + ["manifest.json"], notes,
                         time.monotonic() - started)


def _audit(engine, principal: Principal, date: dt.date, version: int, folder: Path) -> None:
    """One audit entry per published version, naming the manifest by its sha256."""
    from fugong.store.audit import record_change
    from fugong.store.db import session_scope

    with session_scope(engine) as session:
        record_change(session, actor=principal.actor, action="publish.bundle", entity="publication",
                      entity_id=f"{date.isoformat()}/v{version}", region_code=principal.region_prefix or None,
                      after={"folder": str(folder), "manifest_sha256": _sha256(folder / "manifest.json")},
                      reason="每日发布 / daily publication")


def write_pdf(html: str, target: Path, *, base: Path, lang: str = "zh") -> str | None:
    """Render the report with WeasyPrint; None when written, else one line saying what to install."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Python package is there, Pango is not
        return translator(lang)(
            "no PDF: install pip install 'fugong[publish]' and Debian's libpango-1.0-0 fonts-noto-cjk (%(error)s)",
            error=type(exc).__name__)
    weasyprint.HTML(string=html, base_url=str(base)).write_pdf(str(target))
    return None


def _map_svg(facts: dict, lang: str) -> str | None:
    if not facts["risk"] or not facts["risk"]["grades"]:
        return None
    from fugong.reference import maps
    from fugong.risk.mapping import publication_svg

    geojson = maps.load("zj-counties-2020")
    if facts["scope"]:  # a regional publication draws its own counties only
        geojson = {**geojson, "features": [f for f in geojson["features"]
                                           if str(f["properties"]["adcode"]).startswith(facts["scope"])]}
    return publication_svg(facts["risk"], geojson, lang=lang)


def _write_tables(folder: Path, facts: dict) -> list[str]:
    files = []
    risk = facts["risk"]
    if risk:
        _write_csv(folder / "risk-grades.csv", ("region_code", "name", "level", "severity", "score", "reasons_zh", "reasons_en"),
                   risk["grades"])
        _write_csv(folder / "risk-changes.csv", ("region_code", "name", "before", "after", "direction", "text_zh", "text_en"),
                   risk["changes"])
        files += ["risk-grades.csv", "risk-changes.csv"]
    for level, name in (("city", "resumption-city.csv"), ("county", "resumption-county.csv"),
                        ("industry", "resumption-industry.csv")):
        rows = facts["index"][level]
        if rows:
            _write_csv(folder / name, INDEX_COLUMNS, rows)
            files.append(name)
    control = facts["control"]["results"]
    if control:
        _write_csv(folder / "control-index.csv", ("region_code", "date", "index", "value", "display", "carried_from",
                                                  "present", "required"), control)
        files.append("control-index.csv")
    quadrant = facts["quadrant"]
    if quadrant["rows"]:
        _write_csv(folder / "quadrant.csv", ("rank", "region_code", "name", "level", "severity", "flow",
                                             "flow_carried_from", "risk_band", "flow_band", "flags", "rank_change",
                                             "flow_change"), quadrant["rows"])
        files.append("quadrant.csv")
    report = facts["report"]
    if report:
        _write_csv(folder / "resumption-report.csv", report["columns"], report["rows"])
        files.append("resumption-report.csv")
    return files


def render_html(facts: dict, *, lang: str, svg_map: str | None, embedded: bool = False) -> str:
    """The print-ready report (standalone HTML; ``embedded``: the body only, for the dashboard page)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from fugong.control.quadrant import BAND_TEXT, FLAG_TEXT, scatter_svg

    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html"]))
    tr = translator(lang)
    env.filters["num"] = lambda v: "—" if v is None else f"{v:,.0f}"
    env.filters["pct"] = lambda v: "—" if v is None else f"{v:.2f}"
    env.filters["place"] = lambda name: tr.name("region", name)  # region names in the report's language
    by_county = {}
    for row in facts["control"]["results"]:
        by_county.setdefault(row["region_code"], {})[row["index"]] = row
    names = {r["region_code"]: r["name"] for r in facts["quadrant"]["rows"]}
    return env.get_template("report.html").render(
        f=facts, _=tr, tr=tr, lang=lang, svg_map=svg_map, scatter=scatter_svg(facts["quadrant"], lang=lang),
        by_county=by_county, names=names, flag_text=FLAG_TEXT, band_text=BAND_TEXT, embedded=embedded)
