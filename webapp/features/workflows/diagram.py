"""The workflow diagram: an SVG rendered on the server (no JavaScript library).

Layout: statuses in layers by their distance from the initial status (left to right),
ordered by position inside a layer; statuses that cannot be reached go in a last layer.
Forward transitions are curves between layers; between neighbours of one layer they are
straight lines through the gap (down on the left, up on the right); other backward ones arc
below.
"From any" transitions start at an "Any status" pill above the first layer. Restricted
transitions (roles, teams, approval, comment) are drawn dashed in the warning colour.
Colours come from CSS classes (``workflows.css``) so dark mode works; the status colour is
the node's left bar (an SVG presentation attribute, allowed by the CSP).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from webapp.features.workflows.analysis import successors

W, H = 150, 40
GAP_X, GAP_Y = 80, 52
PAD = 24
ANY_H = 26


def _restricted(t: Mapping[str, Any]) -> bool:
    return bool(t.get("allowed_roles") or t.get("allowed_team_ids")
                or t.get("requires_approval") or t.get("requires_comment"))


def layout(statuses: Sequence[Mapping[str, Any]],
           transitions: Sequence[Mapping[str, Any]]) -> dict[str, tuple[int, int]]:
    """Status id -> (x, y) of the node's top-left corner."""
    if not statuses:
        return {}
    nexts = successors(statuses, [t for t in transitions if t.get("from_status_id")])
    start = next((s for s in statuses if s.get("is_initial")), statuses[0])["$id"]
    depth = {start: 0}
    queue = [start]
    while queue:
        current = queue.pop(0)
        for target in sorted(nexts[current], key=lambda i: _order(statuses, i)):
            if target not in depth:
                depth[target] = depth[current] + 1
                queue.append(target)
    last = max(depth.values()) + 1
    layers: dict[int, list[str]] = {}
    for s in statuses:
        layers.setdefault(depth.get(s["$id"], last), []).append(s["$id"])
    top = PAD + (ANY_H + GAP_Y if any(not t.get("from_status_id") for t in transitions) else 0)
    out = {}
    for column, ids in enumerate(sorted(layers)):
        for row, sid in enumerate(layers[ids]):
            out[sid] = (PAD + column * (W + GAP_X), top + row * (H + GAP_Y))
    return out


def _order(statuses: Sequence[Mapping[str, Any]], status_id: str) -> int:
    return next((i for i, s in enumerate(statuses) if s["$id"] == status_id), 0)


def _edge(path: str, label: str, restricted: bool, title: str, lx: float, ly: float,
          anchor: str = "middle") -> str:
    cls = "wf-edge wf-edge--restricted" if restricted else "wf-edge"
    marker = "wf-arrow-r" if restricted else "wf-arrow"
    text = (f'<text class="wf-edge__label" x="{lx:.0f}" y="{ly:.0f}" text-anchor="{anchor}">'
            f"{escape(label)}</text>") if label else ""
    return (f'<g class="{cls}"><title>{escape(title)}</title>'
            f'<path d="{path}" marker-end="url(#{marker})"/>{text}</g>')


def render_svg(statuses: Sequence[Mapping[str, Any]], transitions: Sequence[Mapping[str, Any]],
               *, title: str = "Workflow diagram") -> Markup:
    pos = layout(statuses, transitions)
    names = {s["$id"]: s["name"] for s in statuses}
    width = max((x for x, _ in pos.values()), default=PAD) + W + PAD
    height = max((y for _, y in pos.values()), default=PAD) + H + PAD + 40
    parts = [
        f'<svg class="wf-diagram" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{escape(title)}">',
        '<defs>'
        '<marker id="wf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path class="wf-arrowhead" '
        'd="M0,0 L10,5 L0,10 z"/></marker>'
        '<marker id="wf-arrow-r" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path class="wf-arrowhead '
        'wf-arrowhead--restricted" d="M0,0 L10,5 L0,10 z"/></marker></defs>',
    ]
    anys = [t for t in transitions if not t.get("from_status_id")]
    if anys:
        parts.append(f'<g class="wf-any"><rect x="{PAD}" y="{PAD}" width="{W}" '
                     f'height="{ANY_H}" rx="13"/><text x="{PAD + W / 2}" y="{PAD + 17}" '
                     'text-anchor="middle">Any status</text></g>')
    for t in transitions:
        target = pos.get(t["to_status_id"])
        if target is None:
            continue
        tx, ty = target
        label = t.get("name") or ""
        restricted = _restricted(t)
        source_id = t.get("from_status_id")
        title = f"{names.get(source_id, 'Any status') if source_id else 'Any status'} → " \
                f"{names.get(t['to_status_id'], '?')}{' (restricted)' if restricted else ''}"
        if not source_id:
            ax, ay = PAD + W / 2, PAD + ANY_H
            ex, ey = tx + W / 2, ty
            path = f"M{ax:.0f},{ay:.0f} C{ax:.0f},{(ay + ey) / 2:.0f} {ex:.0f}," \
                   f"{(ay + ey) / 2:.0f} {ex:.0f},{ey - 2:.0f}"
            parts.append(_edge(path, "", restricted, f"{label}: {title}", 0, 0))
            continue
        source = pos.get(source_id)
        if source is None:
            continue
        sx, sy = source
        lx: float
        ly: float
        anchor = "middle"
        x1: float
        y1: float
        x2: float
        y2: float
        if tx > sx:  # forward
            x1, y1, x2, y2 = sx + W, sy + H / 2, tx - 2, ty + H / 2
            mid = (x1 + x2) / 2
            path = f"M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
            lx, ly = mid, (y1 + y2) / 2 - 6
        elif tx == sx and abs(ty - sy) == H + GAP_Y:  # neighbours in one layer
            down = ty > sy
            x = sx + W * (0.3 if down else 0.7)
            y1, y2 = (sy + H, ty - 2) if down else (sy, ty + H + 2)
            path = f"M{x:.0f},{y1:.0f} L{x:.0f},{y2:.0f}"
            # labels inside the layer's width: down's right of its line, up's left of its
            lx, ly = x + (4 if down else -4), (sy + ty + H) / 2 + (-4 if down else 12)
            anchor = "start" if down else "end"
        else:  # backward or further in the same layer: arc below the lower node
            x1, y1 = sx + W * 0.35, sy + H
            x2, y2 = tx + W * 0.65, ty + H + 2
            dip = max(y1, y2) + 34
            path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{dip:.0f} {x2:.0f},{dip:.0f} {x2:.0f},{y2:.0f}"
            lx, ly = (x1 + x2) / 2, dip - 8
        parts.append(_edge(path, label, restricted, f"{label}: {title}" if label else title,
                           lx, ly, anchor))
    for s in statuses:
        x, y = pos[s["$id"]]
        kind = str(s.get("status_type") or "OPEN").lower()
        flags = (" wf-node--initial" if s.get("is_initial") else "") + (
            " wf-node--final" if s.get("is_final") else "")
        color = s.get("color") or "#64748b"
        parts.append(
            f'<g class="wf-node wf-node--{escape(kind)}{flags}" data-key="{escape(s["key"])}">'
            f'<title>{escape(s["name"])} ({escape(s["key"])})</title>'
            f'<rect class="wf-node__box" x="{x}" y="{y}" width="{W}" height="{H}" rx="8"/>'
            f'<rect x="{x}" y="{y}" width="6" height="{H}" rx="3" fill="{escape(color)}"/>'
            f'<text class="wf-node__label" x="{x + 16}" y="{y + 25}">'
            f"{escape(_short(s['name']))}</text></g>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
