"""The endpoint backend: the runner measures the GPUs of a serving engine (vLLM, SGLang, TGI,
`transformers serve` ...) while it sends the task's prompts to the engine's OpenAI-compatible API.

- `client.py`: streaming requests, time to first token, usage, every failure as an EndpointError.
- `server.py`: the server's identity (/v1/models, /version, `server` header) and the check that it
  runs on the measured GPUs (NVML processes, or --server-pid).
- `workload.py`: `EndpointWorkload`, the run's workload for a server, and `EndpointOptions`.
- `options.py`: the command-line options (--backend endpoint --endpoint URL ...).
"""
