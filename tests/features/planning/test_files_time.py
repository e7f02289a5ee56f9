"""Attachments (files port, 20 MB, allow-list, permission-checked download) and time logs."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest

from webapp.features.planning import attachments, timelogs
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.query import Query

from ..workspaces.helpers import acting, csrf_from, login_as
from .helpers import P, make_items

HX = {"HX-Request": "true"}
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def url(project, item):
    return f"{P(project)}/items/{item['$id']}"


def test_upload_list_download_delete(client, runtime, store, owner, member, viewer, project):
    (item,) = make_items(store, owner, project, 1)
    login_as(client, member)
    csrf = csrf_from(client.get(url(project, item)).get_data(as_text=True))
    sent = client.post(f"{url(project, item)}/attachments", headers=HX,
                       content_type="multipart/form-data",
                       data={"csrf_token": csrf, "file": (io.BytesIO(PNG), "shot.png")})
    body = sent.get_data(as_text=True)
    assert sent.status_code == 200 and "shot.png" in body and 'alt="Preview of shot.png"' in body
    doc = store.first("attachments", [Query.equal("item_id", item["$id"])])
    assert doc["mime_type"] == "image/png" and doc["file_size"] == len(PNG)
    assert runtime.files.info("attachments", doc["file_id"]).size == len(PNG)
    # download: an attachment; inline only for the image preview
    got = client.get(f"{url(project, item)}/attachments/{doc['$id']}")
    assert got.status_code == 200 and got.data == PNG
    assert got.headers["Content-Disposition"].startswith("attachment")
    inline = client.get(f"{url(project, item)}/attachments/{doc['$id']}?inline=1")
    assert inline.headers["Content-Disposition"].startswith("inline")
    # the viewer may download but not delete; the owner (tasks.delete) may
    login_as(client, viewer)
    assert client.get(f"{url(project, item)}/attachments/{doc['$id']}").status_code == 200
    csrf = csrf_from(client.get(url(project, item)).get_data(as_text=True))
    assert client.post(f"{url(project, item)}/attachments/{doc['$id']}/delete",
                       data={"csrf_token": csrf}).status_code == 403
    login_as(client, owner)
    csrf = csrf_from(client.get(url(project, item)).get_data(as_text=True))
    assert client.post(f"{url(project, item)}/attachments/{doc['$id']}/delete",
                       data={"csrf_token": csrf}).status_code == 303
    assert store.find("attachments", doc["$id"]) is None
    assert not runtime.files.exists("attachments", doc["file_id"])
    assert client.get(f"{url(project, item)}/attachments/{doc['$id']}").status_code == 404


def test_html_and_svg_are_never_inline(client, store, owner, project):
    (item,) = make_items(store, owner, project, 1)
    login_as(client, owner)
    csrf = csrf_from(client.get(url(project, item)).get_data(as_text=True))
    client.post(f"{url(project, item)}/attachments", content_type="multipart/form-data",
                data={"csrf_token": csrf, "file": (io.BytesIO(b"<svg onload=x>"), "a.svg")})
    doc = store.first("attachments", [Query.equal("item_id", item["$id"])])
    got = client.get(f"{url(project, item)}/attachments/{doc['$id']}?inline=1")
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in got.headers["Content-Security-Policy"]


def test_oversize_and_forbidden_types_refused(runtime, store, owner, project):
    (item,) = make_items(store, owner, project, 1)
    big = io.BytesIO(b"x" * (20 * 1024 * 1024 + 1))
    with pytest.raises(FieldErrors) as bad:
        attachments.upload(store, runtime.files, acting(owner), project, item, big, "big.txt",
                           "text/plain")
    assert "larger than 20 MB" in bad.value.errors["file"]
    with pytest.raises(FieldErrors) as bad:
        attachments.upload(store, runtime.files, acting(owner), project, item,
                           io.BytesIO(b"MZ"), "tool.exe", "application/x-msdownload")
    assert "cannot be attached" in bad.value.errors["file"]
    with pytest.raises(FieldErrors):
        attachments.upload(store, runtime.files, acting(owner), project, item, io.BytesIO(b""),
                           "empty.txt", "text/plain")
    assert store.count("attachments", [Query.equal("item_id", item["$id"])]) == 0
    exactly = attachments.upload(store, runtime.files, acting(owner), project, item,
                                 io.BytesIO(b"y" * (20 * 1024 * 1024)), "edge.txt", "")
    assert exactly["file_size"] == 20 * 1024 * 1024 and exactly["mime_type"] == "text/plain"


def test_oversize_upload_through_the_page(client, store, owner, project):
    (item,) = make_items(store, owner, project, 1)
    login_as(client, owner)
    csrf = csrf_from(client.get(url(project, item)).get_data(as_text=True))
    answer = client.post(f"{url(project, item)}/attachments", headers=HX,
                         content_type="multipart/form-data",
                         data={"csrf_token": csrf,
                               "file": (io.BytesIO(b"x" * (20 * 1024 * 1024 + 10)), "b.txt")})
    assert answer.status_code == 422 and "larger than 20 MB" in answer.get_data(as_text=True)
    none = client.post(f"{url(project, item)}/attachments", data={"csrf_token": csrf})
    assert none.status_code == 422 and "Choose a file" in none.get_data(as_text=True)


@pytest.mark.parametrize("raw,hours", [("1.5", 1.5), ("1h 30m", 1.5), ("45m", 0.75),
                                       ("1:30", 1.5), ("2h", 2.0), ("0,5", 0.5)])
def test_durations_parse(raw, hours):
    assert timelogs.parse_hours(raw) == hours


@pytest.mark.parametrize("raw", ["", "0", "-1", "25", "abc", "1:75", "h", "nan"])
def test_bad_durations_refused(raw):
    with pytest.raises(ValueError):
        timelogs.parse_hours(raw)


def test_log_time_updates_remaining_and_own_rules(store, owner, member, project):
    (item,) = make_items(store, owner, project, 1, estimated_hours=10)
    log = timelogs.log_time(store, acting(member), project, item,
                            {"hours": "2h 30m", "log_date": "2026-01-02", "note": "Spike"})
    assert log["hours"] == 2.5 and log["log_date"] == datetime(2026, 1, 2, tzinfo=UTC)
    after = store.get("work_items", item["$id"])
    assert after["remaining_hours"] == 7.5 and after["version"] == item["version"] + 1
    with pytest.raises(Refused) as refused:
        timelogs.edit_log(store, acting(owner), project, item, log["$id"], {"hours": "1"})
    assert refused.value.status == 403
    with pytest.raises(Refused):
        timelogs.delete_log(store, acting(owner), project, item, log["$id"])
    timelogs.edit_log(store, acting(member), project, item, log["$id"], {"hours": "4"})
    assert store.get("work_items", item["$id"])["remaining_hours"] == 6
    with pytest.raises(FieldErrors) as bad:
        timelogs.log_time(store, acting(member), project, item, {"hours": "30"})
    assert "24 hours" in bad.value.errors["hours"]
    future = (date.today() + timedelta(days=2)).isoformat()
    with pytest.raises(FieldErrors) as bad:
        timelogs.log_time(store, acting(member), project, item, {"hours": "1",
                                                                 "log_date": future})
    assert "future" in bad.value.errors["log_date"]
    timelogs.delete_log(store, acting(member), project, item, log["$id"])
    assert store.get("work_items", item["$id"])["remaining_hours"] == 10
    totals = timelogs.totals(store.get("work_items", item["$id"]),
                             timelogs.logs_for(store, item["$id"]))
    assert totals.logged == 0 and totals.variance == -10


def test_time_on_the_item_page(client, store, owner, member, viewer, project):
    (item,) = make_items(store, owner, project, 1, estimated_hours=4)
    login_as(client, member)
    csrf = csrf_from(client.get(url(project, item)).get_data(as_text=True))
    bad = client.post(f"{url(project, item)}/time", data={"csrf_token": csrf, "hours": "-2"})
    assert bad.status_code == 422 and "more than zero" in bad.get_data(as_text=True)
    ok = client.post(f"{url(project, item)}/time", headers=HX,
                     data={"csrf_token": csrf, "hours": "1:30", "is_billable": "1"})
    html = ok.get_data(as_text=True)
    assert ok.status_code == 200 and '<article id="item"' in html
    assert "1.5 h" in html and "2.5 h" in html and "Billable" in html
    log = store.first("time_logs", [Query.equal("item_id", item["$id"])])
    assert log["is_billable"] is True
    login_as(client, owner)
    csrf = csrf_from(client.get(url(project, item)).get_data(as_text=True))
    assert client.post(f"{url(project, item)}/time/{log['$id']}/delete",
                       data={"csrf_token": csrf}).status_code == 403
    login_as(client, viewer)
    csrf = csrf_from(client.get(url(project, item)).get_data(as_text=True))
    assert client.post(f"{url(project, item)}/time",
                       data={"csrf_token": csrf, "hours": "1"}).status_code == 403


def test_deleting_an_item_takes_its_comments_time_and_files(app, runtime, store, owner,
                                                            project):
    from webapp.features.items import service as items
    from webapp.features.planning import comments

    (item,) = make_items(store, owner, project, 1)
    (other,) = make_items(store, owner, project, 1)
    comments.add_comment(store, acting(owner), project, item, "Bye")
    timelogs.log_time(store, acting(owner), project, item, {"hours": "1"})
    doc = attachments.upload(store, runtime.files, acting(owner), project, item,
                             io.BytesIO(b"data"), "a.txt", "text/plain")
    kept = comments.add_comment(store, acting(owner), project, other, "Stays")
    with app.app_context():
        items.delete_item(store, acting(owner), project, item["$id"])
    for name in ("comments", "time_logs", "attachments"):
        assert store.count(name, [Query.equal("item_id", item["$id"])]) == 0, name
    assert not runtime.files.exists("attachments", doc["file_id"])
    assert store.find("comments", kept["$id"]) is not None


def test_deleting_an_item_on_its_page_takes_its_extras(client, runtime, store, owner,
                                                      project):
    (item,) = make_items(store, owner, project, 1)
    doc = attachments.upload(store, runtime.files, acting(owner), project, item,
                             io.BytesIO(b"data"), "a.txt", "text/plain")
    timelogs.log_time(store, acting(owner), project, item, {"hours": "2"})
    login_as(client, owner)
    csrf = csrf_from(client.get(url(project, item)).get_data(as_text=True))
    gone = client.post(f"{url(project, item)}/delete",
                       data={"csrf_token": csrf, "confirm_key": item["key"]})
    assert gone.status_code in (302, 303)
    gone.close()  # events are dispatched once the response has been sent
    assert store.count("time_logs", [Query.equal("item_id", item["$id"])]) == 0
    assert store.find("attachments", doc["$id"]) is None
    assert not runtime.files.exists("attachments", doc["file_id"])
