"""Reading tables for fitting in batches, with text as categoricals: same values, same model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from tabgan.errors import DataError
from tabgan.io import CsvDialect, csv_dialect, read_table, read_table_compact, text_encoding
from tabgan.synthesizer import TabGAN


def as_plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns back to object; text nulls as NaN (Parquet gives None)."""
    out = frame.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.CategoricalDtype) or out[name].dtype == object:
            values = out[name].astype(object)
            out[name] = values.where(values.notna(), np.nan)
    return out


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet"])
def test_compact_read_gives_the_values_of_a_plain_read(mixed: pd.DataFrame, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"table{suffix}"
    if suffix == ".parquet":
        mixed.to_parquet(path, index=False)
    else:
        mixed.to_csv(path, index=False)
    compact = read_table_compact(path, batch_rows=37)  # many batches, each with its own labels
    assert isinstance(compact["city"].dtype, pd.CategoricalDtype)
    assert compact["age"].dtype == np.int64
    pd.testing.assert_frame_equal(as_plain(compact), as_plain(read_table(path)))


def test_a_column_of_numbers_with_text_further_down_reads_as_text(tmp_path: Path) -> None:
    path = tmp_path / "late_text.csv"
    pd.DataFrame({"code": [str(i) for i in range(50)] + ["A7"] * 10, "x": np.arange(60)}).to_csv(path, index=False)
    compact = read_table_compact(path, batch_rows=20)
    plain = read_table(path)
    pd.testing.assert_frame_equal(as_plain(compact), as_plain(plain))


def test_codes_with_leading_zeros_keep_them(tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("zip,amount,flag\n00123,0.5,0\n10001,12,1\n04567,7,0\n")
    for read in (read_table, lambda p: as_plain(read_table_compact(p, batch_rows=2))):
        frame = read(path)
        assert frame["zip"].tolist() == ["00123", "10001", "04567"]
        assert frame["amount"].dtype == float and frame["flag"].dtype == np.int64  # '0' and '0.5' stay numbers


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_a_leading_zero_far_down_the_file_still_keeps_the_codes(tmp_path: Path, suffix: str) -> None:
    # the first code with a leading zero is in row 30,000: pandas' own guess would read numbers
    codes = [str(10_000 + i) for i in range(30_000)] + ["01234"] + [str(20_000 + i) for i in range(99)]
    path = tmp_path / f"late_zero{suffix}"
    pd.DataFrame({"account": codes, "amount": np.arange(len(codes)) / 4}).to_csv(path, index=False)
    for read in (read_table, lambda p: as_plain(read_table_compact(p, batch_rows=7_000))):
        frame = read(path)
        assert frame["account"].iloc[30_000] == "01234" and frame["account"].iloc[0] == "10000"
        assert frame["amount"].dtype == float


def test_codes_are_found_by_position_under_repeated_or_marked_headers(tmp_path: Path) -> None:
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("zip,zip,x\n12345,7,1\n23456,00456,2\n")  # pandas names the second 'zip.1'
    frame = read_table(repeated)
    assert frame["zip.1"].tolist() == ["7", "00456"] and frame["zip"].tolist() == [12345, 23456]
    marked = tmp_path / "marked.csv"
    marked.write_bytes("\ufeffzip,x\n00123,1\n".encode("utf-8"))  # a byte-order mark before the header
    assert read_table(marked)["zip"].tolist() == ["00123"]


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_a_csv_with_another_delimiter_is_read_by_its_columns(tmp_path: Path, sep: str) -> None:
    """Semicolons, tabs and bars are found from the header; codes keep their zeros under them."""
    path = tmp_path / "other.csv"
    path.write_text(sep.join(["zip", "city, country", "amount"]) + "\n"
                    + "\n".join(sep.join([f"0{i}12", f"c{i % 3}", f"{i}.5"]) for i in range(30)) + "\n")
    assert csv_dialect(path).sep == sep
    for read in (read_table, lambda p: as_plain(read_table_compact(p, batch_rows=7))):
        frame = read(path)
        assert list(frame.columns) == ["zip", "city, country", "amount"]
        assert frame["zip"].iloc[1] == "0112" and frame["amount"].iloc[1] == 1.5


def test_semicolons_with_decimal_commas_read_as_numbers(tmp_path: Path) -> None:
    """The spreadsheet export of comma-decimal locales: ';' between fields, ',' in numbers."""
    path = tmp_path / "european.csv.gz"
    pd.DataFrame({"amount": [f"{i},25" for i in range(40)], "label": ["a", "b"] * 20}).to_csv(path, sep=";", index=False)
    assert csv_dialect(path) == CsvDialect(";", ",")
    for read in (read_table, lambda p: as_plain(read_table_compact(p, batch_rows=9))):
        frame = read(path)
        assert frame["amount"].dtype == float and frame["amount"].iloc[3] == 3.25
    # a decimal point anywhere in the sample keeps the point as the mark (the commas stay text)
    mixed_marks = tmp_path / "mixed.csv"
    mixed_marks.write_text("a;b\n1,5;2.5\n3,5;4.5\n")
    assert csv_dialect(mixed_marks) == CsvDialect(";", ".")
    assert read_table(mixed_marks)["a"].tolist() == ["1,5", "3,5"]


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_a_windows_export_in_a_western_european_code_page_reads_its_letters(tmp_path: Path, suffix: str) -> None:
    """Not UTF-8 (the byte 0xF6 for 'ö'): read as cp1252; a byte-order-marked UTF-8 file as UTF-8."""
    import gzip

    text = "Name;Stadt;Betrag\r\n" + "".join(f"K{i};{'Köln' if i % 2 else 'Zürich'};{i},5\r\n" for i in range(20))
    path = tmp_path / f"export{suffix}"
    data = text.encode("cp1252")
    path.write_bytes(gzip.compress(data) if suffix == ".csv.gz" else data)
    assert text_encoding(path) == "cp1252" and csv_dialect(path) == CsvDialect(";", ",", "cp1252")
    for read in (read_table, lambda p: as_plain(read_table_compact(p, batch_rows=6))):
        frame = read(path)
        assert frame["Stadt"].tolist()[:2] == ["Zürich", "Köln"] and frame["Betrag"].iloc[3] == 3.5
    marked = tmp_path / "marked.csv"
    marked.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert text_encoding(marked) == "utf-8" and list(read_table(marked).columns) == ["Name", "Stadt", "Betrag"]


def test_a_comma_csv_and_a_one_column_csv_keep_the_comma(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text('name,"note; with semicolons; inside"\nx,1\n')
    one = tmp_path / "one.csv"
    one.write_text("value\n1\n2\n")
    assert csv_dialect(plain) == CsvDialect() and csv_dialect(one) == CsvDialect()
    assert list(read_table(plain).columns) == ["name", "note; with semicolons; inside"]


def test_parquet_decimals_read_as_floats(tmp_path: Path) -> None:
    import decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "decimals.parquet"
    amounts = pa.array([decimal.Decimal(f"{i}.05") for i in range(12)], type=pa.decimal128(8, 2))
    pq.write_table(pa.table({"amount": amounts, "kind": ["a", "b"] * 6}), path)
    for read in (read_table, read_table_compact):
        frame = read(path)
        assert frame["amount"].dtype == np.float64 and frame["amount"].iloc[3] == 3.05


def test_a_file_pyarrow_cannot_parse_is_left_to_pandas(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("zip,amount\n00123,1\n00456,2,extra\n")
    with pytest.raises(DataError, match="cannot read the table"):
        read_table(path)


def test_compact_read_refuses_what_read_table_refuses(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        read_table_compact(tmp_path / "missing.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="empty"):
        read_table_compact(tmp_path / "empty.csv")
    (tmp_path / "header.csv").write_text("a,b\n")
    with pytest.raises(DataError, match="no rows"):
        read_table_compact(tmp_path / "header.csv")


def test_a_model_fitted_on_a_compact_read_is_the_same_model(mixed: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "table.parquet"
    mixed.to_parquet(path, index=False)
    plain = TabGAN(epochs=2, batch_size=100, random_state=4, device="cpu").fit(read_table(path))
    compact = TabGAN(epochs=2, batch_size=100, random_state=4, device="cpu").fit(read_table_compact(path, batch_rows=64))
    assert compact.schema_.to_yaml() == plain.schema_.to_yaml()  # dtypes of the labels, not 'category'
    for (name, a), (_, b) in zip(plain.generator_.state_dict().items(), compact.generator_.state_dict().items()):
        assert torch.equal(a, b), name
    pd.testing.assert_frame_equal(compact.sample(300), plain.sample(300))
