/* Live pages: the bell and the project room (notifications/live.py pushes).
 *
 * Every htmx request carries this tab's id (X-Keel-Tab), so a push caused by this tab
 * starts with <!--live:<tab>--> and is ignored here (the tab already shows its change).
 * On project pages (#live-signal with data-live-room) the socket joins the room on every
 * open. A push swaps #live-signal out of band; this script then places the card it
 * carries on the board (before data-next, or at the end of the column), removes deleted
 * cards, and refreshes the table view; item pages show a notice. After a reconnect the
 * page's live region is fetched again, so changes missed while offline appear. */
(function () {
  "use strict";

  var tab = Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
  var room = null;
  var opened = 0;
  var refreshTimer = null;

  function roomOf() {
    var signal = document.getElementById("live-signal");
    return signal ? signal.getAttribute("data-live-room") : null;
  }

  /* Ask for the room in the socket URL too (/ws?join=...): joined on every (re)connect,
     before any message; this runs before htmx opens the socket (deferred scripts first). */
  (function joinInUrl() {
    var body = document.body;
    var wanted = roomOf();
    var url = body && body.getAttribute("ws-connect");
    if (!url || !wanted || url.indexOf("join=") >= 0) return;
    body.setAttribute("ws-connect",
      url + (url.indexOf("?") >= 0 ? "&" : "?") + "join=" + encodeURIComponent(wanted));
  })();

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-Keel-Tab"] = tab;
  });

  document.addEventListener("htmx:wsOpen", function (event) {
    opened += 1;
    if (room === null) room = roomOf();
    if (room && room.indexOf("project:") === 0 && room.length > 8) {
      event.detail.socketWrapper.send(JSON.stringify({ join: room }));
    }
    document.body.setAttribute("data-live-open", String(opened));
    if (opened > 1) refresh(true);
  });

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var message = String(event.detail.message || "");
    if (message.indexOf("<!--live:" + tab + "-->") === 0) event.preventDefault();
  });

  document.addEventListener("htmx:wsAfterMessage", function (event) {
    var message = String(event.detail.message || "");
    if (message.indexOf("<!--live:") !== 0) return;
    var signal = document.getElementById("live-signal");
    if (!signal) return;
    if (room && !signal.getAttribute("data-live-room").length) {
      signal.setAttribute("data-live-room", room);
    }
    applySignal(signal);
  });

  function boardHasFilters() {
    var params = new URLSearchParams(window.location.search);
    var filtered = false;
    params.forEach(function (value, key) {
      if (key !== "swimlane" && value) filtered = true;
    });
    return filtered;
  }

  function applySignal(signal) {
    var itemId = signal.getAttribute("data-item");
    var removed = signal.getAttribute("data-removed") === "true";
    var board = document.querySelector("[data-board]");
    if (board) {
      // the card in the signal carries the same id: look inside the board only
      var old = board.querySelector("[data-card][data-id='" + itemId + "']");
      var fresh = signal.querySelector("[data-card]");
      var list = fresh ? board.querySelector(
        "[data-list][data-status='" + fresh.getAttribute("data-status") + "']:not([data-lane])") : null;
      signal.querySelectorAll("[data-col-head]").forEach(function (head) {
        var current = board.querySelector("#col-head-" + head.getAttribute("data-col-head"));
        if (current) current.replaceWith(head);
      });
      var lanes = board.querySelector("[data-list][data-lane]");
      if (lanes || boardHasFilters()) {
        refresh(false);
      } else if (removed || !fresh) {
        if (old) old.remove();
      } else if (list) {
        if (old && old.contains(document.activeElement)) {
          // the user is on this card: update it where it is, keep focus
          old.replaceWith(fresh);
        } else {
          board.querySelectorAll("[data-card][data-id='" + itemId + "']").forEach(
            function (card) { card.remove(); });
          var next = board.querySelector("[data-card][data-id='" + signal.getAttribute("data-next") + "']");
          if (next && next.parentNode === list) list.insertBefore(fresh, next);
          else list.appendChild(fresh);
        }
        if (board.getAttribute("data-can-move") !== "true") {
          fresh.querySelectorAll("[data-move-open]").forEach(function (b) { b.remove(); });
        }
        fresh.classList.add("is-live");
        window.setTimeout(function () { fresh.classList.remove("is-live"); }, 1200);
        if (window.htmx) window.htmx.process(fresh);
      } else if (old) {
        old.remove();
      }
    }
    signal.innerHTML = "";
    if (document.getElementById("table-view") && !signal.getAttribute("data-region")) {
      refresh(false);
    }
    var path = window.location.pathname.replace(/\/+$/, "");
    if (itemId && path.slice(-("/items/" + itemId).length) === "/items/" + itemId) {
      var region = signal.getAttribute("data-region");
      var block = region ? document.getElementById("planning-" + region) : null;
      if (block && window.htmx) {
        // the region's own route answers the same block the page rendered
        window.htmx.ajax("GET", path + "/" + region, { target: block, swap: "outerHTML" });
      } else if (!region) {
        showItemNotice(document.getElementById("main"), signal, removed);
      }
    }
  }

  function showItemNotice(page, signal, removed) {
    var notice = document.getElementById("live-item-notice");
    if (!notice) {
      notice = document.createElement("p");
      notice.id = "live-item-notice";
      notice.className = "flash flash--info live-notice";
      notice.setAttribute("role", "status");
      page.insertBefore(notice, page.firstChild);
    }
    var who = signal.getAttribute("data-actor") || "Someone";
    notice.textContent = removed
      ? who + " deleted this item."
      : who + " changed this item. ";
    if (!removed) {
      var link = document.createElement("a");
      link.href = window.location.pathname;
      link.textContent = "Reload to see the changes";
      notice.appendChild(link);
    }
  }

  function refresh(all) {
    if (!window.htmx) return;
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(function () {
      var here = window.location.pathname + window.location.search;
      if (document.querySelector("[data-board]")) {
        // the board sets up drag and drop on load: draw it again whole
        window.location.reload();
        return;
      }
      if (document.getElementById("table-view")) {
        window.htmx.ajax("GET", here, {
          target: "#table-view", select: "#table-view", swap: "outerHTML"
        });
      }
      if (all && document.getElementById("notifications-bell")) {
        window.htmx.ajax("GET", "/account/notifications/bell", {
          target: "#notifications-bell", swap: "outerHTML"
        });
      }
    }, 60);
  }
})();
