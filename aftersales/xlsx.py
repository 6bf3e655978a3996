"""The one shape of every Excel export's sheet: a bold header row, then the rows."""

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet


def sheet_add(book: Workbook, title: str, header: list, rows: list[list]) -> Worksheet:
    sheet = book.create_sheet(title)
    sheet.append([str(cell) for cell in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    return sheet
