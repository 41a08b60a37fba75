"""The margins of the physical checks, in one place, each with where it comes from.

Every margin was chosen against the real bundles in the repository (data/demo_bundles, the H100
fixture, benchmarks/sessions): none comes near it (benchmarks/portal_validate.py --margins prints
where each one sits), while the forgeries of tests/shared/test_hostile_bundles.py fall well outside.
docs/THREAT_MODEL.md gives the derivations.
"""

from __future__ import annotations

# A measured window draws at least this share of the GPU's own idle power (environment.json's
# idle_power_w): a busy GPU never draws less than an idle one. Real bundles: lowest 0.995 (a
# preprocess window of distilbart-6-6); a delta scaled by 0.5 gives about 0.5.
IDLE_FLOOR_FRACTION = 0.8
# A window's mean power stays under the power limit (enforced, else the product's maximum) times
# this. Real bundles: highest 546 W of 700 W (0.78); a delta scaled by 10 gives 1,357 W.
LIMIT_MARGIN = 1.10
# The cumulative counter moves in steps of its update period (~100 ms on H100), so a window's
# energy may hold up to one step more or less than its duration: the bounds above widen by this
# many periods of idle/limit power.
COUNTER_STEPS_SLACK = 2
DEFAULT_UPDATE_PERIOD_S = 0.1
MAX_UPDATE_PERIOD_S = 1.0  # a bundle claiming a slower counter gets no more slack than this
# An H100 or H200 idles at 60-120 W (real bundles: 69-116 W per GPU); below this it was not measured.
IDLE_MIN_W_PER_GPU = 20.0
# idle_power_w must equal the energy / time of the trace's idle window (real bundles: exact).
IDLE_TRACE_REL = 0.02
# A window's duration must equal the time between its trace points (real bundles: exact).
TRACE_TIME_TOL_S = 0.005
# finished_utc - started_utc must cover the windows' durations; the stamps are whole seconds.
WALL_SLACK_S = 2.0
# A timestamp may be this far in the future of the validating machine's clock (clock skew).
FUTURE_SLACK_S = 600.0
# Energy floor of any GPU: a forward pass needs at least 2 FLOPs per parameter per token. The H100's
# best dense bf16 rate is ~989 TFLOP/s at 700 W, ~0.71 pJ per FLOP. FP8 (x2), 2:4 sparsity (x2) and a
# mixture of experts using 1/25 of its parameters per token (x25) could beat that by up to 100-fold,
# so the floor divides by 100: 1.4e-14 J per parameter per token. Real bundles sit 990 or more
# times above it (Mistral 24B); 3e-6 Wh per 1,000 queries for an 8B model sits 10 times below.
H100_JOULES_PER_FLOP = 700.0 / 989e12
FLOOR_MARGIN = 100.0
FLOPS_PER_PARAM_TOKEN = 2.0
JOULES_PER_PARAM_TOKEN_FLOOR = FLOPS_PER_PARAM_TOKEN * H100_JOULES_PER_FLOP / FLOOR_MARGIN


def compute_floor_j(parameters: int, tokens: int) -> float:
    """The least GPU energy, in J, that processing `tokens` tokens through `parameters` parameters can take."""
    return JOULES_PER_PARAM_TOKEN_FLOOR * max(parameters, 0) * max(tokens, 0)
