"""What a new wave's drafts are made from: the export, the earlier wave and the new wave's id."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DraftContext:
    """What the drafts are made from: the export, the earlier wave and the new wave's id."""

    export: str
    wave: str
    like: str
    like_instrument_path: str
    like_recode_path: str
