"""`kept import`: CSV and JSON Lines into a tenant, events and statuses, the error file,
reruns that load nothing twice, resumption, and the same rows through a server's API."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from typer.testing import CliRunner

from api.cli import app
from api.config import Settings
from api.domain.import_mapping import build_mapping
from api.importer.command import ImportFailed, ImportOptions, import_file
from api.importer.error_file import ErrorFile
from api.importer.readers import FileFormat, RowSource
from api.importer.run import ImportSummary, run_import
from api.importer.sinks import HttpSink
from tests.conftest import Api, Tenant

HEADER = ["id", "bought", "promised", "delivered", "state", "carrier"]
ROWS = [
    # delivered two days early: exceeded; on the day: met; a day late: broken
    ["o-1", "2026-10-01 10:00:00", "2026-10-08", "2026-10-06 18:00:00", "delivered", "ups"],
    ["o-2", "2026-10-01 10:00:00", "2026-10-08", "2026-10-08 23:30:00", "delivered", "dhl"],
    ["o-3", "2026-10-01 10:00:00", "2026-10-08", "2026-10-09 00:10:00", "delivered", "ups"],
    ["o-4", "2026-10-01 10:00:00", "2026-10-08", "", "canceled", ""],        # void
    ["o-5", "2026-10-01 10:00:00", "2026-10-08", "", "unavailable", "ups"],  # broken
    ["o-6", "2026-10-01 10:00:00", "2026-10-08", "", "shipped", "ups"],      # overdue
    ["o-7", "2026-10-01 10:00:00", "2036-10-08", "", "shipped", "ups"],      # pending
    ["", "2026-10-01 10:00:00", "2026-10-08", "", "shipped", ""],            # no external_id
    ["o-9", "yesterday", "2026-10-08", "", "shipped", ""],                   # bad made_at
    ["o-10", "2026-10-01 10:00:00", "2026-10-08", "2026-10-05 10:00:00", "canceled", ""],
    ["o-11", "2026-10-01 10:00:00", "2026-09-08", "", "shipped", ""],        # due before made
]
MAPS = ["external_id=id", "made_at=bought", "due_at=promised", "fulfilled_at=delivered",
        "status=state", "label.carrier=carrier"]
STATUSES = ["canceled=cancelled:customer", "unavailable=cancelled:business"]
ZONE = "Europe/Berlin"


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def options(owner: Tenant, file: Path, **overrides: Any) -> ImportOptions:
    values: dict[str, Any] = {
        "file": file, "maps": MAPS, "values": ["kind=delivery"], "statuses": STATUSES,
        "timezone": ZONE, "tenant": owner.name, "errors": file.with_suffix(".errors.csv"),
        "progress": False,
    }
    values.update(overrides)
    return ImportOptions(**values)


def load(settings: Settings, opts: ImportOptions) -> ImportSummary:
    return import_file(opts, settings, Console(quiet=True))


def statuses(api: Api) -> dict[str, tuple[str, str | None]]:
    response = api.get("/v1/promises", params={"limit": 500})
    assert response.status_code == 200
    return {item["external_id"]: (item["status"], item["broken_reason"])
            for item in response.json()["data"]}


def read_errors(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_csv_import(settings: Settings, tenant: Tenant, api: Api, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "orders.csv", ROWS)
    summary = load(settings, options(tenant, source))
    assert (summary.rows, summary.created, summary.present, summary.rejected) == (11, 7, 0, 4)
    assert summary.events == 5
    assert statuses(api) == {
        "o-1": ("exceeded", None), "o-2": ("met", None), "o-3": ("broken", "late"),
        "o-4": ("void", None), "o-5": ("broken", "cancelled"), "o-6": ("broken", "overdue"),
        "o-7": ("pending", None),
    }
    one = api.get("/v1/promises", params={"external_id": "o-1"}).json()["data"][0]
    assert one["precision"] == "day" and one["due_at"] == "2026-10-08"
    assert one["timezone"] == ZONE and one["labels"] == {"carrier": "ups"}
    assert one["made_at"] == "2026-10-01T08:00:00Z"  # 10:00 in Berlin, summer time
    assert one["fulfilled_at"] == "2026-10-06T16:00:00Z"
    events = api.get(f"/v1/promises/{one['id']}/events").json()["data"]
    assert [event["type"] for event in events] == ["fulfilled"]

    assert summary.error_file == tmp_path / "orders.errors.csv"
    rejected = read_errors(summary.error_file)
    assert [(row["id"], row["error_line"], row["error_field"]) for row in rejected] == [
        ("", "9", "external_id"), ("o-9", "10", "made_at"), ("o-10", "11", "status"),
        ("o-11", "12", "due_at")]
    assert rejected[1]["bought"] == "yesterday"  # the row as written, to fix and re-import
    assert "after made_at" in rejected[3]["error"]


def test_rerun_loads_nothing_twice_and_resumes(
    settings: Settings, tenant: Tenant, api: Api, tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "orders.csv", ROWS[:7])
    first = load(settings, options(tenant, source, limit=3, chunk_size=2))  # "interrupted"
    assert (first.rows, first.created, first.events) == (3, 3, 3)
    resumed = load(settings, options(tenant, source, chunk_size=2))
    assert (resumed.created, resumed.present, resumed.events, resumed.rejected) == (4, 3, 2, 0)
    again = load(settings, options(tenant, source))
    assert (again.created, again.present, again.events, again.rejected) == (0, 7, 0, 0)
    assert again.error_file is None
    assert len(statuses(api)) == 7
    one = api.get("/v1/promises", params={"external_id": "o-1"}).json()["data"][0]
    assert len(api.get(f"/v1/promises/{one['id']}/events").json()["data"]) == 1


def test_a_promise_stored_without_its_event_gets_it(
    settings: Settings, tenant: Tenant, api: Api, tmp_path: Path
) -> None:
    """A run stopped between a chunk's promises and its events: the rerun adds the events."""
    made = api.post("/v1/promises", json={
        "external_id": "o-1", "kind": "delivery", "made_at": "2026-10-01T10:00:00+02:00",
        "due_at": "2026-10-08", "timezone": ZONE, "labels": {"carrier": "ups"}})
    assert made.status_code == 201
    summary = load(settings, options(tenant, write_csv(tmp_path / "o.csv", ROWS[:1])))
    assert (summary.created, summary.present, summary.events) == (0, 1, 1)
    assert statuses(api)["o-1"] == ("exceeded", None)


def test_changed_rows_are_conflicts_in_the_error_file(
    settings: Settings, tenant: Tenant, api: Api, tmp_path: Path
) -> None:
    load(settings, options(tenant, write_csv(tmp_path / "a.csv", ROWS[:2])))
    changed = [[*ROWS[0][:2], "2026-10-09", *ROWS[0][3:]],                 # other due date
               [*ROWS[1][:3], "2026-10-07 12:00:00", *ROWS[1][4:]]]       # other delivery
    summary = load(settings, options(tenant, write_csv(tmp_path / "b.csv", changed)))
    assert (summary.created, summary.present, summary.rejected) == (0, 1, 1)
    assert summary.events_refused == 1
    assert summary.error_file is not None
    rejected = read_errors(summary.error_file)
    assert rejected[0]["error_field"] == "" and "due_at" in rejected[0]["error"]
    assert "already fulfilled" in rejected[1]["error"]
    assert statuses(api) == {"o-1": ("exceeded", None), "o-2": ("met", None)}


def test_jsonl_import(settings: Settings, tenant: Tenant, api: Api, tmp_path: Path) -> None:
    source = tmp_path / "orders.jsonl"
    lines = [
        json.dumps({"id": "j-1", "bought": "2026-10-01T10:00:00Z", "promised": "2026-10-08",
                    "delivered": None, "state": "shipped", "carrier": "ups", "n": 3}),
        json.dumps({"id": "j-2", "bought": "2026-10-01 10:00:00", "promised": "2026-10-08",
                    "delivered": "2026-10-08 12:00:00", "state": "delivered"}),
        "not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "j-5", "bought": "2026-10-01 10:00:00", "promised": "2026-10-08",
                    "carrier": {"name": "ups"}}),
        "",
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = tmp_path / "orders.errors.jsonl"
    summary = load(settings, options(tenant, source, errors=errors))
    assert (summary.rows, summary.created, summary.rejected) == (5, 2, 3)
    assert statuses(api) == {"j-1": ("broken", "overdue"), "j-2": ("met", None)}
    rejected = [json.loads(line) for line in errors.read_text().splitlines()]
    assert [entry["_error"]["line"] for entry in rejected] == [3, 4, 5]
    assert rejected[0]["_raw"] == "not json"
    assert rejected[2]["id"] == "j-5" and "carrier" in rejected[2]["_error"]["reason"]


def test_import_through_the_api(app_client: TestClient, tenant: Tenant, api: Api,
                                tmp_path: Path) -> None:
    source = write_csv(tmp_path / "orders.csv", ROWS)
    mapping = build_mapping(MAPS, ZONE, values=["kind=delivery"], statuses=STATUSES)
    sink = HttpSink(TestClient(app_client.app, headers={
        "Authorization": f"Bearer {tenant.keys['write']}"}))
    with RowSource(source, FileFormat.CSV) as rows:
        errors = ErrorFile(tmp_path / "errors.csv", FileFormat.CSV, [])
        summary = run_import(rows, mapping, sink, errors, lambda: datetime.now(UTC))
    assert (summary.created, summary.events, summary.rejected) == (7, 5, 4)
    assert statuses(api)["o-3"] == ("broken", "late")
    assert statuses(api)["o-4"] == ("void", None)
    assert [row["error_field"] for row in read_errors(tmp_path / "errors.csv")] == [
        "external_id", "made_at", "status", "due_at"]


@pytest.mark.parametrize(("change", "message"), [
    ({"maps": ["made_at=bought"]}, "external_id"),
    ({"maps": [*MAPS, "order_id=nope"]}, "no column 'nope'"),
    ({"tenant": "no-such-tenant"}, "no tenant"),
    ({"preset": "nope"}, "unknown preset"),
    ({"chunk_size": 5000}, "chunk-size"),
])
def test_bad_options_stop_before_anything_is_stored(
    settings: Settings, tenant: Tenant, api: Api, tmp_path: Path, change: dict[str, Any],
    message: str,
) -> None:
    source = write_csv(tmp_path / "orders.csv", ROWS)
    with pytest.raises(ImportFailed, match=message):
        load(settings, options(tenant, source, **change))
    assert statuses(api) == {}


def test_the_command(settings: Settings, tenant: Tenant, api: Api, tmp_path: Path,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEPT_DATABASE_URL", settings.database_url)
    monkeypatch.chdir(tmp_path)
    source = write_csv(tmp_path / "orders.csv", ROWS)
    arguments: Callable[..., list[str]] = lambda *extra: [  # noqa: E731
        "import", str(source), "--tenant", tenant.name, "--timezone", ZONE,
        "--value", "kind=delivery", *[f"--map={m}" for m in MAPS],
        *[f"--status={s}" for s in STATUSES], *extra]
    result = CliRunner().invoke(app, arguments())
    assert result.exit_code == 0, result.output
    assert "7 promises created" in result.output and "4 rows rejected" in result.output
    assert (tmp_path / "orders.errors.csv").exists()
    assert len(statuses(api)) == 7
    bad = CliRunner().invoke(app, arguments("--format", "xml"))
    assert bad.exit_code == 1 and "--format" in bad.output


def test_api_mode_options_and_a_server_that_is_gone(
    settings: Settings, tenant: Tenant, tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "orders.csv", ROWS)
    with pytest.raises(ImportFailed, match="either --tenant"):
        load(settings, options(tenant, source, api_url="http://127.0.0.1:9", api_key="k"))
    with pytest.raises(ImportFailed, match="--api-key"):
        load(settings, options(tenant, source, tenant=None, api_url="http://127.0.0.1:9"))
    with pytest.raises(ImportFailed, match="run the same command again"):
        load(settings, options(tenant, source, tenant=None, api_url="http://127.0.0.1:9",
                               api_key="kept_x"))
