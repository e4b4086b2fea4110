"""Cells for CSV and spreadsheet exports that a spreadsheet never runs as a formula.

OWASP, "CSV Injection": a cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is read as a formula by Excel, WPS and LibreOffice (``=HYPERLINK(...)``, ``@SUM(...)``,
``-2+3+cmd|' /C calc'!A0``). Enterprise names come from ingested files, so every export neutralises
text cells: such a cell is prefixed with a single quote, which the spreadsheet shows as text.
Numbers stay numbers (a negative number is a number, not text starting with '-').

    neutralise("=1+1")   → "'=1+1"
    neutralise("永康五金") → "永康五金"
    neutralise(-3.5)      → -3.5
    cells(row, columns)   → [neutralise(row.get(c)) for c in columns]
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The value as a safe export cell (text that would start a formula is quoted)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cells(row: dict, columns) -> list:
    """A row's cells in column order, each neutralised."""
    return [neutralise(row.get(column)) for column in columns]
