// The account menu is a <details> element (it works without JavaScript); this closes it
// on Escape and on a click elsewhere, as people expect of a menu.
(function () {
  "use strict";
  var menu = document.querySelector("details.user-menu");
  if (!menu) return;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (menu.open && !menu.contains(event.target)) menu.open = false;
  });
})();
