/* Header search: `/` focuses the box, typing shows live results (htmx), arrow keys move
   through them, Escape closes them, Enter opens the results page (a plain GET form). */
(function () {
  "use strict";

  var box = document.querySelector("[data-search-box]");
  if (!box) return;
  var input = box.querySelector("input[type=search]");
  var panel = document.getElementById("search-live");

  function results() {
    return Array.prototype.slice.call(panel.querySelectorAll("[data-search-result], [data-search-all]"));
  }

  function setOpen(open) {
    box.classList.toggle("search-box--open", open);
    if (!open) panel.textContent = "";
  }

  if (window.Keel && window.Keel.shortcuts) {
    window.Keel.shortcuts.register("/", "Search work items", function () {
      input.focus();
      input.select();
    });
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === panel) setOpen(panel.children.length > 0 && input.value.trim() !== "");
  });

  input.addEventListener("input", function () {
    if (input.value.trim() === "") setOpen(false);
  });

  box.addEventListener("keydown", function (event) {
    var list = results();
    var index = list.indexOf(document.activeElement);
    if (event.key === "Escape") {
      setOpen(false);
      input.focus();
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!list.length) return;
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = index + step;
      if (next < 0) {
        input.focus();
        return;
      }
      list[Math.min(next, list.length - 1)].focus();
    }
  });

  document.addEventListener("click", function (event) {
    if (!box.contains(event.target)) setOpen(false);
  });
})();
