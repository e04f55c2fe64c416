from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tabgan.cli import main

FAST = ["--epochs", "2", "--batch-size", "200", "--device", "cpu", "--quiet"]


def run(*args: str) -> object:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def credit_csv(credit: pd.DataFrame, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "credit.csv"
    credit.sample(1000, random_state=1).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def model_dir(credit_csv: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("models") / "credit-model"
    result = run("fit", credit_csv, "-o", out, "--seed", "3", *FAST)
    assert result.exit_code == 0, result.output
    assert "fitted credit.csv: 1,000 rows x 14 columns, 2 epochs" in result.output
    return out


def test_schema_infer_writes_yaml(credit_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "schema.yaml"
    result = run("schema", "infer", credit_csv, "-o", out, "--target", "Status")
    assert result.exit_code == 0, result.output
    assert "14 columns" in result.output
    text = out.read_text()
    assert "target: Status" in text and "kind: categorical" in text
    printed = run("schema", "infer", credit_csv)
    assert printed.exit_code == 0 and "columns:" in printed.output


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet"])
def test_sample_formats(model_dir: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"synthetic{suffix}"
    result = run("sample", model_dir, "-n", "1234", "-o", out)
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out)
    assert len(frame) == 1234 and frame.shape[1] == 14
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temp files left behind


def test_fit_with_schema_and_progress(credit_csv: Path, tmp_path: Path) -> None:
    schema = tmp_path / "s.yaml"
    run("schema", "infer", credit_csv, "-o", schema)
    result = run("fit", credit_csv, "--schema", schema, "-o", tmp_path / "m", "--epochs", "2", "--batch-size", "200", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert "epoch 2/2" in result.output and "rows/s" in result.output


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_gives_identical_bytes_across_processes(credit_csv: Path, tmp_path: Path) -> None:
    digests = []
    for run_id in ("a", "b"):
        model, out = tmp_path / f"model-{run_id}", tmp_path / f"out-{run_id}.csv"
        env = {**os.environ, "PYTHONHASHSEED": run_id == "a" and "1" or "2"}
        for args in (["fit", credit_csv, "-o", model, "--seed", "5", *FAST], ["sample", model, "-n", "500", "-o", out]):
            subprocess.run([sys.executable, "-m", "tabgan", *map(str, args)], check=True, env=env, capture_output=True)
        digests.append(_digest(out))
    assert digests[0] == digests[1]


def test_loaded_model_in_new_process_samples_what_it_sampled_before(credit_csv: Path, tmp_path: Path) -> None:
    from tabgan import TabGAN

    frame = pd.read_csv(credit_csv)
    model = TabGAN(epochs=1, batch_size=200, random_state=4, device="cpu").fit(frame)
    before = tmp_path / "before.csv"
    model.sample(300).to_csv(before, index=False)
    model.save(tmp_path / "m")
    after = tmp_path / "after.csv"
    subprocess.run([sys.executable, "-m", "tabgan", "sample", str(tmp_path / "m"), "-n", "300", "-o", str(after)], check=True)
    assert _digest(before) == _digest(after)


def _error_line(result) -> str:
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_errors_are_one_line_nonzero_and_leave_no_output(credit_csv: Path, model_dir: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(credit_csv)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b\n")
    schema = tmp_path / "schema.yaml"
    run("schema", "infer", credit_csv, "-o", schema)
    no_job = tmp_path / "no_job.csv"
    frame.drop(columns=["Job"]).to_csv(no_job, index=False)
    new_home = tmp_path / "new_home.csv"
    frame.assign(Home=frame["Home"].where(frame.index != 7, "castle")).to_csv(new_home, index=False)
    text_age = tmp_path / "text_age.csv"
    frame.assign(Age=frame["Age"].astype(object).where(frame.index != 3, "thirty")).to_csv(text_age, index=False)
    durations = tmp_path / "durations.parquet"
    frame.assign(Seniority=pd.to_timedelta(frame["Seniority"], unit="D")).to_parquet(durations)
    nested = tmp_path / "nested.parquet"
    frame.assign(Job=[["a", "b"]] * len(frame)).to_parquet(nested)
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "notes.txt").write_text("keep me")

    cases = [
        (["fit", tmp_path / "missing.csv"], "missing.csv': no such file"),
        (["fit", empty], "the file is empty"),
        (["fit", header_only], "the table has no rows"),
        (["fit", no_job, "--schema", schema], "column 'Job' is in the schema but not in the data"),
        (["fit", new_home, "--schema", schema], "column 'Home': value 'castle' in row 8 is not one of"),
        (["fit", text_age, "--schema", schema], "column 'Age': value 'thirty' in row 4 is not a number"),
        (["fit", durations], "column 'Seniority' holds durations (timedelta64[ns]), which no column kind models"),
        (["fit", nested], "column 'Job': row 1 holds"),
        (["fit", credit_csv, "--schema", tmp_path / "nope.yaml"], "schema file"),
    ]
    for args, message in cases:
        out = tmp_path / "model-out"
        result = run(*args, "-o", out, *FAST)
        assert result.exit_code != 0, args
        assert message in _error_line(result), (message, result.output)
        assert not out.exists()
    result = run("fit", credit_csv, "-o", documents, *FAST)  # refused before training, files kept
    assert result.exit_code != 0 and "holds files that are not a tabgan model ('notes.txt'" in _error_line(result)
    assert [p.name for p in documents.iterdir()] == ["notes.txt"]

    broken = tmp_path / "broken-model"
    import shutil

    shutil.copytree(model_dir, broken)
    (broken / "generator.safetensors").write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    out = tmp_path / "never.csv"
    result = run("sample", broken, "-n", "10", "-o", out)
    assert result.exit_code != 0
    assert "not a valid safetensors weights file" in _error_line(result)
    assert not out.exists()
    folder = tmp_path / "folder.csv"  # a directory with a table's name: refused, left as it was
    folder.mkdir()
    (folder / "keep.txt").write_text("keep")
    result = run("sample", model_dir, "-n", "10", "-o", folder)
    assert result.exit_code != 0 and "is a directory; give the output table a file name" in _error_line(result)
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
    result = run("sample", model_dir, "-n", "10", "-o", tmp_path / "out.xlsx")
    assert result.exit_code != 0 and "unknown table format" in _error_line(result)


def test_fit_with_a_time_budget_stops_in_time_and_says_which_epoch_it_kept(credit_csv: Path, tmp_path: Path) -> None:
    import json
    import time

    out = tmp_path / "budget-model"
    started = time.perf_counter()
    result = run("fit", credit_csv, "-o", out, "--seed", "1", "--time-budget", "5", "--batch-size", "200",
                 "--device", "cpu", "--quiet")
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - started < 9  # the fit's 5 s plus saving
    assert "kept epoch" in result.output
    history = json.loads((out / "history.json").read_text())
    assert sum(history["timings"].values()) <= 5.5  # preprocessing, setup and training
    assert history["selected"]["epoch"] <= len(history["epochs"])


def test_time_budget_must_be_positive(credit_csv: Path, tmp_path: Path) -> None:
    result = run("fit", credit_csv, "-o", tmp_path / "m", "--time-budget", "0")
    assert result.exit_code != 0 and "--time-budget" in result.output
    assert not (tmp_path / "m").exists()


def test_fit_target_names_the_schema_target_and_an_unknown_one_fails(credit_csv: Path, tmp_path: Path) -> None:
    result = run("fit", credit_csv, "-o", tmp_path / "m", "--target", "Status", "--epochs", "1", "--batch-size", "200",
                 "--device", "cpu", "--quiet")
    assert result.exit_code == 0, result.output
    assert "target: Status" in (tmp_path / "m" / "schema.yaml").read_text()
    bad = run("fit", credit_csv, "-o", tmp_path / "m2", "--target", "nope", "--epochs", "1", "--quiet")
    assert bad.exit_code == 1 and "'nope'" in bad.output and not (tmp_path / "m2").exists()


def test_set_passes_any_model_setting_and_refuses_bad_ones(credit_csv: Path, tmp_path: Path) -> None:
    import json

    out = tmp_path / "set-model"
    result = run("fit", credit_csv, "-o", out, *FAST, "--set", "pac=5", "--set", "generator_dims=[64, 32]",
                 "--set", "calibrate_numbers=false", "--set", "critic-dims=128")
    assert result.exit_code == 0, result.output
    config = json.loads((out / "model.json").read_text())["config"]
    assert (config["pac"], config["generator_dims"], config["critic_dims"]) == (5, [64, 32], [128])
    assert config["calibrate_numbers"] is False

    cases = [
        ("nope=1", "unknown setting 'nope'"),
        ("pac", "expected NAME=VALUE"),
        ("epochs=3", "use the option --epochs"),
        ("pac=abc", "pac='abc' is not a number"),
        ("pac=7", "batch_size=200 is not a multiple of pac=7"),
        ("gumbel_tau=[1", "cannot read the value"),
    ]
    for text, message in cases:
        bad = tmp_path / "bad-model"
        result = run("fit", credit_csv, "-o", bad, *FAST, "--set", text)
        assert result.exit_code == 1, text
        assert message in _error_line(result), (text, result.output)
        assert not bad.exists()


def test_the_shipped_sample_fits_and_samples_through_the_cli(tmp_path: Path) -> None:
    # the README's main job (scripts/quickstart.sh) on the shipped table, cut short
    repo = Path(__file__).resolve().parents[1]
    data, schema = repo / "sample_data" / "customer_reviews.csv", repo / "schemas" / "customer_reviews.yaml"
    fitted = run("fit", data, "--schema", schema, "-o", tmp_path / "model", "--seed", "0", "--epochs", "1", "--quiet")
    assert fitted.exit_code == 0, fitted.output
    out = tmp_path / "synthetic.csv"
    sampled = run("sample", tmp_path / "model", "-n", "300", "-o", out)
    assert sampled.exit_code == 0, sampled.output
    real, synthetic = pd.read_csv(data), pd.read_csv(out)
    assert list(synthetic.columns) == list(real.columns) and len(synthetic) == 300
    days = pd.to_datetime(synthetic["review_date"], format="%Y-%m-%d")
    assert days.min() >= pd.Timestamp(real["review_date"].min()) and days.max() <= pd.Timestamp(real["review_date"].max())
