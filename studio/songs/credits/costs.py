"""What a job is expected to cost: learned from the upstream's charges for our jobs of the same
operation, a fixed estimate until the first one is known."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from statistics import median

from studio.songs.models import CreditEvent, Generation

Operation = Generation.Operation
# Until the upstream has charged one: songs and edits about one song, effects and stems free.
ESTIMATES: dict[str, Decimal] = {
    Operation.SONG: Decimal(10),
    Operation.EXTEND: Decimal(10),
    Operation.REPLACE: Decimal(10),
    Operation.COVER: Decimal(10),
    Operation.REMIX: Decimal(10),
    Operation.EFFECT: Decimal(0),
    Operation.STEMS: Decimal(0),
}
LEARN_FROM = 20  # the median of this many recent charges per operation


@dataclass(frozen=True)
class Cost:
    credits: Decimal
    learned: bool  # False: our estimate, the upstream has not charged one yet

    @property
    def label(self) -> str:
        """ "~10 credits" while estimated, "8 credits" once learned, "free"."""
        if not self.credits:
            return "free"
        amount = f"{self.credits.normalize():f}"
        return f"{'' if self.learned else '~'}{amount} credit{'' if self.credits == 1 else 's'}"


def expected(operation: str) -> Cost:
    charges = list(
        CreditEvent.objects.filter(
            operation=operation,
            source=CreditEvent.Source.UPSTREAM,
            generation__isnull=False,
        ).values_list("credits", flat=True)[:LEARN_FROM]
    )
    if charges:
        return Cost(Decimal(median(charges)).quantize(Decimal("0.01")), learned=True)
    return Cost(ESTIMATES.get(operation, Decimal(10)), learned=False)


LOW_CREDITS = 100  # below this, across healthy accounts, pages warn (about ten songs)
