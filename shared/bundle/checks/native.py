"""The checks of a bundle of our format, in the order they run (adding a check: add it to a stage)."""

from __future__ import annotations

from shared.bundle.checks import Stage, counters, environment, files, physics, summary, timeline
from shared.bundle.checks.context import NativeBundle
from shared.bundle.perf_checks import endpoint_run, performance

NATIVE_STAGES: list[Stage[NativeBundle]] = [
    Stage("manifest", [files.parse_manifest]),
    Stage("files", [files.files_match_manifest], gate=False),  # an edited file: still say what was edited
    Stage("required files", [files.required_files]),
    Stage("documents", [files.parse_report, files.parse_environment]),
    Stage("run", [files.run_complete, files.known_task]),
    Stage(
        "environment and identity",
        [
            environment.meter,
            environment.gpus_known,
            environment.contamination,
            environment.model_class,
            environment.device_ids,
            environment.identity,
            environment.logs_agree,
            environment.random_weights,
            environment.attention_kernels,
            endpoint_run,
        ],
        gate=False,
    ),
    Stage(
        "counters",
        [
            counters.sample_count,
            counters.has_repetitions,
            counters.phase_energies,
            counters.phase_structure,
            counters.repetition_totals,
        ],
    ),
    Stage(
        "time line",
        [
            timeline.timestamps,
            timeline.nonzero_windows,
            timeline.repetitions_distinct,
            timeline.windows_in_order,
            timeline.counts_agree,
            timeline.load_trace,
            timeline.trace_matches,
        ],
        gate=False,
    ),
    Stage(
        "physics",
        [
            physics.power_limit_declared,
            physics.idle_plausible,
            physics.power_in_range,
            physics.above_compute_floor,
        ],
    ),
    Stage(
        "derived figures",
        [
            counters.split_adds_up,
            summary.summary_block,
            summary.energy_text_file,
            summary.summary_file,
            summary.host_drift,
            summary.quality_score,
            performance,
        ],
    ),
    Stage("record", [summary.build_record]),
]
