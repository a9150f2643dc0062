// Title suggestions for the search box: fills a <datalist> from /-/search/titles.
// Without JavaScript the box is a plain search form.
(function () {
  "use strict";
  var input = document.getElementById("site-search-q");
  if (!input || !window.fetch) return;
  var list = document.createElement("datalist");
  list.id = "site-search-titles";
  input.setAttribute("list", list.id);
  input.parentNode.appendChild(list);
  var endpoint = input.form.getAttribute("data-titles");
  var urls = {};
  var timer = null;
  var latest = 0;

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var prefix = input.value.trim();
    if (prefix.length < 2) return;
    timer = setTimeout(function () {
      var ticket = ++latest;
      fetch(endpoint + "?q=" + encodeURIComponent(prefix), { credentials: "same-origin" })
        .then(function (reply) { return reply.ok ? reply.json() : []; })
        .then(function (titles) {
          if (ticket !== latest) return; // an older answer arriving late
          list.textContent = "";
          urls = {};
          titles.forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.title;
            urls[item.title] = item.url;
            list.appendChild(option);
          });
        })
        .catch(function () {});
    }, 120);
  });

  // Choosing a suggested title opens that page directly.
  input.form.addEventListener("submit", function (event) {
    var url = urls[input.value];
    if (url) {
      event.preventDefault();
      window.location.href = url;
    }
  });
})();
