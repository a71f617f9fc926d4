"""Crons through the official Python SDK (`langgraph-sdk`, `client.crons`) against Loom's REST bridge
(docs/crons.md). Server: LOOM_URL (default http://127.0.0.1:8123).

Prints one `ok <part>` line per part; exits non-zero (with the reason) at the first failed expectation.
"""

import os
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from langgraph_sdk import get_sync_client
from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError

client = get_sync_client(url=os.environ.get("LOOM_URL", "http://127.0.0.1:8123"), api_key=None)


def expect(what: str, actual: object, expected: object) -> None:
    if actual != expected:
        raise SystemExit(f"{what}: expected {expected!r}, got {actual!r}")


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def crud() -> None:
    crons = client.crons
    end = datetime(2999, 1, 1, tzinfo=timezone.utc)
    stateless = crons.create(
        "joke",
        schedule="0 9 * * *",
        input={"topic": "py"},
        metadata={"origin": "python"},
        end_time=end,
        timezone=ZoneInfo("Asia/Tokyo"),
    )
    expect("timezone", stateless["timezone"], "Asia/Tokyo")
    expect("on_run_completed", stateless["on_run_completed"], "delete")
    expect("end_time", parse(stateless["end_time"]), end)
    # 09:00 in Tokyo is 00:00 UTC.
    expect("next_run_date hour", parse(stateless["next_run_date"]).astimezone(timezone.utc).hour, 0)
    expect("payload input", stateless["payload"]["input"], {"topic": "py"})

    thread = client.threads.create()
    for_thread = crons.create_for_thread(thread["thread_id"], "joke", schedule="*/5 * * * *")
    expect("thread_id", for_thread["thread_id"], thread["thread_id"])

    expect("search", {c["cron_id"] for c in crons.search()}, {stateless["cron_id"], for_thread["cron_id"]})
    expect("search by thread", [c["cron_id"] for c in crons.search(thread_id=thread["thread_id"])], [for_thread["cron_id"]])
    expect("search by metadata", [c["cron_id"] for c in crons.search(metadata={"origin": "python"})], [stateless["cron_id"]])
    expect("count", crons.count(), 2)
    expect("count by assistant", crons.count(assistant_id=stateless["assistant_id"]), 2)

    updated = crons.update(stateless["cron_id"], enabled=False, end_time=None, metadata={"more": True})
    expect("update enabled", updated["enabled"], False)
    expect("update cleared end_time", updated.get("end_time"), None)
    expect("update merged metadata", updated["metadata"], {"origin": "python", "more": True})

    try:
        crons.create("joke", schedule="* * * * *", timezone="Not/AZone")
        raise SystemExit("bad timezone accepted")
    except UnprocessableEntityError as e:
        expect("bad timezone detail", "Invalid timezone: 'Not/AZone'" in str(e), True)
    for cron in (stateless, for_thread):
        crons.delete(cron["cron_id"])
    try:
        crons.delete(stateless["cron_id"])
        raise SystemExit("deleted twice")
    except NotFoundError:
        pass
    expect("count after delete", crons.count(), 0)
    print("ok create, search, count, update, delete")


def fires() -> None:
    thread = client.threads.create()
    cron = client.crons.create_for_thread(thread["thread_id"], "joke", schedule="* * * * * *", input={"topic": "ticks"})
    deadline = time.monotonic() + 15
    while not client.runs.list(thread["thread_id"]):
        if time.monotonic() > deadline:
            raise SystemExit("no run within 15 s")
        time.sleep(0.05)
    client.crons.delete(cron["cron_id"])
    runs = client.runs.list(thread["thread_id"])
    expect("multitask_strategy", {r["multitask_strategy"] for r in runs}, {"enqueue"})
    print("ok a one-second thread cron fires")


crud()
fires()
