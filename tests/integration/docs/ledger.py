"""What the documentation tests did, for the terminal summary."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entry:
    label: str
    kind: str  # shell | python
    outcome: str  # ran | marked | failed
    reason: str = ""


@dataclass
class Ledger:
    entries: list[Entry] = field(default_factory=list)
    commands: int = 0
    inline: int = 0  # inline `inv …`/`nox …` spans parsed


LEDGER = Ledger()
