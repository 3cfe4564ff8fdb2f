"""Fixtures of the webhook tests (shared with tests/worker)."""

from tests.webhooks.receiver import (  # noqa: F401
    admin,
    clock,
    hooks_client,
    make_worker,
    private_settings,
    quiet_queue,
    receiver,
)
