"""The worker: three loops: time-driven transitions, webhook delivery, and objective alerts.

Time and waiting are injectable (`clock`, `sleep`), so tests move time forward instead of
sleeping through retry delays. `stop()` (SIGTERM in `kept worker`) stops claiming work; the
deliveries already being sent finish and are recorded, claimed ones not yet started are handed
back at once, so nothing waits for a lease to pass.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import structlog

from api.db import Database
from api.domain.retry_schedule import Verdict
from api.metrics import Metrics
from api.objectives.alerts import check_objectives
from api.webhooks.delivery import Sender
from api.worker import deliveries, transitions
from api.worker.sqlite_lock import WorkerLock, lock_path

log = structlog.get_logger("kept.worker")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Worker:
    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], object] | None = None,
        jitter: Callable[[], float] = random.random,
        sender: Sender | None = None,
        metrics: Metrics | None = None,
        poll_seconds: float = 1.0,
        batch: int = 50,
        concurrency: int = 8,
        lease: timedelta = deliveries.LEASE,
        objective_seconds: float = 60.0,
    ) -> None:
        self.database = database
        self.clock = clock
        self._stopping = threading.Event()
        self.sleep: Callable[[float], object] = sleep or self._stopping.wait
        self.jitter = jitter
        self.sender = sender or Sender(
            allow_private=database.settings.webhook_allow_private)
        self.metrics = metrics
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.lease = lease
        self.objective_seconds = objective_seconds
        self._pool = ThreadPoolExecutor(max_workers=concurrency,
                                        thread_name_prefix="kept-webhook")
        self._threads: list[threading.Thread] = []
        self._lock: WorkerLock | None = None

    # One pass of each loop: what tests drive directly.

    def announce_transitions(self) -> int:
        """Announce every due at-risk and overdue transition; how many promises were."""
        total = 0
        while not self._stopping.is_set():
            done = transitions.announce_due(self.database, self.clock(), self.batch)
            total += done
            if done < self.batch:
                break
        return total

    def check_objectives(self) -> int:
        """Announce every objective whose alert state changed; how many did."""
        if self._stopping.is_set():
            return 0
        return check_objectives(self.database, self.clock())

    def deliver_due(self) -> int:
        """Claim a batch of due deliveries and send them; how many were claimed."""
        if self._stopping.is_set():
            return 0
        claimed = deliveries.claim(self.database, self.clock(), self.batch, self.lease)
        for future in [self._pool.submit(self._deliver, item) for item in claimed]:
            future.result()
        return len(claimed)

    def _deliver(self, item: deliveries.Claimed) -> None:
        try:
            if self._stopping.is_set():
                deliveries.release(self.database, item, self.clock())
                return
            if not item.endpoint_enabled:
                deliveries.abandon(self.database, item, "the endpoint is disabled", self.clock())
                return
            result = self.sender.send(item.url, item.message_id, item.body,
                                      item.signing_secrets)
            decision = deliveries.record(self.database, item, result, self.clock(),
                                         self.jitter())
        except Exception:  # the lease brings it back; keep the worker alive
            log.exception("delivery failed", delivery_id=item.id)
            return
        if decision is not None and self.metrics is not None:
            result_label = "retrying" if decision.verdict is Verdict.RETRY else \
                decision.verdict.value
            self.metrics.deliveries.labels(result=result_label).inc()

    # The loops.

    def _loop(self, name: str, step: Callable[[], int], full: int,
              pause: float | None = None) -> None:
        while not self._stopping.is_set():
            try:
                done = step()
            except Exception:
                log.exception("worker step failed", loop=name)
                done = 0
            if done < full and not self._stopping.is_set():
                self.sleep(self.poll_seconds if pause is None else pause)

    def _wait_for_lock(self) -> bool:
        """On SQLite, wait until no other worker runs; False if stopped meanwhile."""
        settings = self.database.settings
        path = lock_path(settings.database_url) if settings.is_sqlite else None
        if path is None:
            return True
        self._lock = WorkerLock(path)
        announced = False
        while not self._lock.try_acquire():
            if not announced:
                log.info("another worker holds the SQLite worker lock; waiting", lock=str(path))
                announced = True
            if self._stopping.wait(self.poll_seconds):
                return False
        return True

    def _main(self) -> None:
        if not self._wait_for_lock():
            return
        log.info("worker started")
        loops = [
            threading.Thread(target=self._loop, name="kept-transitions", daemon=True,
                             args=("transitions", self.announce_transitions, 1 << 62)),
            threading.Thread(target=self._loop, name="kept-deliveries", daemon=True,
                             args=("deliveries", self.deliver_due, self.batch)),
            threading.Thread(target=self._loop, name="kept-objectives", daemon=True,
                             args=("objectives", self.check_objectives, 1 << 62,
                                   self.objective_seconds)),
        ]
        for thread in loops:
            thread.start()
        for thread in loops:
            thread.join()
        if self._lock is not None:
            self._lock.release()
        log.info("worker stopped")

    def start(self) -> None:
        """Run the loops in the background (the server's embedded worker)."""
        thread = threading.Thread(target=self._main, name="kept-worker", daemon=True)
        self._threads.append(thread)
        thread.start()

    def run(self) -> None:
        """Run the loops until `request_stop()` (from a signal handler) or `stop()`."""
        self.start()
        while not self._stopping.wait(0.5):
            pass
        self._join()

    def request_stop(self) -> None:
        """Stop claiming work; safe to call from a signal handler."""
        self._stopping.set()

    def stop(self) -> None:
        """Stop, letting deliveries in flight finish (at most the 10 s HTTP timeout)."""
        self.request_stop()
        self._join()

    def _join(self) -> None:
        for thread in self._threads:
            thread.join()
        self._pool.shutdown(wait=True)
        self.sender.close()


def start_embedded_worker(
    database: Database, clock: Callable[[], datetime], metrics: Metrics
) -> Worker:
    """The worker inside the server process (`kept serve --with-worker`): it shares the
    server's database and, on SQLite, its write lock."""
    worker = Worker(database, clock=clock, metrics=metrics)
    worker.start()
    return worker
