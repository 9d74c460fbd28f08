"""The comparison over many problems: resumable CSV, ranks, wins, plots."""

import csv
import platform

import numpy as np
import pytest

from sktransformer.benchmark import make_classifier, read_runs
from sktransformer.benchmark.cli import main
from sktransformer.benchmark.report import (
    accuracy_matrix,
    markdown_report,
    mean_ranks,
    wins_ties_losses,
)
from sktransformer.benchmark.run import Run
from sktransformer.recommended import recommended_params

# A tiny Transformer, so that a run takes a second.
TINY_SPEC = (
    "transformer-seed:head_size=4,num_heads=1,ff_dim=2,num_transformer_blocks=1,"
    "mlp_units=(4,),epochs=1,validation_split=0.0,early_stopping=False,run_eagerly=True"
)
OTHER_SPEC = TINY_SPEC.replace("epochs=1", "epochs=2")


def _write_problem(home, name, n_train=12, n_test=8, length=10, seed=0):
    """A two-class UCR problem in the archive's TSV layout (label, values...)."""
    rng = np.random.default_rng(seed)
    folder = home / "UCR" / name
    folder.mkdir(parents=True)
    for split, n in (("TRAIN", n_train), ("TEST", n_test)):
        y = np.arange(n) % 2 + 1
        X = rng.normal(size=(n, length)) + y[:, None]
        rows = np.column_stack([y, X])
        np.savetxt(folder / f"{name}_{split}.tsv", rows, delimiter="\t", fmt="%.6g")


@pytest.fixture
def data_home(tmp_path):
    home = tmp_path / "data"
    _write_problem(home, "Alpha", seed=0)
    _write_problem(home, "Beta", seed=1, length=14)
    return home


def _args(data_home, out, *more):
    return [
        "--datasets",
        "Alpha",
        "Beta",
        "--classifiers",
        TINY_SPEC,
        OTHER_SPEC,
        "--data-home",
        str(data_home),
        "--output-dir",
        str(out),
        "--name",
        "panel",
        *more,
    ]


def test_every_run_is_appended_and_a_restart_skips_it(data_home, tmp_path, capsys):
    out = tmp_path / "out"
    main(_args(data_home, out))
    rows = list(csv.DictReader(open(out / "panel.csv", newline="")))
    assert [(r["dataset"], r["classifier"]) for r in rows] == [
        ("Alpha", TINY_SPEC),
        ("Alpha", OTHER_SPEC),
        ("Beta", TINY_SPEC),
        ("Beta", OTHER_SPEC),
    ]
    assert all(0 <= float(r["accuracy"]) <= 1 for r in rows)
    assert {r["n_timepoints"] for r in rows} == {"10", "14"}
    assert "[4/4] Beta" in capsys.readouterr().out

    # Interrupted after three runs: the restart runs the fourth only.
    with open(out / "panel.csv", newline="") as f:
        lines = f.readlines()
    (out / "panel.csv").write_text("".join(lines[:-1]))
    main(_args(data_home, out))
    log = capsys.readouterr().out
    assert "3 recorded, 1 to run" in log and "[4/4] Beta" in log
    assert len(read_runs(out / "panel.csv")) == 4

    # Complete: nothing is fitted again, the report is written from the CSV.
    main(_args(data_home, out))
    assert "4 recorded, 0 to run" in capsys.readouterr().out
    report = (out / "panel.md").read_text()
    assert "| Alpha | 12 | 10 | 2 | 0.500 |" in report
    assert "mean accuracy" in report and "wins / ties / losses" in report


def test_runs_of_other_code_or_parameters_are_not_reused(data_home, tmp_path, capsys):
    out = tmp_path / "out"
    args = _args(data_home, out, "--classifiers", TINY_SPEC)
    main(args)
    path = out / "panel.csv"
    text = path.read_text()
    (fingerprint,) = {r.fingerprint for r in read_runs(path)}
    path.write_text(text.replace(fingerprint, "0" * 12))
    capsys.readouterr()
    main(args)
    log = capsys.readouterr().out
    assert "2 recorded runs came from other code, parameters, machine or" in log
    assert "0 recorded, 2 to run" in log
    assert len(read_runs(path)) == 4  # the old rows stay, as history


def test_runs_of_another_machine_are_not_reused(monkeypatch):
    # Fit times in one table must come from one machine: a resumed comparison
    # on another CPU (or Keras backend) runs everything again.
    from sktransformer.benchmark import classifiers, report

    pytest.importorskip("sktime", reason='MiniRocket comes with ".[bench]"')
    here = {spec: classifiers.fingerprint(spec) for spec in (TINY_SPEC, "minirocket")}
    monkeypatch.setattr(report, "cpu_description", lambda: "64 cores, another CPU")
    for spec, fingerprint in here.items():
        assert classifiers.fingerprint(spec) != fingerprint


def test_machines_of_one_generic_model_name_are_told_apart(tmp_path):
    # Cloud machines of different generations (and speeds) report the same
    # generic model name; without the model numbers a comparison resumed on
    # another generation would reuse the first machine's fit times.
    from sktransformer.benchmark.report import cpu_description

    block = (
        "processor\t: {n}\ncpu family\t: 6\nmodel\t\t: {model}\n"
        "model name\t: Intel(R) Xeon(R) Processor\nstepping\t: 1\n\n"
    )
    one, other = tmp_path / "one", tmp_path / "other"
    one.write_text(block.format(n=0, model=167) + block.format(n=1, model=85))
    other.write_text(block.format(n=0, model=85))
    assert cpu_description(one).endswith(
        "Intel(R) Xeon(R) Processor (cpu family 6, model 167, stepping 1)"
    )
    assert cpu_description(one) != cpu_description(other)
    generic = platform.processor() or "unknown CPU"
    assert cpu_description(tmp_path / "absent").endswith(f" cores, {generic}")


def test_a_csv_of_another_format_is_refused(data_home, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "panel.csv").write_text("classifier,seed,accuracy\nx,0,0.5\n")
    with pytest.raises(SystemExit, match="not written by this version"):
        main(_args(data_home, out))


def test_transformer_recommended_is_the_current_recommended_configuration():
    clf = make_classifier("transformer-recommended:dropout=0.3", 7)
    expected = {
        **recommended_params(),
        "dropout": 0.3,
        "random_state": 7,
        "data_format": "channels_first",
    }
    params = clf.get_params()
    assert {k: params[k] for k in expected} == expected


def _runs(table):
    return [
        Run(dataset, classifier, 0, accuracy=acc, fit_seconds=1.0, predict_seconds=0.1)
        for dataset, row in table.items()
        for classifier, acc in row.items()
    ]


def test_ranks_ties_and_wins():
    runs = _runs(
        {
            "A": {"transformer-x": 0.9, "minirocket": 0.8, "rocket": 0.7},
            "B": {"transformer-x": 0.5, "minirocket": 0.5, "rocket": 0.9},
            "C": {"transformer-x": 0.6, "minirocket": 0.7, "rocket": 0.7},
        }
    )
    datasets, classifiers, acc = accuracy_matrix(runs)
    assert datasets == ["A", "B", "C"]
    np.testing.assert_allclose(
        mean_ranks(acc), [(1 + 2.5 + 3) / 3, (2 + 2.5 + 1.5) / 3, (3 + 1 + 1.5) / 3]
    )
    assert wins_ties_losses(acc[:, 0], acc[:, 1]) == (1, 1, 1)
    report = markdown_report(runs, title="t", command="c")
    assert (
        "| transformer-x | minirocket | 1 / 1 / 1 | +0.0000 | -0.1000 (C) |" in report
    )
    assert "| A | None | None | None |" not in report


def test_problems_missing_a_classifier_are_left_out_of_ranks():
    runs = _runs(
        {"A": {"transformer-x": 0.9, "minirocket": 0.8}, "B": {"minirocket": 1}}
    )
    datasets, _, acc = accuracy_matrix(runs)
    assert datasets == ["A"] and acc.shape == (1, 2)


def test_plots_scatter_and_critical_difference(tmp_path):
    pytest.importorskip("matplotlib", reason="plots need the [bench] extra")
    pytest.importorskip("aeon", reason="the CD diagram needs aeon, the [bench] extra")
    from sktransformer.benchmark.report import write_report

    rng = np.random.default_rng(0)
    runs = _runs(
        {
            f"P{i}": {
                "transformer-recommended": rng.uniform(0.5, 1),
                "minirocket": rng.uniform(0.5, 1),
                "rocket": rng.uniform(0.5, 1),
            }
            for i in range(6)
        }
    )
    paths = write_report(runs, tmp_path, "p", title="t", command="c")
    assert [p.name for p in paths] == [
        "p.md",
        "p_time.png",
        "p_scatter.png",
        "p_cd.png",
    ]
    assert all(p.stat().st_size > 0 for p in paths)


def test_a_failing_run_is_recorded_and_the_others_go_on(data_home, tmp_path, capsys):
    out = tmp_path / "out"
    # Valid parameters that these series cannot take: refused at fit.
    broken = TINY_SPEC + ",tokenizer='patch',patch_size=50"
    main(_args(data_home, out, "--classifiers", TINY_SPEC, broken))
    log = capsys.readouterr().out
    assert "failed: ValueError" in log and "retried on restart" in log
    runs = read_runs(out / "panel.csv")
    assert [r.accuracy is None for r in runs] == [False, True, False, True]
    assert runs[1].note.startswith("failed: ValueError")
    # The report holds no problem (ranks need every classifier): no crash.
    assert (out / "panel.md").exists()


@pytest.mark.parametrize("name", ["../escape", "a/b", ".."])
def test_names_with_folders_are_refused(data_home, tmp_path, name):
    args = _args(data_home, tmp_path / "out")
    args[args.index("--name") + 1] = name
    with pytest.raises(SystemExit, match="--name must be a file name stem"):
        main(args)
    assert not (tmp_path / "escape.csv").exists()


# ------------------------------------------- what adversarial use found (stop 24)


def test_runs_on_subsamples_are_not_reused_for_other_sizes(data_home, tmp_path, capsys):
    out = tmp_path / "out"
    args = _args(data_home, out, "--classifiers", TINY_SPEC, "--datasets", "Alpha")
    main([*args, "--train-size", "6", "--test-size", "4"])
    capsys.readouterr()
    main(args)  # the full splits: a quick look earlier must not stand for them
    assert "0 recorded, 1 to run" in capsys.readouterr().out
    assert [r.n_train for r in read_runs(out / "panel.csv")] == [6, 12]
    main(args)
    assert "1 recorded, 0 to run" in capsys.readouterr().out


def test_a_last_row_without_its_line_end_is_dropped_and_run_again(
    data_home, tmp_path, capsys
):
    out = tmp_path / "out"
    args = _args(data_home, out, "--classifiers", TINY_SPEC)
    main(args)
    path = out / "panel.csv"
    text = path.read_text()
    for cut in (text.rstrip("\r\n"), text[: -len(text.splitlines()[-1]) // 2 - 2]):
        path.write_text(cut)  # cut at its end, or in its middle, by a crash
        capsys.readouterr()
        main(args)
        log = capsys.readouterr().out
        assert "dropped a last row without its line end" in log
        assert "1 recorded, 1 to run" in log
        runs = read_runs(path)  # the new row on a line of its own
        assert [(r.dataset, r.accuracy is not None) for r in runs] == [
            ("Alpha", True),
            ("Beta", True),
        ]


def test_a_foreign_file_is_refused_untouched(data_home, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    foreign = b"name,age\r\nalice,30\r\nbob,4,extra"  # no line end at its end
    (out / "panel.csv").write_bytes(foreign)
    with pytest.raises(SystemExit, match="not written by this version"):
        main(_args(data_home, out))
    assert (out / "panel.csv").read_bytes() == foreign


def test_sizes_are_checked_on_every_problem_before_the_first_fit(
    data_home, tmp_path, capsys
):
    with pytest.raises(SystemExit, match="--train-size 11 does not fit 12 series"):
        main(_args(data_home, tmp_path / "out", "--train-size", "11"))
    assert "accuracy" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda row: row.replace(",0,", ",zero,", 1), "line 2: column 'seed'"),
        (lambda row: row + ",extra", "line 2: 18 fields"),
    ],
    ids=["not-a-number", "extra-field"],
)
def test_a_malformed_row_names_its_line(data_home, tmp_path, edit, message):
    out = tmp_path / "out"
    args = _args(data_home, out, "--classifiers", TINY_SPEC)
    main(args)
    path = out / "panel.csv"
    header, first, *rest = path.read_text().splitlines()
    path.write_text("\n".join([header, edit(first), *rest]) + "\n")
    with pytest.raises(SystemExit, match=message):
        main(args)


def test_rows_of_concurrent_comparisons_share_one_header(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from sktransformer.benchmark.run import _append

    for attempt in range(5):
        path = tmp_path / f"shared{attempt}.csv"
        runs = [Run("Alpha", TINY_SPEC, seed, accuracy=0.5) for seed in range(8)]
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda run, path=path: _append(path, run), runs))
        assert sorted(r.seed for r in read_runs(path)) == list(range(8))


@pytest.mark.parametrize(
    "more, message",
    [
        (["--datasets", "Alpha", "../x"], "Invalid UCR problem name '../x'"),
        (["--classifiers", TINY_SPEC + ",bogus=1"], "bogus"),
        (["--classifiers", TINY_SPEC + ",random_state=3"], "random_state is set by"),
        (["--classifiers", TINY_SPEC + ",learning_rate=-1.0"], "'learning_rate'"),
        # Values inside tuples too (they failed every run instead, each fit).
        (["--classifiers", TINY_SPEC + ",augmentation=('shfit',)"], "'augmentation'"),
        (
            ["--classifiers", TINY_SPEC.replace("mlp_units=(4,)", "mlp_units=(0,)")],
            "'mlp_units'",
        ),
        (["--train-size", "1"], "--train-size 1 does not fit"),
        (["--record", "no/such/folder/RESULTS.md"], "--record"),
        # Both were dropped in silence: the last value won, the layout was
        # replaced by the comparison's.
        (["--classifiers", TINY_SPEC + ",epochs=2"], "sets epochs twice"),
        (
            ["--classifiers", TINY_SPEC + ",data_format='channels_last'"],
            "data_format is set by",
        ),
    ],
    ids=[
        "name",
        "unknown-parameter",
        "random-state",
        "bad-value",
        "bad-augmentation",
        "bad-units",
        "train-size",
        "record",
        "twice",
        "data-format",
    ],
)
def test_bad_commands_stop_before_any_fit_with_a_clear_message(
    data_home, tmp_path, capsys, more, message
):
    out = tmp_path / "out"
    with pytest.raises(SystemExit, match=message.replace("(", r"\(")):
        main(_args(data_home, out, *more))
    assert "accuracy" not in capsys.readouterr().out  # nothing was fitted
    assert not (out / "panel.csv").exists()


def test_a_bad_problem_name_is_named_as_such_without_a_name_option(tmp_path):
    # Without --name the table is named after the problem: the problem's
    # name is what is wrong, not an option the user never passed.
    args = ["--datasets", "../etc", "--output-dir", str(tmp_path / "out")]
    with pytest.raises(SystemExit, match="Invalid UCR problem name '../etc'"):
        main(args)


@pytest.mark.parametrize("value", ["0", "-5", "x"])
def test_sizes_must_be_positive_integers(data_home, tmp_path, capsys, value):
    with pytest.raises(SystemExit):
        main(_args(data_home, tmp_path / "out", "--train-size", value))
    assert "--train-size" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["nan", "0", "-60", "inf", "x"])
def test_a_time_budget_must_be_positive_seconds(data_home, tmp_path, capsys, value):
    # NaN compared false with the elapsed time: the budget was ignored.
    with pytest.raises(SystemExit):
        main(_args(data_home, tmp_path / "out", "--time-budget", value))
    assert "--time-budget" in capsys.readouterr().err


def test_an_output_dir_that_is_a_file_is_refused(data_home, tmp_path):
    (tmp_path / "out").write_text("")
    with pytest.raises(SystemExit, match="is a file, not a folder"):
        main(_args(data_home, tmp_path / "out"))


def test_a_pipe_in_a_classifier_entry_keeps_the_table(data_home, tmp_path):
    spec = TINY_SPEC + ",augmentation=('shift',)"
    runs = [
        Run(d, c, 0, accuracy=0.5, fit_seconds=1.0, predict_seconds=0.1, n_train=4)
        for d in ("Alpha", "Beta")
        for c in (spec, "a|b")
    ]
    report = markdown_report(runs, title="t", command="c")
    rows = [line for line in report.splitlines() if line.startswith("| Alpha |")]
    assert rows and all(line.count(" | ") == rows[0].count(" | ") for line in rows)
    assert "a\\|b" in report


# ------------------------------------------- what adversarial use found (stop 32)


@pytest.mark.parametrize("cell", ["", "nan"])
def test_a_row_without_its_fit_time_is_run_again_not_reported(
    data_home, tmp_path, capsys, cell
):
    # Its accuracy was kept but its times were missing from the time matrices:
    # the report's rows shifted, then the command crashed with an IndexError.
    out = tmp_path / "out"
    args = _args(data_home, out, "--classifiers", TINY_SPEC)
    main(args)
    path = out / "panel.csv"
    rows = list(csv.DictReader(open(path, newline="")))
    rows[0]["fit_seconds"] = cell
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    capsys.readouterr()
    main(args)
    assert "1 recorded, 1 to run" in capsys.readouterr().out
    report = (out / "panel.md").read_text()
    assert "| Alpha | 12 | 10 | 2 |" in report and "| Beta | 12 | 14 | 2 |" in report


def test_the_report_leaves_out_runs_without_times():
    runs = _runs({"A": {"transformer-x": 0.9, "minirocket": 0.8}, "B": {}})
    runs += [
        Run("B", "transformer-x", 0, accuracy=0.7, fit_seconds=None),
        Run("B", "minirocket", 0, accuracy=0.6, fit_seconds=2.0, predict_seconds=0.1),
    ]
    report = markdown_report(runs, title="t", command="c")
    assert "| A |" in report and "| B |" not in report


@pytest.mark.parametrize("name", ["x" * 101, "a\nb", " ", "", ".hidden", "a b"])
def test_names_that_make_poor_file_names_are_refused(data_home, tmp_path, name):
    # A 240-character name failed on the temporary header file after the first
    # fit (the run was lost, and lost again on every restart); a newline or a
    # space made files named so; an empty name fell back to the default.
    args = _args(data_home, tmp_path / "out")
    args[args.index("--name") + 1] = name
    with pytest.raises(SystemExit, match="--name must be a file name stem"):
        main(args)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_missing_problem_stops_the_command_before_the_first_fit(
    data_home, tmp_path, capsys
):
    # With "Alpha Alfa", Alpha was fitted before the typo was found.
    args = _args(data_home, tmp_path / "out", "--classifiers", TINY_SPEC)
    args[args.index("Beta")] = "Alfa"
    with pytest.raises(SystemExit, match="cannot load Alfa"):
        main(args)
    assert "accuracy" not in capsys.readouterr().out
