"""The one command line: ``fugong demo | serve | db … | regions … | uscc … | index … | risk …``.

Each domain keeps its commands in its own ``cli.py`` (a Typer sub-app); this module only assembles
them. Commands import heavy libraries inside their bodies so that ``fugong --help`` stays fast.
"""

from __future__ import annotations

import typer
from rich.console import Console

from fugong.config import SettingsError, get_settings
from fugong.accounts.cli import app as users_app
from fugong.control.cli import app as control_app
from fugong.demo.cli import demo
from fugong.desk.cli import app as desk_app
from fugong.healthcode.cli import app as code_app
from fugong.index.cli import app as index_app
from fugong.publish.cli import publish_command
from fugong.reference.cli import regions_app, uscc_app, industries_app, calendar_app
from fugong.risk.cli import app as risk_app
from fugong.store.cli import app as db_app, audit_app
from fugong.web.cli import serve
from fugong.web.i18n_cli import app as i18n_app
from fugong.workflow.cli import app as jobs_app
from fugong.enterprises.cli import app as enterprises_app
from fugong.resumption.cli import app as resumption_app

console = Console()
err = Console(stderr=True, soft_wrap=True)  # errors name files and rows: never wrap them

app = typer.Typer(
    name="fugong",
    help="复工 fugong: steer enterprise work resumption with data (electricity index, risk map, health code).",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _main() -> None:
    """Validate settings once, before any command runs."""
    try:
        get_settings()
    except SettingsError as exc:
        err.print(f"[red]Configuration error[/red]\n{exc}")
        raise typer.Exit(2) from None


app.command(help="Generate the calibrated scenario, compute everything, serve the dashboard.\n\nExample: fugong demo --port 8000")(demo)
app.command(help="Start the web app (dashboard and JSON API).\n\nExample: fugong serve --host 0.0.0.0 --port 8000")(serve)
app.command("publish", help="Write the daily publication bundle (HTML, PDF, CSV, map) as a new version.\n\nExample: fugong publish --date 2020-02-20 --out fugong-data/publications")(publish_command)
app.add_typer(db_app, name="db", help="Database schema: upgrade, current revision.")
app.add_typer(audit_app, name="audit", help="Audit log: seal the hash chain, verify it has not been tampered with.")
app.add_typer(users_app, name="users", help="Users, roles and API tokens: add, list, disable, tokens.")
app.add_typer(regions_app, name="regions", help="GB/T 2260 region codes: show, children, search, map-code between vintages.")
app.add_typer(industries_app, name="industries", help="GB/T 4754-2017 industries and configured categories.")
app.add_typer(calendar_app, name="calendar", help="Chinese working days, holidays, lunar new-year alignment and same-period pairing.")
app.add_typer(uscc_app, name="uscc", help="Unified social credit codes (GB 32100-2015): check.")
app.add_typer(index_app, name="index", help="Electricity resumption index: ingest meters, compute, first resumption.")
app.add_typer(risk_app, name="risk", help="Risk map: ingest cases, grade counties, changes, map export.")
app.add_typer(i18n_app, name="i18n", help="Translations: extract messages, update and check the catalogues, compile.")
app.add_typer(control_app, name="control", help="Precision control index 精密智控指数: compute, feeds, run, show.")
app.add_typer(code_app, name="code", help="Health codes: declarations, colours, signed QR tokens, gate verification.")
app.add_typer(enterprises_app, name="enterprises", help="Enterprise registry: import CSV/XLSX with rejects, sync from meter data, show.")
app.add_typer(resumption_app, name="resumption", help="Resumption filings: daily report up the hierarchy, freeze, roster import, bundles.")
app.add_typer(desk_app, name="desk", help="Demand desk: Open311 API keys, units, routing, rounds, pairing, funnel.")
app.add_typer(jobs_app, name="jobs", help="Workflow jobs and notifications: run due jobs (cron), list them.")

if __name__ == "__main__":  # pragma: no cover
    app()
