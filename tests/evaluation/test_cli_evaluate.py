"""`tabgan evaluate REAL SYNTH ... -o REPORT` on small real tables."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from tabgan.cli import main
from tabgan.schema import infer_schema


def _files(adult, tmp_path):
    order = np.random.default_rng(11).permutation(len(adult))
    paths = {}
    for i, name in enumerate(("real", "synth", "holdout")):
        paths[name] = tmp_path / f"{name}.csv"
        adult.iloc[order[i * 1200:(i + 1) * 1200]].to_csv(paths[name], index=False)
    return paths


def test_evaluate_writes_json_and_prints_the_headline(adult, tmp_path):
    paths = _files(adult, tmp_path)
    schema_path = tmp_path / "schema.yaml"
    infer_schema(adult.iloc[:1200]).to_yaml(schema_path)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(main, [
        "evaluate", str(paths["real"]), str(paths["synth"]), "--schema", str(schema_path),
        "--holdout", str(paths["holdout"]), "--target", "income", "-o", str(out), "--seed", "3",
    ])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == f"wrote {out}"
    assert lines[1].startswith("quality ") and "TSTR AUC" in lines[1] and "DCR share" in lines[1]
    assert "membership attack AUC" in lines[1]
    report = json.loads(out.read_text())
    assert report["info"]["seed"] == 3 and report["utility"]["target"] == "income"


def test_evaluate_html_without_holdout(adult, tmp_path):
    paths = _files(adult, tmp_path)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["evaluate", str(paths["real"]), str(paths["synth"]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "DCR share n/a" in result.output


def test_user_mistakes_are_one_line_errors(adult, tmp_path):
    paths = _files(adult, tmp_path)
    runner = CliRunner()
    bad_suffix = runner.invoke(main, ["evaluate", str(paths["real"]), str(paths["synth"]), "-o", str(tmp_path / "r.txt")])
    assert bad_suffix.exit_code == 1 and "must end in .json or .html" in bad_suffix.output
    missing = runner.invoke(main, ["evaluate", str(paths["real"]), str(tmp_path / "nope.csv"), "-o", str(tmp_path / "r.json")])
    assert missing.exit_code == 1 and "no such file" in missing.output and "Traceback" not in missing.output
    target = runner.invoke(main, ["evaluate", str(paths["real"]), str(paths["synth"]), "--target", "salary",
                                  "-o", str(tmp_path / "r.json")])
    assert target.exit_code == 1 and "target column 'salary'" in target.output
    assert not (tmp_path / "r.json").exists() and not (tmp_path / "r.txt").exists()
