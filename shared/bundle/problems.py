"""What validation finds: one `Problem` per finding, gathered in a `ValidationReport`.

Both bundle formats (ours and the reference runner's) report through these, so they live apart
from either validator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from shared.records import ResultRecord


@dataclass(frozen=True)
class Problem:
    """One finding of validation.

    Attributes:
        code: Stable machine-readable kind ("hash_mismatch", "altered_total", ...).
        message: What is wrong and what to do, in one or two sentences.
        file: The bundle file concerned, if any.
    """

    code: str
    message: str
    file: str | None = None


@dataclass(frozen=True)
class Notice(Problem):
    """A finding that does not reject the bundle: a check yields it to have it reported as a warning."""


@dataclass
class ValidationReport:
    """Outcome of validating one bundle.

    Attributes:
        problems: Errors: any one rejects the bundle.
        warnings: Facts a reviewer should see that do not reject it.
        record: The normalised result, when the bundle could be read far enough.
        bundle_sha256: sha256 of the uploaded bytes ('' if they could not be read).
        source_format: FORMAT_NATIVE or FORMAT_REFERENCE, once recognised.
    """

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    record: ResultRecord | None = None
    bundle_sha256: str = ""
    source_format: str = ""

    @property
    def ok(self) -> bool:
        """True when nothing rejects the bundle."""
        return not self.problems

    def add(self, code: str, message: str, file: str | None = None) -> None:
        """Record an error."""
        self.problems.append(Problem(code, message, file))

    def warn(self, code: str, message: str, file: str | None = None) -> None:
        """Record a warning."""
        self.warnings.append(Problem(code, message, file))

    def extend(self, findings: Iterable[Problem]) -> int:
        """Record what a check yielded (a Notice as a warning, any other Problem as an error).

        Returns the number of errors recorded.
        """
        errors = 0
        for f in findings:
            if isinstance(f, Notice):
                self.warnings.append(Problem(f.code, f.message, f.file))
            else:
                self.problems.append(f)
                errors += 1
        return errors

    def text(self) -> str:
        """The report as plain text, one finding a line."""
        lines = ["ACCEPTED" if self.ok else f"REJECTED: {len(self.problems)} problem(s)"]
        lines += [f"  error: {p.message}" for p in self.problems]
        lines += [f"  warning: {w.message}" for w in self.warnings]
        if self.record is not None:
            r = self.record
            lines.append(f"  result: {r.model_id} / {r.task_id}: {r.gpu_energy_wh_per_1k:.4f} Wh per 1,000 queries")
        return "\n".join(lines)
