"""The benchmark's yardsticks, written directly in each database's SQL as one would without
Kept's query builder: the figures of the full-history scorecard by carrier and month (UTC), and
the least a 30-day scorecard by kind and day must do (read the rows, count them by group)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import TextClause, bindparam, text
from sqlmodel import Session

from api.db import UTCDateTime
from api.scorecards.service import WORK_MEM

_STATUS = """CASE WHEN p.{p}resolved_status IS NOT NULL THEN p.{p}resolved_status
              WHEN p.{p}breach_at < :now THEN 'broken'
              WHEN p.{p}at_risk_at <= :now THEN 'at_risk' ELSE 'pending' END"""

_SCORED = """
SELECT l.value AS carrier, {month} AS month,
       {status} AS status, {first_status} AS first_status,
       p.revision_count AS revisions, p.proactive_revision_count AS proactive,
       CASE WHEN p.resolved_status IS NOT NULL THEN p.lateness_seconds
            WHEN p.breach_at < :now THEN {overdue} END AS lateness,
       p.earliness_seconds AS earliness
FROM promise p
LEFT JOIN promise_label l
       ON l.tenant_id = p.tenant_id AND l.promise_id = p.id AND l.key = 'carrier'
WHERE p.tenant_id = :tenant_id
"""

_COUNTS = """count(*) AS total,
       sum(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending,
       sum(CASE WHEN status = 'at_risk' THEN 1 ELSE 0 END) AS at_risk,
       sum(CASE WHEN status = 'exceeded' THEN 1 ELSE 0 END) AS exceeded,
       sum(CASE WHEN status = 'met' THEN 1 ELSE 0 END) AS met,
       sum(CASE WHEN status = 'broken' THEN 1 ELSE 0 END) AS broken,
       sum(CASE WHEN status = 'void' THEN 1 ELSE 0 END) AS void,
       sum(CASE WHEN first_status = 'exceeded' THEN 1 ELSE 0 END) AS first_exceeded,
       sum(CASE WHEN first_status = 'met' THEN 1 ELSE 0 END) AS first_met,
       sum(CASE WHEN first_status = 'broken' THEN 1 ELSE 0 END) AS first_broken,
       sum(CASE WHEN status IN ('exceeded', 'met', 'broken') THEN revisions ELSE 0 END)
           AS revisions,
       sum(CASE WHEN status IN ('exceeded', 'met', 'broken') THEN proactive ELSE 0 END)
           AS proactive_revisions"""

POSTGRESQL = f"""
WITH scored AS ({_SCORED.format(
    month="to_char(date_trunc('month', p.due_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')",
    status=_STATUS.format(p=""), first_status=_STATUS.format(p="first_"),
    overdue="EXTRACT(EPOCH FROM (:now - p.due_at))::float8")})
SELECT carrier, month, {_COUNTS},
       avg(lateness) AS lateness_mean, max(lateness) AS lateness_max,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY lateness) AS lateness_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY lateness) AS lateness_p90,
       avg(earliness) AS earliness_mean, max(earliness) AS earliness_max,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY earliness) AS earliness_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY earliness) AS earliness_p90
FROM scored GROUP BY carrier, month
"""  # noqa: S608 - constant SQL, no input in it


def _sqlite_percentile(code: int, fraction: float) -> str:
    position = f"{fraction} * (n - 1)"
    lower = f"CAST({position} AS INTEGER)"
    upper = f"{lower} + ({position} > {lower})"
    first = f"max(CASE WHEN measure = {code} AND r = {lower} + 1 THEN value END)"
    second = f"max(CASE WHEN measure = {code} AND r = {upper} + 1 THEN value END)"
    step = f"max(CASE WHEN measure = {code} THEN {position} - {lower} END)"
    return f"{first} + ({second} - {first}) * {step}"


# Lateness and earliness never both exist on a promise: one numbering serves both.
SQLITE = f"""
WITH scored AS ({_SCORED.format(
    month="strftime('%Y-%m-01', p.due_at)",
    status=_STATUS.format(p=""), first_status=_STATUS.format(p="first_"),
    overdue="(:now_epoch - (CAST(strftime('%s', substr(p.due_at, 1, 19)) AS INTEGER)"
            " + CAST(substr(p.due_at, 20) AS REAL)))")}),
measured AS (
  SELECT *, CASE WHEN lateness IS NOT NULL THEN 1 WHEN earliness IS NOT NULL THEN 2 END
                AS measure,
         coalesce(lateness, earliness) AS value
  FROM scored),
ranked AS (
  SELECT *,
         row_number() OVER (PARTITION BY carrier, month, measure ORDER BY value) AS r,
         count(*) OVER (PARTITION BY carrier, month, measure) AS n
  FROM measured)
SELECT carrier, month, {_COUNTS},
       avg(lateness) AS lateness_mean, max(lateness) AS lateness_max,
       {_sqlite_percentile(1, 0.5)} AS lateness_p50,
       {_sqlite_percentile(1, 0.9)} AS lateness_p90,
       avg(earliness) AS earliness_mean, max(earliness) AS earliness_max,
       {_sqlite_percentile(2, 0.5)} AS earliness_p50,
       {_sqlite_percentile(2, 0.9)} AS earliness_p90
FROM ranked GROUP BY carrier, month
"""  # noqa: S608 - constant SQL, no input in it


def hand_written_scorecard(
    session: Session, tenant_id: str, now: datetime
) -> list[dict[str, Any]]:
    """One row per (carrier, month), with the scorecard's counts and seconds."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))   # as the scorecard does
        rows = session.execute(_timed(POSTGRESQL, "now"), {"now": now, "tenant_id": tenant_id})
    else:
        rows = session.execute(_timed(SQLITE, "now"), {"now": now, "tenant_id": tenant_id,
                                                       "now_epoch": now.timestamp()})
    return [dict(row) for row in rows.mappings()]


_RECENT_COUNTS = """
SELECT kind, {day} AS day, {counts}
FROM (SELECT p.kind AS kind, p.due_at AS due_at, {status} AS status,
             {first_status} AS first_status,
             p.revision_count AS revisions, p.proactive_revision_count AS proactive
      FROM promise p
      WHERE p.tenant_id = :tenant_id AND p.due_at >= :start AND p.due_at < :end) AS scored
GROUP BY kind, day
"""


def recent_counts_floor(
    session: Session, tenant_id: str, start: datetime, end: datetime, now: datetime
) -> list[dict[str, Any]]:
    """The floor of a scorecard over `start`–`end` by kind and day: the same rows read
    through the same index and the same counts, by UTC day, without lateness, earliness or
    percentiles. No scorecard of those rows can be faster than this."""
    postgres = session.get_bind().dialect.name == "postgresql"
    day = ("to_char(due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')" if postgres
           else "substr(due_at, 1, 10)")
    sql = _RECENT_COUNTS.format(day=day, counts=_COUNTS, status=_STATUS.format(p=""),
                                first_status=_STATUS.format(p="first_"))
    rows = session.execute(_timed(sql, "now", "start", "end"),
                           {"tenant_id": tenant_id, "now": now, "start": start, "end": end})
    return [dict(row) for row in rows.mappings()]


def _timed(sql: str, *moments: str) -> TextClause:
    """`sql` with its timestamp parameters bound as the columns store them (`UTCDateTime`:
    naive UTC text on SQLite), so that they compare as the scorecard's do."""
    return text(sql).bindparams(*(bindparam(name, type_=UTCDateTime()) for name in moments))
