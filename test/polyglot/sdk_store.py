"""The long-term memory store through the official Python SDK (`langgraph-sdk`, `client.store`) against Loom's
REST bridge (docs/store.md). Server: LOOM_URL (default http://127.0.0.1:8123).

Prints one `ok <part>` line per part; exits non-zero (with the reason) at the first failed expectation.
"""

import os
from datetime import datetime

from langgraph_sdk import get_sync_client
from langgraph_sdk.errors import UnprocessableEntityError

client = get_sync_client(url=os.environ.get("LOOM_URL", "http://127.0.0.1:8123"), api_key=None)


def expect(what: str, actual: object, expected: object) -> None:
    if actual != expected:
        raise SystemExit(f"{what}: expected {expected!r}, got {actual!r}")


def items_and_search() -> None:
    store = client.store
    store.put_item(["py", "u1"], "a", {"kind": "note", "text": "green tea"})
    store.put_item(["py", "u1"], "b", {"kind": "todo", "text": "buy coffee"})
    store.put_item(["py", "u2"], "c", {"kind": "note", "text": "black tea", "score": {"$gt": 1}}, ttl=30)

    item = store.get_item(["py", "u1"], "a")
    expect("get_item value", item["value"], {"kind": "note", "text": "green tea"})
    expect("get_item namespace", item["namespace"], ["py", "u1"])
    datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))

    ttl_item = store.get_item(["py", "u2"], "c", refresh_ttl=False)
    lifetime = datetime.fromisoformat(ttl_item["expires_at"].replace("Z", "+00:00")) - datetime.fromisoformat(
        ttl_item["updated_at"].replace("Z", "+00:00")
    )
    expect("ttl of 30 minutes", lifetime.total_seconds(), 1800.0)

    newest_first = [i["key"] for i in store.search_items(["py"])["items"]]
    expect("search newest first", newest_first, ["c", "b", "a"])
    notes = [i["key"] for i in store.search_items(["py"], filter={"kind": "note"})["items"]]
    expect("filter kind=note", notes, ["c", "a"])
    literal = [i["key"] for i in store.search_items(["py"], filter={"score": {"$gt": 1}})["items"]]
    expect("operator-looking filter matches literally", literal, ["c"])
    tea = sorted(i["key"] for i in store.search_items(["py"], query="tea")["items"])
    expect("text query", tea, ["a", "c"])
    page = [i["key"] for i in store.search_items(["py"], limit=1, offset=1)["items"]]
    expect("limit/offset", page, ["b"])
    print("ok items and search")


def namespaces_and_delete() -> None:
    store = client.store
    expect("list_namespaces", store.list_namespaces(prefix=["py"])["namespaces"], [["py", "u1"], ["py", "u2"]])
    expect("max_depth", store.list_namespaces(prefix=["py"], max_depth=1)["namespaces"], [["py"]])
    store.delete_item(["py", "u1"], "a")
    expect("deleted item", store.get_item(["py", "u1"], "a"), None)
    try:
        store.put_item(["py", ""], "x", {"v": 1})
    except UnprocessableEntityError as error:
        expect("422 names the field", "namespace" in str(error.body), True)
    else:
        raise SystemExit("an empty namespace label was accepted")
    expect("nothing written", store.list_namespaces(prefix=["py"])["namespaces"], [["py", "u1"], ["py", "u2"]])
    print("ok namespaces and delete")


items_and_search()
namespaces_and_delete()
