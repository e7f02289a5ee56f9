/* Work item page: checklist drag-and-drop (SortableJS), conflict panels for stale edits
   (409 swaps the item region instead of raising a toast), and auto-saving properties
   (their Save buttons hide once this script runs). */
(function () {
  "use strict";

  document.documentElement.classList.add("items-js");

  function initChecklist(root) {
    if (!window.Sortable) return;
    root.querySelectorAll("[data-sortable-checklist]").forEach(function (list) {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = "1";
      window.Sortable.create(list, {
        handle: ".item-check__handle",
        animation: 150,
        onEnd: function (evt) {
          if (evt.oldIndex === evt.newIndex) return;
          var form = list.closest("form");
          if (form && window.htmx) window.htmx.trigger(form, "checklist:reordered");
        }
      });
    });
  }

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var status = evt.detail.xhr ? evt.detail.xhr.status : 0;
    var target = evt.detail.target;
    if ((status === 409 || status === 422) && target && target.id === "item") {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (evt) {
    var target = evt.detail.target;
    if (target && target.id === "item") {
      var item = document.getElementById("item");
      if (item) initChecklist(item);
      var alert = document.querySelector("#item .item-alert");
      if (alert) alert.setAttribute("tabindex", "-1"), alert.focus();
    }
  });

  function ready() {
    initChecklist(document);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
