"""``fugong industries | calendar | uscc``: industries, working days, enterprise identifiers."""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

industries_app = typer.Typer(no_args_is_help=True)
calendar_app = typer.Typer(no_args_is_help=True)
uscc_app = typer.Typer(no_args_is_help=True)

console = Console()
err = Console(stderr=True, soft_wrap=True)  # errors name files and rows: never wrap them

WEEKDAYS_ZH = "一二三四五六日"


def _print_json(data) -> None:
    # plain print, not Rich: JSON output must not be re-wrapped or coloured
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _parse_date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date YYYY-MM-DD (日期格式应为 YYYY-MM-DD)", param_hint=name) from None


# --- uscc ----------------------------------------------------------------------------------------


@uscc_app.command("check")
def uscc_check(
    codes: list[str] = typer.Argument(..., help="One or more 18-character codes."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Check unified social credit codes (统一社会信用代码, GB 32100-2015); exit 1 if any is invalid.

    Each failure names the check: length, alphabet, organisation_code or check_character.

    Example: fugong uscc check 91350100M000100Y43 91350100M000100Y4A
    """
    from fugong.reference.uscc import UsccError, validate

    results = []
    for code in codes:
        try:
            validate(code)
            results.append({"code": code, "valid": True, "check": None, "message": "有效 valid"})
        except UsccError as exc:
            results.append({"code": code, "valid": False, "check": exc.check, "message": str(exc)})
    if as_json:
        _print_json(results)
    else:
        for r in results:
            mark = "[green]✓[/green]" if r["valid"] else f"[red]✗ {r['check']}[/red]"
            console.print(f"{mark} {escape(repr(r['code']))}: {escape(r['message'])}", highlight=False)
    if not all(r["valid"] for r in results):
        raise typer.Exit(1)


# --- industries ----------------------------------------------------------------------------------


def _industry_dict(industry) -> dict:
    return {
        "code": industry.code,
        "level": industry.level,
        "section": industry.section,
        "name_zh": industry.name_zh,
        "name_en": industry.name_en,
    }


@industries_app.command("list")
def industries_list(
    only_sections: bool = typer.Option(False, "--sections", help="Only the 20 sections A–T."),
    only_divisions: bool = typer.Option(False, "--divisions", help="Only the 97 divisions 01–97."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List GB/T 4754-2017 sections (门类) and divisions (大类) with Chinese and English names.

    Example: fugong industries list --sections
    """
    from fugong.reference import industries

    if only_sections and only_divisions:
        raise typer.BadParameter("choose one of --sections and --divisions, or neither for both")
    if only_sections:
        rows = industries.sections()
    elif only_divisions:
        rows = industries.divisions()
    else:  # each section followed by its divisions
        rows = [i for s in industries.sections() for i in [s] + [d for d in industries.divisions() if d.section == s.code]]
    if as_json:
        _print_json([_industry_dict(i) for i in rows])
        return
    table = Table("代码 code", "门类 section", "名称", "name")
    for i in rows:
        style = "bold" if i.level == "section" else None
        table.add_row(i.code, i.section, i.name_zh, i.name_en, style=style)
    console.print(table)


@industries_app.command("show")
def industries_show(
    code: str = typer.Argument(..., help="A section letter, or a division/group/class code, e.g. 3731 or C3731."),
    categories: str = typer.Option("jiangsu-2020", "--categories", help="Category set (name or TOML path)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show the section, division and configured category of an industry code.

    Example: fugong industries show 3731
    """
    from fugong.reference import industries

    try:
        section = industries.get(industries.section_of(code))
        division = None if len(code.strip()) == 1 else industries.get(industries.division_of(code))
        category_set = industries.load_categories(categories)
        category_code = category_set.category_of(code)
    except (industries.UnknownIndustry, industries.CategoryError) as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    category = category_set.get(category_code) if category_code else None
    data = {
        "code": code,
        "section": _industry_dict(section),
        "division": _industry_dict(division) if division else None,
        "category_set": category_set.name,
        "category": (
            {"code": category.code, "name_zh": category.name_zh, "name_en": category.name_en} if category else None
        ),
    }
    if as_json:
        _print_json(data)
        return
    console.print(f"[bold]{code}[/bold]", highlight=False)
    console.print(f"  门类 section   {section.code}  {section.name_zh}  {section.name_en}", highlight=False)
    if division:
        console.print(f"  大类 division  {division.code} {division.name_zh}  {division.name_en}", highlight=False)
    label = f"{category.name_zh} {category.name_en} ({category.code})" if category else "— 不在任何类别 in no category"
    console.print(f"  类别 category  {escape(label)}  [dim]({escape(category_set.name)})[/dim]", highlight=False)


@industries_app.command("categories")
def industries_categories(
    name: str = typer.Argument("jiangsu-2020", help="A shipped category set name or a path to a TOML file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a configured industry-category set and the GB/T 4754 codes each category covers.

    Example: fugong industries categories jiangsu-2020
    """
    from fugong.reference import industries

    try:
        category_set = industries.load_categories(name)
    except industries.CategoryError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None

    def covered(prefix: str) -> str:
        return f"{prefix} {industries.get(prefix[:2]).name_zh}" if len(prefix) == 2 else prefix

    if as_json:
        _print_json(
            {
                "name": category_set.name,
                "title_zh": category_set.title_zh,
                "title_en": category_set.title_en,
                "source": category_set.source,
                "note": category_set.note,
                "categories": [
                    {"code": c.code, "name_zh": c.name_zh, "name_en": c.name_en, "prefixes": list(c.prefixes)}
                    for c in category_set.categories
                ],
            }
        )
        return
    table = Table("类别 code", "名称", "name", "GB/T 4754-2017", title=f"{category_set.title_zh}\n{category_set.title_en}")
    for c in category_set.categories:
        table.add_row(c.code, c.name_zh, c.name_en, "\n".join(covered(p) for p in c.prefixes))
    console.print(table)
    if category_set.note:
        console.print(f"[dim]{escape(category_set.note)}[/dim]", highlight=False)
    console.print(f"[dim]available: {', '.join(industries.available_category_sets())}[/dim]", highlight=False)


# --- calendar ------------------------------------------------------------------------------------


def _closures(names: list[str] | None):
    from fugong.reference.workdays import CLOSURES

    unknown = [n for n in names or [] if n not in CLOSURES]
    if unknown:
        raise typer.BadParameter(f"unknown closure {unknown[0]!r}; known: {', '.join(CLOSURES)}", param_hint="--closure")
    return [CLOSURES[n] for n in names or []]


@calendar_app.command("workdays")
def calendar_workdays(
    start: str = typer.Argument(..., help="First day, YYYY-MM-DD."),
    end: str = typer.Argument(..., help="Last day, YYYY-MM-DD (included)."),
    closure: list[str] = typer.Option(None, "--closure", help="A regional closure, e.g. zhejiang-2020."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List each day of a period: working day or not, with holiday names and make-up workdays.

    Example: fugong calendar workdays 2020-02-01 2020-02-29
    """
    from fugong.reference import workdays as wd

    first, last = _parse_date(start, "START"), _parse_date(end, "END")
    closures = _closures(closure)
    if last < first:
        err.print(f"[red]END {end} is before START {start}[/red]")
        raise typer.Exit(2)
    try:
        rows = []
        for n in range((last - first).days + 1):
            day = date.fromordinal(first.toordinal() + n)
            makeup = wd.is_makeup_workday(day)
            rows.append(
                {
                    "date": day.isoformat(),
                    "weekday": day.isoweekday(),
                    "workday": wd.is_workday(day, closures=closures),
                    "holiday_zh": wd.holiday_name(day, closures=closures),
                    "holiday_en": wd.holiday_name(day, lang="en", closures=closures),
                    "makeup_workday": makeup,
                }
            )
    except (wd.CalendarRangeError, ValueError) as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    if as_json:
        _print_json(rows)
        return
    table = Table("日期 date", "星期", "工作日 workday", "备注 note")
    for r in rows:
        if r["holiday_zh"]:
            note = f"{r['holiday_zh']} {r['holiday_en']}"
        elif r["makeup_workday"]:
            note = "调休上班 make-up workday"
        else:
            note = ""
        table.add_row(r["date"], WEEKDAYS_ZH[r["weekday"] - 1], "是 yes" if r["workday"] else "[dim]否 no[/dim]", note)
    console.print(table)
    count = sum(r["workday"] for r in rows)
    console.print(f"{count} 个工作日 working days of {len(rows)} days", highlight=False)


@calendar_app.command("align")
def calendar_align(
    day: str = typer.Argument(..., help="A date, YYYY-MM-DD."),
    to_year: int = typer.Option(..., "--to-year", help="The year to align to."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Align a date to another year on the lunar new year (same days after 春节) and on working days.

    Example: fugong calendar align 2020-02-10 --to-year 2019
    """
    from fugong.reference import workdays as wd

    when = _parse_date(day, "DAY")
    try:
        new_year, target_new_year = wd.lunar_new_year(when.year), wd.lunar_new_year(to_year)
        aligned = wd.align_lunar(when, to_year=to_year)
        by_working_day = None
        if to_year == when.year - 1:
            by_working_day = wd.same_period_last_year(when, when, anchor_year=when.year)[0][1]
    except wd.CalendarRangeError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    offset = (when - new_year).days
    data = {
        "date": when.isoformat(),
        "lunar_new_year": new_year.isoformat(),
        "offset_days": offset,
        "to_year": to_year,
        "to_lunar_new_year": target_new_year.isoformat(),
        "aligned": aligned.isoformat(),
        "aligned_by_working_day": by_working_day.isoformat() if by_working_day else None,
    }
    if as_json:
        _print_json(data)
        return
    console.print(
        f"{when} = 春节 lunar new year {new_year} {offset:+d} 天 days → {aligned} (= {target_new_year} {offset:+d})",
        highlight=False,
    )
    if by_working_day:
        console.print(f"按工作日对齐 aligned by working days → {by_working_day}", highlight=False)


@calendar_app.command("same-period")
def calendar_same_period(
    start: str = typer.Argument(..., help="First day, YYYY-MM-DD."),
    end: str = typer.Argument(..., help="Last day, YYYY-MM-DD (included)."),
    calendar_days: bool = typer.Option(False, "--calendar-days", help="Align calendar days, not working days."),
    closure: list[str] = typer.Option(None, "--closure", help="A regional closure, e.g. zhejiang-2020."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Pair each day of a period with the same lunar period of the previous year (同期对比).

    Example: fugong calendar same-period 2020-02-03 2020-02-14
    """
    from fugong.reference import workdays as wd

    first, last = _parse_date(start, "START"), _parse_date(end, "END")
    closures = _closures(closure)
    try:
        pairs = wd.same_period_last_year(first, last, working_days=not calendar_days, closures=closures)
    except (wd.CalendarRangeError, ValueError) as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    rows = [
        {"date": a.isoformat(), "workday": wd.is_workday(a, closures=closures), "last_year": b.isoformat()}
        for a, b in pairs
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table("日期 date", "工作日 workday", "去年同期 same period last year")
    for (a, b), r in zip(pairs, rows):
        table.add_row(
            f"{a} {WEEKDAYS_ZH[a.weekday()]}", "是 yes" if r["workday"] else "否 no", f"{b} {WEEKDAYS_ZH[b.weekday()]}"
        )
    console.print(table)
