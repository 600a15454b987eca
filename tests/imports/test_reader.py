from pathlib import Path

import polars as pl
import pytest

from tradeguard.imports.reader import ROW, UnreadableFileError, read_table


def test_parquet_is_read_as_text_with_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "buyers.parquet"
    pl.DataFrame({"Buyer_ID": ["B1", "B2"], "terms_days": [30, None]}).write_parquet(path)
    frame = read_table(path)
    assert frame.columns == [ROW, "buyer_id", "terms_days"]
    assert frame.rows() == [(2, "B1", "30"), (3, "B2", None)]


def test_csv_with_byte_order_mark_and_blank_cells(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes("\ufeffbuyer_id,name\nB1,\nB2,Zwei\n".encode())
    assert read_table(path).rows() == [(2, "B1", None), (3, "B2", "Zwei")]


def test_unknown_file_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text("{}")
    with pytest.raises(UnreadableFileError, match="unsupported file type"):
        read_table(path)


def test_blank_header_cells_may_repeat(tmp_path: Path) -> None:
    """Spreadsheets export unused columns as blank headers; they are extra columns."""
    path = tmp_path / "b.csv"
    path.write_text("buyer_id,name,,\nB1,Eins,,\n")
    frame = read_table(path)
    assert frame.select(ROW, "buyer_id", "name").rows() == [(2, "B1", "Eins")]
