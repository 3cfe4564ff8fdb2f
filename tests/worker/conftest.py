"""Fixtures of the webhook tests (defined in tests/webhooks/receiver.py)."""

from tests.webhooks.receiver import (  # noqa: F401
    admin,
    clock,
    hooks_client,
    make_worker,
    private_settings,
    quiet_queue,
    receiver,
)
