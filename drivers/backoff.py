"""Capped exponential backoff with full jitter (AWS architecture blog), shared by device reconnects and the
outbox sender so that 4,000 totems coming back after an outage do not retry in lock-step."""
from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base: float = 0.5
    cap: float = 60.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def next_delay(self) -> float:
        """Delay before the next try: uniform in [0, min(cap, base * 2**attempt)]."""
        ceiling = min(self.cap, self.base * (2 ** min(self.attempt, 32)))
        self.attempt += 1
        return self.rng.uniform(0.0, ceiling)

    def ceiling(self) -> float:
        """The upper bound the next delay will be drawn from (for diagnostics and tests)."""
        return min(self.cap, self.base * (2 ** min(self.attempt, 32)))

    def reset(self) -> None:
        self.attempt = 0
