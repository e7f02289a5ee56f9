"""Comments: Markdown sanitised, mentions, one level of replies, author rules, events."""

from __future__ import annotations

import pytest

from webapp.features.planning import comments
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.query import Query

from ..workspaces.helpers import acting, csrf_from, login_as
from .helpers import P, make_items

HX = {"HX-Request": "true"}


def item_url(project, item):
    return f"{P(project)}/items/{item['$id']}"


def test_markdown_is_sanitised_and_mentions_found(store, owner, member, project):
    (item,) = make_items(store, owner, project, 1)
    made = comments.add_comment(store, acting(owner), project, item,
                                "**Hi** @mia <script>alert(1)</script> [x](javascript:alert(1))"
                                " @nobody")
    assert "<strong>Hi</strong>" in made["body_html"]
    assert "<script" not in made["body_html"] and "&lt;script&gt;" in made["body_html"]
    assert 'href="javascript' not in made["body_html"]
    assert made["mentions"] == [member["$id"]]
    assert 'class="mention" data-user-id="' + member["$id"] in made["body_html"]
    with pytest.raises(FieldErrors):
        comments.add_comment(store, acting(owner), project, item, "   ")
    with pytest.raises(FieldErrors):
        comments.add_comment(store, acting(owner), project, item, "x" * 20001)


def test_replies_are_one_level(store, owner, member, project):
    (item,) = make_items(store, owner, project, 1)
    top = comments.add_comment(store, acting(owner), project, item, "Top")
    reply = comments.add_comment(store, acting(member), project, item, "Reply",
                                 parent_id=top["$id"])
    deeper = comments.add_comment(store, acting(owner), project, item, "Deeper",
                                  parent_id=reply["$id"])
    assert reply["parent_id"] == top["$id"] and deeper["parent_id"] == top["$id"]
    threads = comments.threads(store, item["$id"])
    assert len(threads) == 1 and [r["body"] for r in threads[0].replies] == ["Reply", "Deeper"]
    (other,) = make_items(store, owner, project, 1)
    with pytest.raises(FieldErrors):  # a parent of another item
        comments.add_comment(store, acting(owner), project, other, "x", parent_id=top["$id"])


def test_edit_own_only_and_marked_edited(store, owner, member, project):
    (item,) = make_items(store, owner, project, 1)
    mine = comments.add_comment(store, acting(member), project, item, "First")
    with pytest.raises(Refused) as refused:
        comments.edit_comment(store, acting(owner), project, item, mine["$id"], "Hijack")
    assert refused.value.status == 403
    after = comments.edit_comment(store, acting(member), project, item, mine["$id"],
                                  "Second *try*")
    assert after["is_edited"] and after["edited_at"] and "<em>try</em>" in after["body_html"]


def test_delete_rules_and_replies_go_too(store, owner, member, viewer, project):
    (item,) = make_items(store, owner, project, 1)
    top = comments.add_comment(store, acting(member), project, item, "Top")
    comments.add_comment(store, acting(owner), project, item, "Reply", parent_id=top["$id"])
    with pytest.raises(Refused):
        comments.delete_comment(store, acting(viewer), project, item, top["$id"],
                                may_delete_any=False)
    assert comments.delete_comment(store, acting(owner), project, item, top["$id"],
                                   may_delete_any=True) == 2
    assert store.count("comments", [Query.equal("item_id", item["$id"])]) == 0


def test_comment_writes_emit_notification_events(store, owner, member, project):
    from webapp.features.notifications import events

    seen: list = []

    def sink(st, ev, *rest):
        seen.append(ev)

    events.register_sink(sink)
    try:
        (item,) = make_items(store, owner, project, 1)
        top = comments.add_comment(store, acting(member), project, item, "Hello @owner")
        comments.add_comment(store, acting(owner), project, item, "Thanks",
                             parent_id=top["$id"])
    finally:
        events._SINKS.remove(sink)
    kinds = [(e.type, e.mentioned_ids, e.recipient_ids) for e in seen
             if (e.type.startswith("WORKITEM_") and "COMMENT" in e.type) or e.type in (
                 events.MENTION, events.REPLY)]
    assert (events.COMMENT_ADDED, (), ()) in kinds
    assert (events.MENTION, (owner["$id"],), ()) in kinds
    assert (events.REPLY, (), (member["$id"],)) in kinds


def test_comments_on_the_item_page(client, store, owner, member, viewer, project):
    (item,) = make_items(store, owner, project, 1)
    login_as(client, member)
    page = client.get(item_url(project, item))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="planning-comments"' in html
    assert 'id="planning-attachments"' in html and 'id="planning-time"' in html
    csrf = csrf_from(html)
    empty = client.post(f"{item_url(project, item)}/comments", headers=HX,
                        data={"csrf_token": csrf, "body": " "})
    assert empty.status_code == 422 and "Write a comment first." in empty.get_data(as_text=True)
    added = client.post(f"{item_url(project, item)}/comments", headers=HX,
                        data={"csrf_token": csrf, "body": "Looks **good**"})
    body = added.get_data(as_text=True)
    assert added.status_code == 200 and body.lstrip().startswith('<section id="planning-comments"')
    assert "<strong>good</strong>" in body
    c = store.first("comments", [Query.equal("item_id", item["$id"])])
    plain = client.post(f"{item_url(project, item)}/comments/{c['$id']}/edit",
                        data={"csrf_token": csrf, "body": "Changed"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"#comment-{c['$id']}")
    # someone else's comment: the owner may delete (comments.delete) but not edit
    login_as(client, owner)
    csrf = csrf_from(client.get(item_url(project, item)).get_data(as_text=True))
    assert client.post(f"{item_url(project, item)}/comments/{c['$id']}/edit",
                       data={"csrf_token": csrf, "body": "No"}).status_code == 403
    # the viewer can neither comment nor delete the member's comment
    login_as(client, viewer)
    page = client.get(item_url(project, item)).get_data(as_text=True)
    assert "Add a comment" not in page
    csrf = csrf_from(page)
    assert client.post(f"{item_url(project, item)}/comments",
                       data={"csrf_token": csrf, "body": "x"}).status_code == 403
    assert client.post(f"{item_url(project, item)}/comments/{c['$id']}/delete",
                       data={"csrf_token": csrf}).status_code == 403
    login_as(client, owner)
    csrf = csrf_from(client.get(item_url(project, item)).get_data(as_text=True))
    assert client.post(f"{item_url(project, item)}/comments/{c['$id']}/delete",
                       data={"csrf_token": csrf}).status_code == 303
    assert store.find("comments", c["$id"]) is None


def test_without_javascript_invalid_comment_shows_the_item_page(client, store, owner,
                                                                 project):
    (item,) = make_items(store, owner, project, 1)
    login_as(client, owner)
    csrf = csrf_from(client.get(item_url(project, item)).get_data(as_text=True))
    answer = client.post(f"{item_url(project, item)}/comments",
                         data={"csrf_token": csrf, "body": ""})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and '<article id="item"' in html
    assert 'id="cb-new-error"' in html and "Write a comment first." in html
    ok = client.post(f"{item_url(project, item)}/comments",
                     data={"csrf_token": csrf, "body": "Plain post"})
    assert ok.status_code == 303 and ok.headers["Location"].endswith("#planning-comments")
    c = store.first("comments", [Query.equal("item_id", item["$id"])])
    # the edit form: in place for htmx, on the item page without it
    region = client.get(f"{item_url(project, item)}/comments?edit_comment={c['$id']}",
                        headers=HX).get_data(as_text=True)
    assert f'action="{item_url(project, item)}/comments/{c["$id"]}/edit"' in region
    page = client.get(f"{item_url(project, item)}?edit_comment={c['$id']}")
    assert 'id="cb-' + c["$id"] + '"' in page.get_data(as_text=True)
