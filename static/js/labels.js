/* 棚 tana — label sheets: the Print button. Loaded only by label pages; without it, the
   browser's own Print (Ctrl+P) prints the same sheets. */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.addEventListener("click", function () { window.print(); });
    button.hidden = false;
  });
})();
