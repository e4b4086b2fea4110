"""``fugong i18n``: extract messages from code and templates, update and check the catalogues, compile.

    fugong i18n update     extract every _("…") / N_("…") into the template and merge it into zh/fugong.po
    fugong i18n check      list messages used in code or templates that a catalogue does not translate
    fugong i18n compile    .po → .mo (the build does it too; a stale .mo is recompiled in memory anyway)

Extraction reads Python under src/fugong (keywords _, N_, gettext, ngettext; Jinja templates through
Jinja2's Babel extractor). docs/i18n.md says how to add a message.
"""

from __future__ import annotations

from pathlib import Path

import typer

from fugong.web.i18n import DOMAIN, LOCALE_DIR, compile_catalogues

app = typer.Typer(no_args_is_help=True)
PACKAGE = LOCALE_DIR.parent  # src/fugong
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
TRANSLATED = ("zh",)  # languages with a catalogue of the interface (English is its source language)
METHOD_MAP = [
    ("**/templates/**.html", "jinja2"),
    ("**.py", "python"),
]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "t": None}


def extract(package: Path = PACKAGE):
    """A Babel Catalog of every message used in the package's code and templates, with locations."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalogue = Catalog(project="fugong", domain=DOMAIN, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(package), method_map=METHOD_MAP, keywords=KEYWORDS,
            options_map={"**/templates/**.html": {"extensions": "jinja2.ext.do"}}, strip_comment_tags=True):
        if "/locale/" in filename or filename.endswith("i18n_cli.py"):
            continue
        catalogue.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalogue


def missing(lang: str, catalogue=None) -> list[str]:
    """Message ids used in code or templates that ``lang``'s catalogue lacks or leaves empty or fuzzy."""
    from babel.messages.pofile import read_po

    used = catalogue or extract()
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as fh:
        po = read_po(fh, locale=lang)
    out = []
    for message in used:
        if not message.id:
            continue
        entry = po.get(message.id, context=message.context)
        text = entry.string if entry is not None else None
        translated = all(text) if isinstance(text, tuple) else bool(text)
        if entry is None or not translated or entry.fuzzy:
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


@app.command("update")
def update() -> None:
    """Extract messages into fugong.pot and merge them into each language's fugong.po (new ones empty).

    Example: fugong i18n update
    """
    from babel.messages.pofile import read_po, write_po

    template = extract()
    with TEMPLATE.open("wb") as fh:
        write_po(fh, template, width=100, sort_by_file=False, omit_header=False)
    for lang in TRANSLATED:
        path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as fh:
                po = read_po(fh, locale=lang)
        else:
            from babel.messages.catalog import Catalog

            po = Catalog(locale=lang, domain=DOMAIN, project="fugong")
        po.update(template, no_fuzzy_matching=True)
        with path.open("wb") as fh:
            write_po(fh, po, width=100, ignore_obsolete=True)
        typer.echo(f"{path}: {len(missing(lang, template))} message(s) to translate")


@app.command("check")
def check() -> None:
    """Exit 1 when a message used in code or templates has no translation.

    Example: fugong i18n check
    """
    template = extract()
    bad = {lang: missing(lang, template) for lang in TRANSLATED}
    for lang, ids in bad.items():
        for message in ids:
            typer.echo(f"{lang}: untranslated: {message}")
    if any(bad.values()):
        raise typer.Exit(1)
    typer.echo(f"{len(template)} messages, every catalogue complete")


@app.command("compile")
def compile_() -> None:
    """Compile every .po to its .mo (the build does it; this is for a running checkout).

    Example: fugong i18n compile
    """
    for path in compile_catalogues():
        typer.echo(str(path))
