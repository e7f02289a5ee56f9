// Project settings and custom fields: paint colour swatches from data-swatch (#rrggbb).
(function () {
  "use strict";
  var HEX = /^#[0-9a-fA-F]{6}$/;
  function paint(root) {
    var nodes = (root || document).querySelectorAll("[data-swatch]");
    for (var i = 0; i < nodes.length; i++) {
      var value = nodes[i].getAttribute("data-swatch");
      if (HEX.test(value)) { nodes[i].style.backgroundColor = value; }
    }
  }
  document.addEventListener("DOMContentLoaded", function () { paint(document); });
  document.addEventListener("htmx:afterSwap", function (event) { paint(event.target); });
})();
