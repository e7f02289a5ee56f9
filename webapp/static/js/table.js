/* The project table: filters apply as they change, row selection for bulk edit, and
   keyboard shortcuts (j/k move, x select, o or Enter open, c create). htmx swaps the
   whole #table-view, so everything here is delegated from the document. */
(function () {
  "use strict";

  function view() {
    return document.getElementById("table-view");
  }

  function rows() {
    var root = view();
    return root ? Array.prototype.slice.call(root.querySelectorAll("tr[data-row]")) : [];
  }

  function updateCount() {
    var root = view();
    if (!root) return;
    var checks = root.querySelectorAll("[data-row-check]");
    var chosen = root.querySelectorAll("[data-row-check]:checked").length;
    var count = root.querySelector("[data-bulk-count]");
    if (count) count.textContent = chosen ? chosen + " selected" : "No items selected";
    var all = root.querySelector("[data-select-all]");
    if (all) {
      all.checked = chosen > 0 && chosen === checks.length;
      all.indeterminate = chosen > 0 && chosen < checks.length;
    }
    root.querySelectorAll("[data-row-check]").forEach(function (box) {
      var row = box.closest("tr");
      if (row) row.classList.toggle("is-selected", box.checked);
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.closest || !view() || !view().contains(target)) return;
    if (target.matches("[data-select-all]")) {
      view().querySelectorAll("[data-row-check]").forEach(function (box) {
        box.checked = target.checked;
      });
      updateCount();
      return;
    }
    if (target.matches("[data-row-check]")) {
      updateCount();
      return;
    }
    var form = target.closest("[data-filter-form]");
    if (form && target.name !== "q" && typeof form.requestSubmit === "function") {
      form.requestSubmit();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-bulk-form]")) return;
    if (!form.querySelector("select[name=op]").value) return;
    if (!view().querySelector("[data-row-check]:checked")) {
      event.preventDefault();
      if (window.Keel) window.Keel.toast("Select at least one item first.", "warning");
    }
  });

  /* ---------------------------------------------------------- keyboard */
  var current = -1;

  function focusRow(index) {
    var list = rows();
    if (!list.length) return;
    current = Math.max(0, Math.min(index, list.length - 1));
    list.forEach(function (row, i) {
      row.classList.toggle("is-current", i === current);
    });
    var link = list[current].querySelector(".tbl-key a");
    if (link) link.focus();
  }

  function currentRow() {
    var list = rows();
    var active = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("tr[data-row]") : null;
    if (active) return active;
    return current >= 0 ? list[current] : null;
  }

  document.body.addEventListener("htmx:afterSwap", function () {
    current = -1;
    updateCount();
  });

  if (window.Keel && window.Keel.shortcuts && view()) {
    var keys = window.Keel.shortcuts;
    keys.register("j", "Table: next row", function () {
      var row = currentRow();
      focusRow(row ? rows().indexOf(row) + 1 : 0);
    });
    keys.register("k", "Table: previous row", function () {
      var row = currentRow();
      focusRow(row ? rows().indexOf(row) - 1 : 0);
    });
    keys.register("x", "Table: select the row", function () {
      var row = currentRow();
      var box = row && row.querySelector("[data-row-check]");
      if (box) {
        box.checked = !box.checked;
        updateCount();
      }
    });
    keys.register("o", "Table: open the row's item", function () {
      var row = currentRow();
      if (row) window.location.assign(row.getAttribute("data-href"));
    });
    var create = view().getAttribute("data-create-url");
    if (create) {
      keys.register("c", "Create a work item", function () {
        window.location.assign(create);
      });
    }
  }
})();
