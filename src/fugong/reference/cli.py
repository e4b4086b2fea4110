"""``fugong regions | industries | calendar | uscc``: reference data on the command line."""

from fugong.reference.cli_codes import calendar_app, industries_app, uscc_app
from fugong.reference.cli_regions import regions_app

__all__ = ["calendar_app", "industries_app", "regions_app", "uscc_app"]
