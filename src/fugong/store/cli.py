"""``fugong db``: schema management."""

import typer
from rich.console import Console

app = typer.Typer(no_args_is_help=True)
console = Console()


@app.command("upgrade")
def upgrade_command() -> None:
    """Bring the database schema to the newest revision.

    Example: FUGONG_DATABASE_URL=postgresql+psycopg://fugong@localhost/fugong fugong db upgrade
    """
    from fugong.config import get_settings
    from fugong.store.db import connect, current_revision, upgrade

    settings = get_settings()
    settings.ensure_dirs()
    engine = connect(settings.resolved_database_url)
    upgrade(engine)
    console.print(f"database {engine.url.render_as_string(hide_password=True)} at revision {current_revision(engine)}")


@app.command("current")
def current_command() -> None:
    """Print the schema revision of the database and the newest one available.

    Example: fugong db current
    """
    from fugong.config import get_settings
    from fugong.store.db import connect, current_revision, head_revision

    engine = connect(get_settings().resolved_database_url)
    console.print(f"current: {current_revision(engine) or '(empty database)'}  newest: {head_revision()}")
