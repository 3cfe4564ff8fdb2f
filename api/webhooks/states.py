"""The states of a webhook delivery."""

from __future__ import annotations

from enum import StrEnum


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    DELIVERING = "delivering"  # claimed by a worker, leased until `lease_until`
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # gave up, or the endpoint was disabled


OUTSTANDING = (DeliveryState.PENDING, DeliveryState.DELIVERING)
