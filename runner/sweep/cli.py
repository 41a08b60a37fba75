"""`python -m runner sweep`: the sub-command's options and its entry point."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from runner.errors import RunnerError

if TYPE_CHECKING:
    from runner.sweep.state import SweepState
    from runner.sweep.submit import PortalSubmitter

EXIT_INCOMPLETE = 1
EXIT_INTERRUPTED = 130

SWEEP_EPILOG = """\
examples:
  python -m runner sweep plan.csv --out sweeps/2026-12                          # every GPU of this machine (Ray)
  python -m runner sweep plan.csv --out sweeps/2026-12 --address ray://head:10001   # an existing Ray cluster
  python -m runner sweep plan.csv --out sweeps/2026-12 --no-ray --gpus 0,1      # without Ray, one job at a time
  python -m runner sweep plan.csv --out sweeps/try --pretend-gpus 4             # a plan of dry runs on the CPU
  python -m runner sweep --status sweeps/2026-12                                # done / running / failed / left
  python -m runner sweep plan.csv --out sweeps/2026-12 --submit https://portal.example/submit \
      --submitter-name "ACME Labs" --submitter-contact ops@acme.example --attest   # upload each done bundle

plan.csv: a header and one row per job: model,task[,id,class,gpus,dtype,samples,repetitions,reasoning,
phase_split,dataset,model_id,seed,warmup_samples,idle_seconds,steady_warmup_s,pin_cpu,no_shape_warmup,dry_run]
(see runner/sweep/plan.py). Run again with the same --out to resume: jobs with a bundle that counts are skipped.
"""


def _gpu_list(text: str) -> list[str]:
    ids = [x.strip() for x in text.split(",") if x.strip()]
    if not ids or len(set(ids)) != len(ids):
        raise argparse.ArgumentTypeError("--gpus takes distinct GPU indices or UUIDs, e.g. 0,1 or GPU-8f2c...")
    return ids


def add_sweep_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `sweep` sub-command to the runner's parser."""
    s = sub.add_parser(
        "sweep",
        help="Measure every job of a plan.csv on all GPUs of this machine or a Ray cluster (resumable).",
        description="Run `runner run` and `runner bundle` for every row of plan.csv, each job in its own process on "
        "the GPUs Ray assigns (one for classes A and B and other tasks, the plan's count for class C). Resumable: a "
        "job whose bundle counts is skipped. Writes jobs/<id>/, sweep_state.json and summary.csv in --out.",
        epilog=SWEEP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("plan", nargs="?", type=Path, help="plan.csv: one row per job.")
    s.add_argument("--out", type=Path, help="Sweep folder (created; reuse it to resume).")
    s.add_argument("--status", type=Path, metavar="DIR", help="Show the state of the sweep in DIR and exit.")
    s.add_argument("--address", help="Address of an existing Ray cluster (ray://head:10001, or auto).")
    s.add_argument("--no-ray", action="store_true", help="Run the jobs one after another on this machine without Ray.")
    s.add_argument("--retries", type=int, default=1, help="Extra attempts for a failed job (default 1).")
    s.add_argument("--gpus", type=_gpu_list, help="GPUs of this machine to use (indices or UUIDs; default: all).")
    s.add_argument(
        "--pretend-gpus",
        type=int,
        metavar="N",
        help="Declare N pretend GPUs (only for a plan whose jobs are all dry runs, e.g. to try a plan on a CPU).",
    )
    s.add_argument("--cpus-per-job", type=float, default=1.0, help="CPUs each job asks Ray for (default 1).")
    s.add_argument("--job-timeout-s", type=float, help="Wall-clock limit of one attempt's run, s (default: none).")
    s.add_argument(
        "--runner-cmd",
        help="Command that runs the runner for each job (default: this Python -m runner), "
        "e.g. 'apptainer exec aies.sif python -m runner'.",
    )
    s.add_argument(
        "--submit",
        metavar="URL",
        help="Upload each done bundle to the submission portal at URL (needs --submitter-name, --submitter-contact "
        "and --attest); a bundle not stored there is tried again when the sweep is run again.",
    )
    s.add_argument("--submitter-name", help="With --submit: your name or organisation, as the portal records it.")
    s.add_argument(
        "--submitter-contact", help="With --submit: an e-mail or Hugging Face user a reviewer can reach you at."
    )
    s.add_argument(
        "--attest",
        action="store_true",
        help="With --submit: you accept the portal's three attestation terms (public data sharing, data integrity, "
        "model representation) for every bundle of this sweep, as you would by ticking them in its form.",
    )
    s.add_argument("--no-progress", action="store_true", help="Hide the progress bar (state lines stay).")


def cmd_sweep(args: argparse.Namespace) -> int:
    """`sweep`: run or resume a plan, or show a sweep's status."""
    from runner.sweep.state import load_state, status_text

    if args.status is not None:
        state = load_state(args.status)
        if state is None:
            raise RunnerError(f"{args.status} holds no sweep (no sweep_state.json).")
        print(status_text(state))
        return 0
    if args.plan is None or args.out is None:
        raise RunnerError("sweep needs a plan.csv and --out DIR (or --status DIR).")
    submitter = _submitter(args)
    if args.retries < 0:
        raise RunnerError("--retries must be 0 or more.")
    args.out = args.out.resolve()  # jobs may run in another folder (a Ray worker's): give them an absolute path
    from runner.sweep.driver import run_sweep
    from runner.sweep.jobs import JobOptions
    from runner.sweep.plan import load_plan

    options = JobOptions(timeout_s=args.job_timeout_s)
    if args.runner_cmd:
        options.runner_cmd = shlex.split(args.runner_cmd)
    if args.pretend_gpus is not None:
        real = [j.id for j in load_plan(args.plan) if not j.dry_run]
        if real:
            raise RunnerError(
                f"--pretend-gpus is for dry runs only, but {len(real)} job(s) measure real GPUs (e.g. {real[0]}). "
                "Mark them dry_run=true or drop --pretend-gpus."
            )
    if args.no_ray:
        if args.address:
            raise RunnerError("--no-ray and --address exclude each other.")
        from runner.sweep.local import LocalExecutor, local_gpu_ids

        executor = LocalExecutor(args.out, local_gpu_ids(args.gpus, args.pretend_gpus), options)
    else:
        if args.gpus:
            raise RunnerError("--gpus is for --no-ray; with Ray, limit the GPUs with CUDA_VISIBLE_DEVICES.")
        from runner.sweep.ray_backend import RayExecutor

        executor = RayExecutor(  # type: ignore[assignment]
            args.out, options, address=args.address, num_gpus=args.pretend_gpus, cpus_per_job=args.cpus_per_job
        )
    try:
        state = run_sweep(
            args.plan, args.out, executor, retries=args.retries, progress=not args.no_progress, submitter=submitter
        )
    except KeyboardInterrupt:
        print(f"interrupted: run the same command again to resume ({args.out}/sweep_state.json).")
        return EXIT_INTERRUPTED
    counts = state.counts()
    print(f"summary: {args.out / 'summary.csv'}; done {counts['done']}, failed {counts['failed']} of {len(state.jobs)}")
    if submitter is not None:
        print(_submission_line(state, args.submit))
    return 0 if counts["done"] == len(state.jobs) else EXIT_INCOMPLETE


def _submitter(args: argparse.Namespace) -> PortalSubmitter | None:
    """The portal uploader of --submit, or None; refuses (before anything runs) a --submit without the
    submitter's name, contact and explicit attestation, and submitter options without --submit."""
    given = [
        f
        for f, v in (
            ("--submitter-name", args.submitter_name),
            ("--submitter-contact", args.submitter_contact),
            ("--attest", args.attest),
        )
        if v
    ]
    if not args.submit:
        if given:
            raise RunnerError(f"{', '.join(given)} only apply with --submit URL.")
        return None
    url = args.submit.strip()
    if not url.startswith(("http://", "https://")):
        raise RunnerError(f"--submit takes the portal's address, e.g. https://host/submit; got {url!r}.")
    if not args.attest:
        # The portal stores a bundle only with its three terms accepted; the sweep accepts them for every
        # bundle on the person's behalf, so the person must say so, explicitly, before anything runs.
        raise RunnerError(
            "--submit needs --attest: the portal stores a bundle only when its submitter accepts three terms "
            "(public data sharing, data integrity, model representation). Add --attest to accept them for every "
            "bundle of this sweep, or leave out --submit and upload the bundles through the portal's form."
        )
    missing = [
        f
        for f, v in (("--submitter-name", args.submitter_name), ("--submitter-contact", args.submitter_contact))
        if not (v or "").strip()
    ]
    if missing:
        raise RunnerError(
            f"--submit needs {' and '.join(missing)}: the portal records who submits and how a reviewer can reach them."
        )
    try:
        import gradio_client  # noqa: F401
    except ImportError:
        raise RunnerError(
            "--submit needs gradio_client: pip install -r requirements-runner.txt (or pip install gradio_client)."
        ) from None
    from tqdm import tqdm

    from runner.sweep.submit import PortalSubmitter, SubmitSettings

    settings = SubmitSettings(url, args.submitter_name.strip(), args.submitter_contact.strip())
    return PortalSubmitter(settings, echo=tqdm.write)  # tqdm.write: the line goes above the progress bar


def _submission_line(state: SweepState, url: str) -> str:
    """One line counting the sweep's submissions to `url`."""
    subs = [j.submission for j in state.jobs.values() if j.submission is not None and j.submission.url == url]
    n = {k: sum(1 for s in subs if s.state == k) for k in ("submitted", "rejected", "not_sent")}
    note = "; run the sweep again to retry the others" if n["rejected"] + n["not_sent"] else ""
    return f"portal {url}: submitted {n['submitted']}, rejected {n['rejected']}, not sent {n['not_sent']}{note}"
