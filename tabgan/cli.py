"""The ``tabgan`` command line: parse options, call the library, print. No logic of its own."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from tabgan.errors import TabganError

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(command: F) -> F:
    """Turn a TabganError into one 'Error: ...' line and exit code 1 (nothing half-written)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except TabganError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"


class ProgressBar:
    """One updating line on a terminal; a line every 10% of epochs otherwise (logs, CI)."""

    def __init__(self, stream: Any = None, width: int = 24) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.perf_counter()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, epoch: int, total: int, record: dict[str, float]) -> None:
        done = int(self.width * epoch / total)
        elapsed = time.perf_counter() - self.started
        eta = elapsed / epoch * (total - epoch)
        line = (
            f"epoch {epoch}/{total} [{'#' * done}{'.' * (self.width - done)}] "
            f"critic {record['critic_loss']:+.3f}  generator {record['generator_loss']:+.3f}  "
            f"{record['rows_per_second']:,.0f} rows/s  eta {_duration(eta)}"
        )
        if self.tty:
            end = "\n" if epoch == total else ""
            self.stream.write("\r" + line + end)
            self.stream.flush()
        elif epoch == total or epoch % max(1, total // 10) == 0 or epoch == 1:
            self.stream.write(line + "\n")
            self.stream.flush()


def _where(model: Any) -> str:
    """The device a model trained on, and how many processes trained it."""
    world = model.cluster_.world_size
    return f"{world} x {model.device_.type} (DDP)" if world > 1 else model.device_.type


def training_options(command: F) -> F:
    """The options of every command that fits a model: schema, epochs, batch size, seed, device."""
    options = [
        click.option("--schema", "schema_path", type=click.Path(path_type=Path), help="YAML schema; inferred when absent."),
        click.option("--epochs", type=int, help="Passes over the data (default: enough for 5,000 training steps, 10 to 2,000 epochs)."),
        click.option("--batch-size", type=int, help="Rows per training step."),
        click.option(
            "--time-budget", type=click.FloatRange(min=1), metavar="SECONDS",
            help="Stop training when the whole fit would take longer; the generator of the epoch with the best "
            "validation fidelity is kept.",
        ),
        click.option("--seed", type=int, help="Random seed; the same seed gives the same model and samples."),
        click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True),
        click.option("--quiet", is_flag=True, help="No progress bar."),
        click.option(
            "--set", "overrides", multiple=True, metavar="NAME=VALUE",
            help="Any model setting of TabGANConfig, e.g. --set pac=10 --set generator_dims=[512,512] "
            "(repeatable; each checked against its range).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def privacy_options(command: F) -> F:
    """The options of ``fit`` that protect the people in the training table."""
    options = [
        click.option(
            "--dp-epsilon", type=click.FloatRange(min=0.01), metavar="E",
            help="Train with differential privacy (DP-SGD) to this epsilon; see docs/PRIVACY.md for what it covers.",
        ),
        click.option(
            "--dp-delta", type=click.FloatRange(min=1e-12, max=0.1), metavar="D",
            help="Delta of the DP budget (default: min(1e-5, 1 / (10 x rows))).",
        ),
        click.option(
            "--allow-copies", is_flag=True,
            help="Let samples contain rows equal to a training row (by default they are dropped and replaced).",
        ),
        click.option(
            "--rare-threshold", type=click.IntRange(min=0), default=5, show_default=True,
            help="Categorical labels seen fewer times (plus a random 0-3) are never emitted; 0 turns this off.",
        ),
        click.option(
            "--clip-quantile", type=click.FloatRange(min=0, max=0.2), default=0.0, show_default=True,
            help="Generate numbers only between the q and 1-q training quantiles (hides extremes).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def fit_model(
    real: Any, schema_path: Path | None, epochs: int | None, batch_size: int | None, seed: int | None, device: str,
    quiet: bool, time_budget: float | None = None, settings: dict[str, Any] | None = None,
    target: str | None = None, overrides: dict[str, Any] | None = None,
) -> Any:
    """A TabGAN fitted on ``real`` with the command line's training options (and ``settings``);
    ``target`` names the schema's target column (given or inferred); ``overrides`` are the
    parsed ``--set NAME=VALUE`` settings."""
    from dataclasses import replace

    from tabgan.errors import SchemaError
    from tabgan.schema import TableSchema, infer_schema
    from tabgan.synthesizer import TabGAN

    table_schema = TableSchema.from_yaml(schema_path) if schema_path is not None else None
    if target is not None:
        if target not in real.columns:
            raise SchemaError(f"target column {target!r} is not in the data")
        table_schema = infer_schema(real, target=target) if table_schema is None else replace(table_schema, target=target)
    options: dict[str, Any] = {"random_state": seed, "device": device, **(settings or {})}
    options.update(overrides or {})
    if epochs is not None:
        options["epochs"] = epochs
    if batch_size is not None:
        options["batch_size"] = batch_size
    if time_budget is not None:
        options["time_budget"] = time_budget
    return TabGAN(**options).fit(real, table_schema, progress=None if quiet else ProgressBar())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tabgan")
def main() -> None:
    """tabgan: learn a table of real records and generate synthetic ones."""


@main.group()
def schema() -> None:
    """Infer or check table schemas."""


@schema.command("infer")
@click.argument("data", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the schema here (YAML); default: print it.")
@click.option("--target", help="Name this column as the target (e.g. the label to predict).")
@user_errors
def schema_infer(data: Path, output: Path | None, target: str | None) -> None:
    """Infer a YAML schema from the table DATA (.csv, .csv.gz or .parquet)."""
    from tabgan.io import read_table
    from tabgan.schema import infer_schema

    table_schema = infer_schema(read_table(data), target=target)
    if output is None:
        click.echo(table_schema.to_yaml(), nl=False)
        return
    table_schema.to_yaml(output)
    kinds: dict[str, int] = {}
    for column in table_schema.columns:
        kinds[column.kind] = kinds.get(column.kind, 0) + 1
    summary = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    looked_up = [f"{c['column']} by {c['by']}" for c in table_schema.constraints if c.get("type") == "determined"]
    found = f"; determined (looked up, not generated): {', '.join(looked_up)}" if looked_up else ""
    click.echo(f"wrote {output}: {len(table_schema.columns)} columns ({summary}){found}")


@main.command()
@click.argument("data", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Model directory to write.")
@training_options
@privacy_options
@click.option(
    "--target",
    help="The column a model trained on the synthetic rows will predict, recorded as the schema's target "
    "(default: the schema's own).",
)
@click.option(
    "--distributed", is_flag=True,
    help="Train data-parallel across the processes torchrun starts: "
    "torchrun --nproc-per-node N -m tabgan fit DATA -o MODEL_DIR --distributed (rank 0 writes the model).",
)
@user_errors
def fit(
    data: Path,
    output: Path,
    schema_path: Path | None,
    epochs: int | None,
    batch_size: int | None,
    time_budget: float | None,
    seed: int | None,
    device: str,
    quiet: bool,
    dp_epsilon: float | None,
    dp_delta: float | None,
    allow_copies: bool,
    rare_threshold: int,
    clip_quantile: float,
    overrides: tuple[str, ...],
    target: str | None,
    distributed: bool,
) -> None:
    """Fit a model on the table DATA and save it to a directory."""
    from tabgan.config import parse_settings
    from tabgan.io import read_table_compact
    from tabgan.persistence import check_model_destination

    chosen = parse_settings(overrides)  # a misspelt setting fails before the table is read
    check_model_destination(output)  # and a directory the model may not replace, before training
    real = read_table_compact(data)
    started = time.perf_counter()
    settings = {
        "dp_epsilon": dp_epsilon, "dp_delta": dp_delta, "no_copies": False if allow_copies else None,
        "rare_category_threshold": rare_threshold, "clip_quantile": clip_quantile, "distributed": distributed,
    }
    model = fit_model(
        real, schema_path, epochs, batch_size, seed, device, quiet, time_budget, settings, target, chosen
    )
    seconds = time.perf_counter() - started
    if not model.cluster_.is_primary:
        return  # rank 0 writes the model and reports
    model.save(output)
    epochs_done = len(model.history_.epochs)
    rate = sum(e["rows_per_second"] for e in model.history_.epochs) / max(epochs_done, 1)
    selected = model.history_.selected
    kept = f", kept epoch {selected['epoch']} (validation fidelity {selected['fidelity']:.3f})" if selected else ""
    click.echo(
        f"fitted {data.name}: {len(real):,} rows x {real.shape[1]} columns, {epochs_done} epochs in "
        f"{_duration(seconds)} ({rate:,.0f} rows/s on {_where(model)}, seed {model.seed_}{kept}); "
        f"model saved to {output}"
    )
    if model.target_head_ is not None:
        click.echo(f"target {model.schema_.target!r}: drawn for each row from a classifier of the other columns "
                   "(target head; --set target_head=false to generate it with the rest)")
    dp = model.privacy_.get("differential_privacy")
    protections = ["no copied rows" if model.privacy_["no_copies"] else "copies allowed"]
    if rare_threshold:
        protections.append(f"rare labels hidden (threshold {rare_threshold} + 0-3)")
    if dp:
        protections.append(f"differential privacy: epsilon {dp['epsilon']:.3g} spent of {dp['target_epsilon']:g}, "
                           f"delta {dp['delta']:.2g}")
    click.echo("privacy: " + "; ".join(protections))


@main.command()
@click.argument("model_dir", type=click.Path(path_type=Path))
@click.option("-n", "--rows", type=click.IntRange(min=1), required=True, help="How many rows to generate.")
@click.option(
    "-o", "--output", type=click.Path(), required=True,
    help="Output table (.csv, .csv.gz, .parquet); with --partition-rows, a directory.",
)
@click.option("--seed", type=int, help="Random seed (default: the model's own seed).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option(
    "--where", "conditions", multiple=True, metavar="COND",
    help="Condition every row meets, e.g. --where 'category=books' --where 'age>=60' (repeatable).",
)
@click.option(
    "--min-distance-quantile", type=click.FloatRange(min=0, max=1, min_open=True, max_open=True), metavar="Q",
    help="Drop rows closer to a training row than the Q quantile of holdout-to-train distances (needs --training-data).",
)
@click.option("--training-data", type=click.Path(path_type=Path), help="The table the model was fitted on (for --min-distance-quantile).")
@click.option(
    "--partition-rows", type=click.IntRange(min=1), metavar="R",
    help="Write a directory of Parquet parts (part-00000.parquet, ...) of R rows each instead of one file.",
)
@click.option(
    "--workers", type=click.IntRange(min=1), metavar="W",
    help="With --partition-rows: write parts in W processes in parallel (same bytes for any W).",
)
@click.option(
    "--precision", type=click.Choice(["auto", "fp32", "bf16"]), default="auto", show_default=True,
    help="The generator's matrix products: bf16 runs them on the CPU's bfloat16 units (AMX, AVX512-BF16) "
    "with float32 results; auto uses bf16 where the CPU has them, fp32 elsewhere.",
)
@user_errors
def sample(
    model_dir: Path, rows: int, output: str, seed: int | None, device: str, conditions: tuple[str, ...],
    min_distance_quantile: float | None, training_data: Path | None, partition_rows: int | None, workers: int | None,
    precision: str,
) -> None:
    """Generate rows from a saved model into a table file (or a partitioned Parquet dataset),
    written atomically."""
    from tabgan.errors import TabganError
    from tabgan.io import read_table, table_format, write_table_chunks
    from tabgan.synthesizer import TabGAN

    if (min_distance_quantile is None) != (training_data is None):
        raise TabganError("--min-distance-quantile and --training-data go together")
    if partition_rows is not None:
        from tabgan.export import dataset_path, write_partitioned

        out_dir = dataset_path(output)  # refuse a table file name before any work
        if min_distance_quantile is not None:
            raise TabganError("--min-distance-quantile is not available with --partition-rows")
        summary = write_partitioned(
            model_dir, rows, out_dir, partition_rows, workers or 1, seed, list(conditions) or None, device=device,
            sample_precision=precision,
        )
        click.echo(
            f"wrote {summary.rows:,} rows in {summary.parts:,} parts to {output} in {summary.seconds:.1f}s "
            f"({summary.rows_per_second:,.0f} rows/s, {summary.workers} worker{'s' if summary.workers > 1 else ''})"
        )
        return
    if workers is not None:
        raise TabganError("--workers needs --partition-rows (parallel writing is for partitioned datasets)")
    table_format(output)  # refuse an unknown format before any work
    model = TabGAN.load(model_dir, device=device, sample_precision=precision)
    distance_filter = None
    if min_distance_quantile is not None and training_data is not None:
        from tabgan.privacy.distance import DistanceFilter

        distance_filter = DistanceFilter.fit(read_table(training_data), model.schema_, min_distance_quantile)
    started = time.perf_counter()
    stream = model.iter_sample(rows, seed=seed, conditions=list(conditions) or None, distance_filter=distance_filter)
    written = write_table_chunks(stream, output)
    seconds = time.perf_counter() - started
    click.echo(f"wrote {written:,} rows to {output} in {_duration(seconds)} ({written / max(seconds, 1e-9):,.0f} rows/s)")


@main.command()
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--target", required=True, help="The class column whose rare classes get more rows.")
@click.option("--balance", is_flag=True, help="Add rows until every class is as large as the largest.")
@click.option("--add", "add_rows", type=click.IntRange(min=1), help="Add this many rows of one class (--class, default the rarest).")
@click.option("--class", "label", help="With --add: the class to add rows of.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Real plus synthetic rows (.csv, .csv.gz, .parquet).")
@click.option("--model", "model_dir", type=click.Path(path_type=Path), help="Use this fitted model instead of fitting one on DATA.")
@click.option("--mark", help="Add a boolean column of this name: True for synthetic rows.")
@training_options
@user_errors
def augment(
    data: Path, target: str, balance: bool, add_rows: int | None, label: str | None, output: Path,
    schema_path: Path | None, model_dir: Path | None, mark: str | None, epochs: int | None,
    batch_size: int | None, time_budget: float | None, seed: int | None, device: str, quiet: bool,
    overrides: tuple[str, ...],
) -> None:
    """Write DATA plus synthetic rows of its rare TARGET classes (for training a model)."""
    from tabgan.augment import augment as augment_table
    from tabgan.config import parse_settings
    from tabgan.errors import TabganError
    from tabgan.io import read_table, table_format, write_table
    from tabgan.synthesizer import TabGAN

    table_format(output)
    if balance == (add_rows is not None):
        raise TabganError("give exactly one of --balance and --add N")
    chosen = parse_settings(overrides)
    real = read_table(data)
    if target not in real.columns:  # before any fitting
        raise TabganError(f"target column {target!r} is not in the data")
    if model_dir is not None:
        ignored = [name for name, given in (("--schema", schema_path), ("--epochs", epochs), ("--batch-size", batch_size),
                                            ("--time-budget", time_budget), ("--set", overrides or None)) if given is not None]
        if ignored:
            raise TabganError(f"{', '.join(ignored)} set how a model is fitted; with --model the saved model is used as it is")
        model = TabGAN.load(model_dir, device=device)
    else:
        # the output holds the real rows anyway: rare target classes must stay generatable
        model = fit_model(
            real, schema_path, epochs, batch_size, seed, device, quiet, time_budget, {"rare_category_threshold": 0},
            overrides=chosen,
        )
    typed_label: Any = label
    if label is not None and target in real.columns:
        matches = [v for v in real[target].dropna().unique() if str(v) == label]
        typed_label = matches[0] if matches else label
    out = augment_table(real, model, target, balance=balance, add=add_rows, label=typed_label, seed=seed, mark=mark)
    write_table(out, output)
    before = real[target].value_counts().to_dict()
    after = out[target].value_counts().to_dict()
    changes = ", ".join(f"{k}: {before.get(k, 0):,} -> {v:,}" for k, v in after.items())
    click.echo(f"wrote {len(out):,} rows ({len(out) - len(real):,} synthetic) to {output}; {target}: {changes}")


@main.command()
@click.argument("real", type=click.Path(path_type=Path))
@click.argument("synthetic", type=click.Path(path_type=Path))
@click.option("--schema", "schema_path", type=click.Path(path_type=Path), help="YAML schema; inferred from REAL when absent.")
@click.option("--holdout", type=click.Path(path_type=Path), help="Real rows the generator never saw (utility, DCR share).")
@click.option("--target", help="Column to predict for utility (default: the schema's target).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Report file: .json or .html.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every subsample, split and model.")
@click.option("--model", "model_dir", type=click.Path(path_type=Path),
              help="The model that made SYNTHETIC: its privacy protection (copies, rare labels, DP) goes in the report.")
@user_errors
def evaluate(
    real: Path, synthetic: Path, schema_path: Path | None, holdout: Path | None, target: str | None,
    output: Path, seed: int, model_dir: Path | None,
) -> None:
    """Score the SYNTHETIC table against the REAL one it imitates; write a JSON or HTML report."""
    from tabgan.errors import DataError
    from tabgan.evaluation import evaluate as evaluate_tables
    from tabgan.io import read_table
    from tabgan.schema import TableSchema

    if output.suffix.lower() not in (".json", ".html", ".htm"):
        raise DataError(f"{str(output)!r}: a report file must end in .json or .html")
    table_schema = TableSchema.from_yaml(schema_path) if schema_path is not None else None
    protection = None
    if model_dir is not None:
        from tabgan.persistence import read_privacy_record

        protection = read_privacy_record(model_dir)
    report = evaluate_tables(
        read_table(real), read_table(synthetic), schema=table_schema,
        holdout=read_table(holdout) if holdout is not None else None, target=target, seed=seed,
        protection=protection,
    )
    report.save(output)
    click.echo(f"wrote {output}")
    click.echo(report.headline())


if __name__ == "__main__":  # pragma: no cover
    main()
