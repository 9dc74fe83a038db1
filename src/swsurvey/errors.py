"""The one exception type the pipeline raises for bad input.

Users see these messages in a failed job's log, so each one names the file, the variable
and the offending value whenever they are known.
"""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad input data or settings, explained in terms a survey researcher can act on."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        variable: str | None = None,
        value: object = None,
        count: int | None = None,
    ) -> None:
        self.file = None if file is None else str(file)
        self.variable = variable
        self.value = value
        self.count = count
        parts = []
        if self.file is not None:
            parts.append(f"{self.file}")
        if variable is not None:
            parts.append(f"variable {variable!s}")
        if value is not None:
            parts.append(f"value {value!r}")
        if count is not None:
            parts.append(f"{count} row{'s' if count != 1 else ''}")
        prefix = ": ".join([", ".join(parts)]) if parts else ""
        super().__init__(f"{prefix}: {message}" if prefix else message)
