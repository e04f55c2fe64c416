from __future__ import annotations

import pandas as pd
import pytest

from tabgan.errors import SchemaError
from tabgan.schema import (
    Column,
    TableSchema,
    datetimes_to_text,
    infer_schema,
    parse_datetimes,
    text_to_datetimes,
    validate,
)


def kinds(schema: TableSchema) -> dict[str, str]:
    return {c.name: c.kind for c in schema.columns}


def test_infer_kinds_on_mixed_table(mixed: pd.DataFrame) -> None:
    schema = infer_schema(mixed)
    assert kinds(schema) == {
        "customer_id": "id",
        "city": "categorical",
        "age": "integer",
        "income": "continuous",
        "member": "boolean",
        "rating": "categorical",  # 5 distinct numbers: a label, not a quantity
        "signup": "datetime",
    }
    assert schema.column("city").nullable and not schema.column("age").nullable
    assert schema.column("signup").datetime_format == "%Y-%m-%d"
    assert schema.column("rating").categories == [1, 2, 3, 4, 5]
    assert schema.column("age").min == int(mixed["age"].min())


def test_infer_real_tables(adult: pd.DataFrame, nafld: pd.DataFrame) -> None:
    adult_kinds = kinds(infer_schema(adult))
    assert adult_kinds["age"] == "integer" and adult_kinds["fnlwgt"] == "integer"
    assert adult_kinds["education_num"] == "categorical"  # 16 codes
    assert adult_kinds["workclass"] == "categorical" and adult_kinds["income"] == "categorical"
    nafld_kinds = kinds(infer_schema(nafld))
    assert nafld_kinds["id"] == "id"  # unique key
    # a reference to matched cases: 3,853 labels of 2-5 rows, too rare to learn or release
    assert nafld_kinds["case.id"] == "id"
    assert nafld_kinds["male"] == "boolean" and nafld_kinds["bmi"] == "continuous"


def test_references_with_mostly_rare_labels_are_ids() -> None:
    rows = 600
    frame = pd.DataFrame({
        "product_id": [i % 12 for i in range(rows)],  # 12 products of 50 rows: labels to learn
        "case.id": [i // 3 for i in range(rows)],  # groups of 3: each label too rare
        "order_ID": [f"o{i // 4}" if i < 200 else f"o{i % 20}" for i in range(rows)],  # 1/3 rare rows
        "ticket_id": [f"t{i // 2}" for i in range(rows)],  # text, groups of 2
    })
    assert kinds(infer_schema(frame)) == {
        "product_id": "categorical", "case.id": "id", "order_ID": "categorical", "ticket_id": "id",
    }


def test_yaml_round_trip(mixed: pd.DataFrame, tmp_path) -> None:
    schema = infer_schema(mixed, target="member")
    path = tmp_path / "schema.yaml"
    schema.to_yaml(path)
    again = TableSchema.from_yaml(path)
    assert again == schema
    assert again.target == "member"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.drop(columns=["age"]), "column 'age' is in the schema but not in the data"),
        (lambda d: d.assign(extra=1), "column 'extra' is in the data but not in the schema"),
        (lambda d: d.assign(age=d["age"].astype(object).where(d.index != 3, "forty")), "column 'age': value 'forty' in row 4 is not a number"),
        (lambda d: d.assign(city=d["city"].where(d.index != 5, "Berlin")), "column 'city': value 'Berlin' in row 6 is not one of"),
        (lambda d: d.assign(age=d["age"].where(d.index != 0, 200)), "column 'age': value 200.0 in row 1 is above the maximum"),
        (lambda d: d.assign(age=d["age"].where(d.index != 2, None)), "column 'age': row 3 is empty but the column is not nullable"),
        (lambda d: d.assign(signup=d["signup"].where(d.index != 1, "not a date")), "column 'signup': value 'not a date' in row 2 is not a date"),
        (lambda d: d.iloc[:0], "the table has no rows"),
    ],
)
def test_validate_names_column_and_value(mixed: pd.DataFrame, change, message: str) -> None:
    schema = infer_schema(mixed)
    with pytest.raises(SchemaError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate(change(mixed), schema)


def test_validate_accepts_its_own_data(mixed: pd.DataFrame) -> None:
    schema = infer_schema(mixed)
    assert list(validate(mixed, schema).columns) == schema.names


@pytest.mark.parametrize(
    "text, message",
    [
        ("columns: 3", "'columns' must be a list"),
        ("columns:\n  - name: a\n    kind: quantity\n", "kind 'quantity' is not one of"),
        ("columns:\n  - name: a\n    kind: integer\n    min: 5\n    max: 1\n", "min 5 is greater than max 1"),
        ("columns:\n  - name: a\n    kind: integer\n    colour: red\n", "unknown field 'colour'"),
        ("columns:\n  - name: a\n    kind: integer\ntarget: b\n", "target column 'b' is not in the schema"),
        ("columns: [\n", "not valid YAML"),
        ("columns:\n  - name: at\n    kind: datetime\n    dtype: 'datetime64[ns, Mars/Base]'\n",
         "column 'at': dtype 'datetime64\\[ns, Mars/Base\\]' is not a datetime type"),
    ],
)
def test_bad_schema_files(text: str, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        TableSchema.from_yaml_text(text)


def test_a_datetime_bound_that_is_not_a_date_is_named() -> None:
    schema = TableSchema([Column("at", "datetime", min="not a date", datetime_format="%Y-%m-%d")])
    with pytest.raises(SchemaError, match="column 'at': min 'not a date' is not a date in the format '%Y-%m-%d'"):
        validate(pd.DataFrame({"at": ["2021-01-01"]}), schema)


def test_column_rejects_duplicate_categories() -> None:
    with pytest.raises(SchemaError, match="listed twice"):
        Column("x", "categorical", categories=[1, 1.0])


def test_time_zone_aware_datetimes_keep_their_zone() -> None:
    stamps = pd.Series(pd.date_range("2021-03-01", periods=50, freq="6h", tz="Europe/Berlin"))
    schema = infer_schema(pd.DataFrame({"at": stamps}))
    column = schema.columns[0]
    assert (column.kind, column.dtype) == ("datetime", "datetime64[ns, Europe/Berlin]")
    assert column.min == "2021-02-28 23:00:00"  # bounds in naive UTC
    validate(pd.DataFrame({"at": stamps}), schema)
    parsed = parse_datetimes(column, stamps)
    assert parsed.dtype == "datetime64[ns]" and parsed.iloc[0] == pd.Timestamp("2021-02-28 23:00")


def test_datetime_text_with_mixed_offsets_is_read_in_utc() -> None:
    column = Column("at", "datetime", dtype="object", nullable=True)
    text = pd.DataFrame({"at": ["2021-01-01 00:00:00+02:00", "2021-01-01 00:00:00+00:00", None]})
    validate(text, TableSchema([column]))
    parsed = parse_datetimes(column, text["at"])
    assert parsed.iloc[0] == pd.Timestamp("2020-12-31 22:00") and parsed.iloc[1] == pd.Timestamp("2021-01-01")
    assert parsed.isna().iloc[2]


def test_iso_text_with_offsets_is_a_datetime_written_back_in_utc() -> None:
    text = pd.Series(pd.date_range("2021-01-01", periods=40, freq="7h", tz="Asia/Tokyo")).astype(str)
    column = infer_schema(pd.DataFrame({"at": text})).columns[0]
    assert (column.kind, column.datetime_format) == ("datetime", "%Y-%m-%d %H:%M:%S%z")
    assert column.min == "2020-12-31 15:00:00+0000"
    written = datetimes_to_text(text_to_datetimes(text, column.datetime_format), column.datetime_format)
    assert written.iloc[1] == "2020-12-31 22:00:00+0000"
    validate(pd.DataFrame({"at": written}), TableSchema([column]))  # its own output passes its bounds


def test_dates_read_as_categorical_text_parse() -> None:
    # a compact read (tabgan.io.read_table_compact) holds text as categoricals; with many
    # repeats pandas parses them to categorical stamps, which once broke the UTC conversion
    column = Column("day", "datetime", dtype="object", datetime_format="%Y-%m-%d")
    days = pd.Series(["2022-01-01", "2022-01-02"] * 100).astype("category")
    parsed = parse_datetimes(column, days)
    assert parsed.dtype == "datetime64[ns]" and parsed.iloc[1] == pd.Timestamp("2022-01-02")


def test_an_infinite_number_is_inferred_quietly_and_refused_by_name() -> None:
    """Inference treats an infinity as not whole without a numpy warning; validation then
    names the column, the value and the row."""
    import warnings

    frame = pd.DataFrame({"amount": [i + 0.5 for i in range(40)]})
    frame.loc[2, "amount"] = float("inf")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schema = infer_schema(frame)
    assert kinds(schema) == {"amount": "continuous"}
    with pytest.raises(SchemaError, match="column 'amount': value inf in row 3 is infinite"):
        validate(frame, schema)


def test_exact_decimals_are_numbers() -> None:
    """decimal.Decimal values (databases' exact numbers in pandas) infer and validate as numbers."""
    import decimal

    frame = pd.DataFrame({"amount": [decimal.Decimal(f"{i}.25") for i in range(40)]})
    schema = infer_schema(frame)
    assert kinds(schema) == {"amount": "continuous"} and schema.columns[0].dtype == "float64"
    assert schema.columns[0].min == 0.25 and schema.columns[0].max == 39.25
    validate(frame, schema)


def test_durations_and_nested_values_are_refused_by_name() -> None:
    """What no kind models fails with the column named, at inference and at validation."""
    durations = pd.DataFrame({"wait": pd.to_timedelta(range(30), unit="m")})
    with pytest.raises(SchemaError, match="column 'wait' holds durations"):
        infer_schema(durations)
    with pytest.raises(SchemaError, match="column 'wait' holds durations"):
        validate(durations, TableSchema(columns=[Column("wait", "continuous", dtype="float64")]))
    nested = pd.DataFrame({"tags": [["a"], ["b", "c"]] * 10, "meta": [{"k": 1}] * 20})
    with pytest.raises(SchemaError, match=r"column 'tags': row 1 holds \['a'\], a list of values rather than one value"):
        infer_schema(nested[["tags"]])
    with pytest.raises(SchemaError, match="column 'meta': row 1 holds .*, a record rather than one value"):
        infer_schema(nested[["meta"]])
    schema = TableSchema(columns=[Column("tags", "categorical", categories=["a"])])
    with pytest.raises(SchemaError, match="column 'tags': row 1 holds"):
        validate(nested[["tags"]], schema)


def test_column_labels_that_are_not_text_are_named_as_text() -> None:
    """A frame made from an array has columns 0, 1, ...: they become '0', '1', ...; a label
    there twice once written as text is refused by name."""
    frame = pd.DataFrame({0: [float(i) + 0.5 for i in range(30)], 1: ["a", "b", "c"] * 10})
    schema = infer_schema(frame)
    assert schema.names == ["0", "1"]
    assert list(validate(frame, schema).columns) == ["0", "1"]
    with pytest.raises(SchemaError, match="column '1' is in the table twice"):
        infer_schema(pd.DataFrame([[1.5, "a", 2.5]], columns=[0, 1, "1"]))
