/* The project board: drag and drop with SortableJS, moves through htmx (the answer swaps
   the moved card and the two column headers out of band), a "Move to…" dialog as the
   keyboard way to move a card, and shortcuts: c create, j/k next/previous card, m move,
   arrows between cards and columns, Enter opens. A refused move puts the card back and
   shows why. Without JavaScript the board still shows and the dialog posts as a form. */
(function () {
  "use strict";

  var board = null;

  function cards() {
    return board ? Array.prototype.slice.call(board.querySelectorAll("[data-card]")) : [];
  }

  function cardSibling(card, forward) {
    var node = forward ? card.nextElementSibling : card.previousElementSibling;
    while (node && !node.hasAttribute("data-card")) {
      node = forward ? node.nextElementSibling : node.previousElementSibling;
    }
    return node;
  }

  function notice(html) {
    var region = document.getElementById("board-notice");
    if (region) region.innerHTML = html || "";
  }

  /* ------------------------------------------------------------- moves */
  function sendMove(card, toList, revert) {
    var before = cardSibling(card, true);
    var after = cardSibling(card, false);
    var values = {
      item_id: card.getAttribute("data-id"),
      version: card.getAttribute("data-version"),
      to_status: toList.getAttribute("data-status"),
      after_id: after ? after.getAttribute("data-id") : "",
      before_id: before ? before.getAttribute("data-id") : ""
    };
    var sprint = board.getAttribute("data-sprint");
    if (sprint) values.sprint = sprint; /* the board's sprint: the move reads none */
    var lane = toList.getAttribute("data-lane");
    if (lane !== null && lane !== card.getAttribute("data-lane-was")) {
      values.lane_kind = board.getAttribute("data-swimlane");
      values.lane = lane;
    }
    var hadFocus = document.activeElement === card;
    var id = card.id;
    card.classList.add("is-saving");
    card.setAttribute("data-pending", "");
    card._boardRevert = revert;
    htmx.ajax("POST", board.getAttribute("data-move-url"), {
      source: card,
      values: values,
      swap: "none"
    }).then(function () {
      var now = document.getElementById(id);
      if (now) {
        now.classList.remove("is-saving");
        /* give focus back only if the swap took it: a key pressed meanwhile
           (say "c" for the quick-create field) keeps what it focused */
        var active = document.activeElement;
        var lost = !active || active === document.body || active === card;
        if (hadFocus && lost) now.focus();
      }
    });
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-pending")) return;
    elt.removeAttribute("data-pending");
    elt.classList.remove("is-saving");
    if (event.detail.successful) return;
    if (typeof elt._boardRevert === "function") elt._boardRevert();
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 409 && xhr.responseText) notice(xhr.responseText);
  });

  /* Sortable animates with CSSOM styles that can outlive the drop; htmx's settle copies
     the old element's style attribute onto the new one, which the CSP refuses. */
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.target;
    if (target && target.hasAttribute && target.hasAttribute("data-card")) {
      target.removeAttribute("style");
    }
  });

  function setupSortable(list) {
    if (list._boardSortable || typeof Sortable === "undefined") return;
    list._boardSortable = Sortable.create(list, {
      group: "board",
      animation: 120,
      forceFallback: true, /* pointer events: same behaviour for mouse, touch and pen */
      fallbackTolerance: 4,
      draggable: "[data-card]",
      filter: ".board-more, [data-move-open]",
      preventOnFilter: false,
      ghostClass: "board-card--ghost",
      chosenClass: "board-card--chosen",
      onStart: function (evt) {
        var item = evt.item;
        item._origin = { parent: evt.from, next: item.nextElementSibling };
        item.setAttribute("data-lane-was", evt.from.getAttribute("data-lane") || "");
      },
      onEnd: function (evt) {
        var item = evt.item;
        var origin = item._origin;
        /* Sortable leaves CSSOM styles behind; htmx's settle would copy them as a style
           attribute, which the CSP refuses */
        item.removeAttribute("style");
        if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
        var more = evt.to.querySelector(":scope > .board-more");
        if (more && item.compareDocumentPosition(more) & Node.DOCUMENT_POSITION_PRECEDING) {
          evt.to.insertBefore(item, more); /* never below the "more" row */
        }
        sendMove(item, evt.to, function () {
          if (origin) {
            // the remembered sibling may be Sortable's drag preview, gone by now
            var next = origin.next && origin.next.parentNode === origin.parent ? origin.next : null;
            origin.parent.insertBefore(item, next);
          }
        });
      }
    });
  }

  /* ------------------------------------------------- "Move to…" dialog */
  var dialogCard = null;

  function openMoveDialog(card) {
    var dialog = document.getElementById("board-move-dialog");
    if (!dialog || typeof dialog.showModal !== "function") return;
    dialogCard = card;
    var form = dialog.querySelector("[data-move-form]");
    form.elements.item_id.value = card.getAttribute("data-id");
    form.elements.version.value = card.getAttribute("data-version");
    dialog.querySelector("[data-move-key]").textContent = card.getAttribute("data-key");
    var current = card.getAttribute("data-status");
    var radios = form.querySelectorAll("input[name=to_status]");
    radios.forEach(function (radio) {
      radio.checked = radio.value === current;
    });
    dialog.showModal();
    var checked = form.querySelector("input[name=to_status]:checked") || radios[0];
    if (checked) checked.focus();
  }

  function submitMoveDialog(event) {
    event.preventDefault();
    var dialog = document.getElementById("board-move-dialog");
    var form = event.target;
    var chosen = form.querySelector("input[name=to_status]:checked");
    var card = dialogCard;
    dialog.close();
    if (!card || !chosen) return;
    if (chosen.value === card.getAttribute("data-status")) {
      card.focus();
      return;
    }
    var fromList = card.closest("[data-list]");
    var lane = fromList ? fromList.getAttribute("data-lane") : null;
    var selector = "[data-list][data-status='" + chosen.value + "']";
    if (lane !== null) selector += "[data-lane='" + lane + "']";
    var target = board.querySelector(selector);
    var origin = { parent: card.parentNode, next: card.nextElementSibling };
    card.setAttribute("data-lane-was", lane || "");
    card.focus();
    if (target) {
      var more = target.querySelector(":scope > .board-more");
      target.insertBefore(card, more);
      card.focus();
      sendMove(card, target, function () {
        origin.parent.insertBefore(card, origin.next && origin.next.parentNode === origin.parent ? origin.next : null);
        card.focus();
      });
    }
  }

  /* ---------------------------------------------------------- keyboard */
  function focusCard(card) {
    if (!card) return;
    card.focus();
    card.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  function focusedCard() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("[data-card]") : null;
  }

  function step(forward) {
    var all = cards();
    if (!all.length) return;
    var current = focusedCard();
    var index = current ? all.indexOf(current) : -1;
    var next = forward ? index + 1 : index - 1;
    if (index === -1) next = 0;
    focusCard(all[Math.max(0, Math.min(all.length - 1, next))]);
  }

  function sideways(card, forward) {
    var list = card.closest("[data-list]");
    var lists = Array.prototype.slice.call(board.querySelectorAll("[data-list]"));
    var row = lists.filter(function (l) {
      return l.getAttribute("data-lane") === list.getAttribute("data-lane");
    });
    var at = row.indexOf(list);
    var index = Array.prototype.slice.call(list.querySelectorAll("[data-card]")).indexOf(card);
    for (var i = at + (forward ? 1 : -1); i >= 0 && i < row.length; i += forward ? 1 : -1) {
      var there = row[i].querySelectorAll("[data-card]");
      if (there.length) {
        focusCard(there[Math.min(index, there.length - 1)]);
        return;
      }
    }
  }

  function onCardKey(event) {
    var card = event.target.closest && event.target.closest("[data-card]");
    if (!card || event.target !== card || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Enter") {
      var link = card.querySelector("[data-card-open]");
      if (link) {
        event.preventDefault();
        link.click();
      }
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      focusCard(cardSibling(card, event.key === "ArrowDown") || card);
    } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      sideways(card, event.key === "ArrowRight");
    }
  }

  function createShortcut() {
    var card = focusedCard();
    var input = null;
    if (card) {
      var list = card.closest("[data-list]");
      var status = list && list.getAttribute("data-status");
      input = board.querySelector("[data-quick='" + status + "'] [data-quick-input]");
    }
    input = input || board.querySelector("[data-quick-input]");
    if (input) {
      input.focus();
      input.scrollIntoView({ block: "nearest" });
    }
  }

  function registerShortcuts() {
    var shortcuts = window.Keel && window.Keel.shortcuts;
    if (!shortcuts || board.hasAttribute("data-shortcuts")) return;
    board.setAttribute("data-shortcuts", "");
    shortcuts.register("j", "Board: focus the next card", function () {
      step(true);
    });
    shortcuts.register("k", "Board: focus the previous card", function () {
      step(false);
    });
    if (board.getAttribute("data-can-move") === "true") {
      shortcuts.register("c", "Board: create a work item (in the focused card's column)",
        createShortcut);
      shortcuts.register("m", "Board: move the focused card to another column", function () {
        var card = focusedCard();
        if (card) openMoveDialog(card);
      });
    }
  }

  /* -------------------------------------------------------------- init */
  function init() {
    board = document.querySelector("[data-board]");
    if (!board) return;
    if (board.getAttribute("data-can-move") === "true") {
      board.querySelectorAll("[data-list]").forEach(setupSortable);
    }
    board.querySelectorAll("[data-autosubmit-button]").forEach(function (button) {
      button.hidden = true;
    });
    registerShortcuts();
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element) || !board) return;
    var opener = target.closest("[data-move-open]");
    if (opener) {
      event.preventDefault();
      openMoveDialog(opener.closest("[data-card]"));
      return;
    }
    if (target.closest("[data-move-cancel]")) {
      var dialog = document.getElementById("board-move-dialog");
      if (dialog) dialog.close();
      if (dialogCard) dialogCard.focus();
    }
  });

  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches("[data-move-form]")) {
      submitMoveDialog(event);
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (board) onCardKey(event);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.matches && form.matches("[data-quick]") && event.detail.successful) {
      var input = form.querySelector("[data-quick-input]");
      if (input) input.value = "";
      notice("");
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
