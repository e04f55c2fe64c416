from __future__ import annotations

import pandas as pd
import pytest

from tabgan.errors import SchemaError
from tabgan.schema import Column, TableSchema, infer_schema, validate


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
    ],
)
def test_bad_schema_files(text: str, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        TableSchema.from_yaml_text(text)


def test_column_rejects_duplicate_categories() -> None:
    with pytest.raises(SchemaError, match="listed twice"):
        Column("x", "categorical", categories=[1, 1.0])
