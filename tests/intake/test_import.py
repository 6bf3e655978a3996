import csv

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from tickets.models import Ticket

HEADER = ["原工单号", "渠道", "客户姓名", "联系电话", "产品型号", "问题描述", "受理时间", "状态"]
ROWS = [
    [
        "OLD-1",
        "400热线",
        "王芳",
        "13800138001",
        "KFR-35GW",
        "空调制冷时异响",
        "2026-10-01 09:30",
        "已关闭",
    ],
    ["OLD-2", "官网", "李雷", "13800138002", "", "冰箱冷藏室结冰", "2026-10-02 10:00", "处理中"],
    ["OLD-3", "传真", "韩梅", "13800138003", "", "洗衣机漏水", "2026-10-03 11:00", ""],
    ["OLD-4", "门店", "赵强", "12345", "", "热水器不加热", "2026-10-04 12:00", ""],
    ["OLD-5", "企业微信", "钱七", "13800138005", "", "", "2026-10-05", ""],
    ["OLD-6", "企业微信", "孙八", "13800138006", "", "电饭煲夹生", "昨天", ""],
]


def _csv(tmp_path, rows):
    path = tmp_path / "old.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def test_csv_import_reports_each_rejected_row_with_its_reason(db, tmp_path, capsys):
    call_command("import_tickets", str(_csv(tmp_path, ROWS)))
    out = capsys.readouterr().out

    assert "2 imported, 0 already there, 4 rejected." in out
    assert "row 4 rejected: channel" in out
    assert "row 5 rejected: phone" in out
    assert "row 6 rejected: description" in out
    assert "row 7 rejected: received_at" in out
    closed = Ticket.objects.get(external_ref="import:OLD-1")
    assert closed.status == Ticket.Status.CLOSED and closed.channel == "phone"
    assert [e.to_status for e in closed.events.order_by("pk")][-1] == "closed"
    assert Ticket.objects.get(external_ref="import:OLD-2").status == "in_progress"


def test_importing_the_same_file_twice_adds_nothing(db, tmp_path, capsys):
    path = _csv(tmp_path, ROWS[:2])
    call_command("import_tickets", str(path))
    call_command("import_tickets", str(path))
    assert "0 imported, 2 already there, 0 rejected." in capsys.readouterr().out
    assert Ticket.objects.count() == 2


def test_xlsx_import_with_real_dates(db, tmp_path, capsys):
    from datetime import datetime

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(
        ["X-1", "门店", "周九", "021-62345678", "", "打印机卡纸", datetime(2026, 9, 1, 14), ""]
    )
    path = tmp_path / "old.xlsx"
    book.save(path)

    call_command("import_tickets", str(path))

    ticket = Ticket.objects.get(external_ref="import:X-1")
    assert ticket.customer.phone == "+862162345678"
    assert ticket.received_at.year == 2026 and ticket.received_at.month == 9


def test_unknown_file_type_is_a_clear_error(db, tmp_path):
    path = tmp_path / "old.txt"
    path.write_text("x")
    with pytest.raises(CommandError, match="xlsx"):
        call_command("import_tickets", str(path))
