"""`runner sweep`: measure a whole catalogue (plan.csv, one row per job) on every GPU of a machine or a
Ray cluster, resumably.

Modules (none imports Ray at import time; only `ray_backend` needs it, and only when used):
- `plan`       plan.csv -> JobSpec list; the class rule and the GPU count, checked before anything runs
- `devices`    CUDA_VISIBLE_DEVICES (indices or UUIDs) -> NVML devices, matched by UUID
- `neighbours` the sweep's other jobs on the same host, recorded in environment.json
- `state`      the sweep state file (sweep_state.json), summary.csv and the status text
- `jobs`       one job: `python -m runner run` then `runner bundle` in a subprocess (the same code path as
               `runner run`), and whether a job's bundle already counts as done
- `driver`     the loop shared by both executors: skip done jobs, submit, retry, record, summarise
- `local`      the executor without Ray (jobs one after another through the same job function)
- `ray_backend` the Ray executor (one Ray task per job, with num_gpus from the plan)
- `cli`        the `sweep` sub-command
"""
