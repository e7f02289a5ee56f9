"""Links, checklist, split/clone/move and Markdown descriptions."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from webapp.features.items import checklist, links, ops, service
from webapp.features.items.markdown import render
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.query import Query

from ..workspaces.helpers import acting
from .conftest import new_project


def test_link_types_and_inverse_labels(store, owner, project, make):
    a, b = make("A"), make("B")
    link = links.add_link(store, acting(owner), project, a, b["$id"], "IS_BLOCKED_BY")
    assert (link["source_id"], link["target_id"], link["link_type"]) == (
        b["$id"], a["$id"], "BLOCKS")
    assert [(v.label, v.other_id) for v in links.links_of(store, a["$id"])] == [
        ("is blocked by", b["$id"])]
    assert [(v.label, v.other_id) for v in links.links_of(store, b["$id"])] == [
        ("blocks", a["$id"])]
    assert len(links.TYPES) == 13


def test_duplicates_self_and_circular_blocking(store, owner, project, make):
    a, b, c = make("A"), make("B"), make("C")
    links.add_link(store, acting(owner), project, a, b["$id"], "BLOCKS")
    links.add_link(store, acting(owner), project, b, c["$id"], "BLOCKS")
    for item, other, kind, code in (
        (a, b["$id"], "BLOCKS", "DUPLICATE_LINK"),
        (b, a["$id"], "IS_BLOCKED_BY", "DUPLICATE_LINK"),
        (c, a["$id"], "BLOCKS", "CIRCULAR_BLOCKING"),
        (a, c["$id"], "IS_BLOCKED_BY", "CIRCULAR_BLOCKING"),
        (a, a["$id"], "RELATES_TO", "SELF_LINK"),
        (a, b["$id"], "SIDEWAYS", "UNKNOWN_LINK_TYPE"),
    ):
        with pytest.raises(Refused) as caught:
            links.add_link(store, acting(owner), project, item, other, kind)
        assert caught.value.code == code
    links.add_link(store, acting(owner), project, a, c["$id"], "RELATES_TO")
    with pytest.raises(Refused) as caught:
        links.add_link(store, acting(owner), project, c, a["$id"], "RELATES_TO")
    assert caught.value.code == "DUPLICATE_LINK"
    assert store.count("work_item_links", []) == 3


def test_cross_workspace_links_are_refused(store, owner, project, make, org):
    from webapp.features.workspaces.service import create_workspace

    other_ws = create_workspace(store, acting(owner), owner_id=owner["$id"], name="Far",
                                organization_id=org["$id"])
    far = new_project(store, owner, other_ws, "Far", "FAR")
    mine, theirs = make("Mine"), make("Theirs", proj=far)
    with pytest.raises(Refused) as caught:
        links.add_link(store, acting(owner), project, mine, theirs["$id"], "RELATES_TO")
    assert caught.value.code == "CROSS_WORKSPACE_LINK"


def test_blocked_badge_follows_the_blocker(store, owner, project, make, owner_actor):
    blocker, blocked, free = make("Blocker"), make("Blocked"), make("Free")
    links.add_link(store, acting(owner), project, blocker, blocked["$id"], "BLOCKS")
    ids = [blocker["$id"], blocked["$id"], free["$id"]]
    assert links.blocked_ids(store, ids) == {blocked["$id"]}
    assert links.blocked_ids(store, []) == set()
    store.update("work_items", blocker["$id"], {"status_category": "CLOSED"})
    assert links.blocked_ids(store, ids) == set()


def test_remove_link_from_either_side(store, owner, project, make):
    a, b = make("A"), make("B")
    link = links.add_link(store, acting(owner), project, a, b["$id"], "DUPLICATES")
    with pytest.raises(Refused):
        links.remove_link(store, acting(owner), project, make("C"), link["$id"])
    links.remove_link(store, acting(owner), project, b, link["$id"])
    assert store.count("work_item_links", []) == 0
    actions = [e["action"] for e in service.history(store, b["$id"])]
    assert "work_item_unlinked" in actions


def test_checklist(store, owner, project, make):
    item = make("List")
    with pytest.raises(FieldErrors):
        checklist.add(store, acting(owner), project, item, " ")
    one = checklist.add(store, acting(owner), project, item, "One")
    two = checklist.add(store, acting(owner), project, item, "Two")
    checklist.toggle(store, acting(owner), project, item, one["$id"])
    checklist.rename(store, acting(owner), project, item, two["$id"], "Second")
    rows = checklist.reorder(store, acting(owner), project, item, [two["$id"], one["$id"]])
    assert [(r["title"], r["is_completed"]) for r in rows] == [("Second", False),
                                                              ("One", True)]
    with pytest.raises(Refused):
        checklist.reorder(store, acting(owner), project, item, [one["$id"]])
    checklist.delete(store, acting(owner), project, item, one["$id"])
    other = make("Other")
    with pytest.raises(Refused):
        checklist.toggle(store, acting(owner), project, other, two["$id"])
    assert [r["title"] for r in checklist.entries(store, item["$id"])] == ["Second"]


def test_split_creates_linked_items(store, owner, project, make, owner_actor):
    item = make("Big", priority="HIGH", labels=["ui"], story_points=8)
    item = service.update_item(store, acting(owner), project, item["$id"],
                               {"status": "ASSIGNED"}, expected_version=1, actor=owner_actor)
    with pytest.raises(FieldErrors):
        ops.split_item(store, acting(owner), project, item["$id"], [("Only", 1)])
    with pytest.raises(FieldErrors) as caught:
        ops.split_item(store, acting(owner), project, item["$id"], [("a", 1), ("b", 200)])
    assert caught.value.errors == {"points_1": "Story points must be between 0 and 100."}
    parts = ops.split_item(store, acting(owner), project, item["$id"],
                           [("Part 1", 3), ("Part 2", "5"), ("", None)])
    assert [(p["key"], p["story_points"], p["priority"], p["labels"], p["status"])
            for p in parts] == [("WEB-2", 3, "HIGH", ["ui"], "ASSIGNED"),
                                ("WEB-3", 5, "HIGH", ["ui"], "ASSIGNED")]
    assert {v.label for v in links.links_of(store, item["$id"])} == {"split to"}
    assert store.get("work_items", item["$id"])["title"] == "Big"


def test_clone_copies_fields_and_checklist(store, owner, project, make):
    item = make("Source", description="Hello **world**", story_points=2)
    checklist.add(store, acting(owner), project, item, "Step")
    clone = ops.clone_item(store, acting(owner), project, item["$id"])
    assert clone["key"] == "WEB-2" and clone["title"] == "Source"
    assert clone["description_html"] == item["description_html"]
    assert [e["title"] for e in checklist.entries(store, clone["$id"])] == ["Step"]
    assert [v.label for v in links.links_of(store, clone["$id"])] == ["cloned from"]


def test_move_reissues_keys_and_keeps_links(store, owner, org_ws, project, make):
    target = new_project(store, owner, org_ws, "Mobile", "MOB")
    make("Filler", proj=target)
    item, other = make("Mover"), make("Stayer")
    child = make("Child", parent_id=item["$id"])
    links.add_link(store, acting(owner), project, item, other["$id"], "RELATES_TO")
    checklist.add(store, acting(owner), project, item, "Keep me")
    moved = ops.move_item(store, acting(owner), project, item["$id"], target)
    assert moved["key"] == "MOB-2" and moved["project_id"] == target["$id"]
    assert store.get("work_items", child["$id"])["key"] == "MOB-3"
    assert [v.other_id for v in links.links_of(store, item["$id"])] == [other["$id"]]
    assert [e["title"] for e in checklist.entries(store, item["$id"])] == ["Keep me"]
    assert make("Next")["key"] == "WEB-4"  # WEB-1 and WEB-3 are never issued again
    with pytest.raises(FieldErrors):
        ops.move_item(store, acting(owner), target, item["$id"], target)
    assert store.count("work_items", [Query.equal("key", "WEB-1")]) == 0


XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "![x](javascript:alert(1))",
    "<iframe src=//evil></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[x](JaVaScRiPt:alert(1))",
    "<svg onload=alert(1)>",
]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, attrs))


@pytest.mark.parametrize("attack", XSS)
def test_markdown_is_sanitised(attack):
    html, _ = render(attack)
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.seen:
        assert tag not in ("script", "iframe", "svg", "div", "style"), html
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", html
            assert not (value or "").strip().lower().startswith("javascript:"), html


def test_markdown_renders_and_collects_mentions(store, owner, project, editor, make):
    html, ids = render("**Bold** @bob and `@bob` [site](https://x.test)", {"bob": "u1"})
    assert "<strong>Bold</strong>" in html and ids == ["u1"]
    assert 'rel="noopener noreferrer nofollow"' in html
    assert html.count('class="mention"') == 1
    item = make("Mention", description="Ping @bob and @nobody")
    assert item["mentions"] == [editor["$id"]]
    assert 'data-user-id="' + editor["$id"] + '"' in item["description_html"]
