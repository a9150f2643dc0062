// Headings' ids carry a prefix (user-content-), so that a heading named like one of the page's
// own elements can never stand in for it; an address ending in the plain #heading, as people
// type or share it, still reaches the heading.
(function () {
  "use strict";
  var PREFIX = "user-content-";
  function follow() {
    var name;
    try {
      name = decodeURIComponent(location.hash.slice(1));
    } catch (error) {
      return; // not an address this page made
    }
    if (!name || document.getElementById(name)) return;
    var heading = document.getElementById(PREFIX + name);
    if (heading) heading.scrollIntoView();
  }
  window.addEventListener("hashchange", follow);
  follow();
})();
