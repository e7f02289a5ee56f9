/* Planning: drag and drop on the backlog (SortableJS; a drop posts the same move form every
   row carries for use without JavaScript, through htmx, and the answer replaces the
   backlog region) and the upload progress bar of the item page's attachments. */
(function () {
  "use strict";

  function announce(text) {
    var live = document.getElementById("planning-live");
    if (live) live.textContent = text;
  }

  function rowSibling(row, forward) {
    var node = forward ? row.nextElementSibling : row.previousElementSibling;
    while (node && !node.hasAttribute("data-row")) {
      node = forward ? node.nextElementSibling : node.previousElementSibling;
    }
    return node;
  }

  function sendMove(root, row, list) {
    var above = rowSibling(row, false);
    var below = rowSibling(row, true);
    var csrf = root.querySelector("input[name=csrf_token]");
    var values = {
      item_id: row.getAttribute("data-id"),
      version: row.getAttribute("data-version"),
      target: list.getAttribute("data-target"),
      above_id: above ? above.getAttribute("data-id") : "",
      below_id: below ? below.getAttribute("data-id") : ""
    };
    if (csrf) values.csrf_token = csrf.value;
    /* Sortable leaves CSSOM styles on rows and lists; htmx's settle would copy them onto
       the new elements as style attributes, which the CSP refuses */
    root.querySelectorAll("[data-row], [data-list]").forEach(function (el) {
      el.removeAttribute("style");
    });
    row.classList.add("is-saving");
    htmx.ajax("POST", root.getAttribute("data-move-url"), {
      source: row,
      values: values,
      target: "#planning-backlog",
      swap: "outerHTML"
    }).then(function () {
      var key = row.querySelector(".pl-row__key");
      announce((key ? key.textContent : "Item") + " moved.");
    });
  }

  function setup(root) {
    if (!root || root._planning || typeof Sortable === "undefined") return;
    if (root.getAttribute("data-can-move") !== "true") return;
    root._planning = true;
    root.querySelectorAll("[data-list]").forEach(function (list) {
      Sortable.create(list, {
        group: "backlog",
        animation: 0,
        forceFallback: true,
        fallbackTolerance: 4,
        draggable: "[data-row]",
        filter: "input, select, button, a, label",
        preventOnFilter: false,
        ghostClass: "pl-row--ghost",
        chosenClass: "pl-row--chosen",
        onEnd: function (evt) {
          var item = evt.item;
          item.removeAttribute("style"); /* CSP: no style attributes survive a swap */
          if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
          var empty = evt.to.querySelector("[data-empty]");
          if (empty) empty.remove();
          sendMove(root, item, evt.to);
        }
      });
    });
  }

  /* Before the backlog region is replaced: drop every style attribute Sortable left (its
     CSSOM writes show up as attributes), or htmx's settle copies them onto the new
     elements, which the CSP refuses. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "planning-backlog") return;
    target.removeAttribute("style");
    target.querySelectorAll("[style]").forEach(function (el) { el.removeAttribute("style"); });
  });

  function init() { setup(document.querySelector("[data-backlog]")); }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.matches && elt.matches("[data-backlog]")) setup(elt);
    else init();
  });

  /* ------------------------------------------------ attachment upload progress + size */
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target && event.target.closest ? event.target.closest("[data-upload]") : null;
    if (!form) return;
    var bar = form.querySelector("[data-upload-progress]");
    if (!bar || !event.detail.lengthComputable) return;
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || input.type !== "file") return;
    var form = input.closest("[data-upload]");
    if (!form || !input.files || !input.files[0]) return;
    var max = parseInt(form.getAttribute("data-max-bytes"), 10);
    if (max && input.files[0].size > max) {
      input.setCustomValidity("This file is larger than 20 MB; attach a smaller file or a link to it.");
      input.reportValidity();
    } else {
      input.setCustomValidity("");
    }
  });
})();
