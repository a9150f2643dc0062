// Moments read as how long ago they were ("3 days ago", "yesterday") for the last week;
// the exact time, as the server wrote it in the reader's time zone, shows on hover and for
// anything older. Dates alone (no time of day) stay as written. Rewritten every minute, so
// a page left open stays right; without scripts the exact times simply stay.
(function () {
  "use strict";
  var WEEK = 7 * 24 * 3600;
  var UNITS = [
    ["day", 24 * 3600],
    ["hour", 3600],
    ["minute", 60],
  ];
  var words =
    typeof Intl !== "undefined" && Intl.RelativeTimeFormat
      ? new Intl.RelativeTimeFormat(document.documentElement.lang || "en", { numeric: "auto" })
      : null;

  function relative(seconds) {
    if (Math.abs(seconds) < 60) return seconds >= 0 ? "just now" : "in a minute";
    for (var i = 0; i < UNITS.length; i++) {
      var unit = UNITS[i][0];
      var size = UNITS[i][1];
      if (Math.abs(seconds) >= size) {
        var count = Math.floor(Math.abs(seconds) / size);
        return words.format(seconds >= 0 ? -count : count, unit);
      }
    }
    return null;
  }

  function update() {
    if (!words) return;
    var now = Date.now();
    var moments = document.querySelectorAll("time[datetime]");
    for (var i = 0; i < moments.length; i++) {
      var moment = moments[i];
      var stamp = moment.getAttribute("datetime");
      if (stamp.indexOf("T") < 0) continue; // a date, not a moment
      var when = Date.parse(stamp);
      if (isNaN(when)) continue;
      if (!moment.hasAttribute("data-exact")) {
        moment.setAttribute("data-exact", moment.textContent);
      }
      var exact = moment.getAttribute("data-exact");
      var seconds = (now - when) / 1000;
      var shown = Math.abs(seconds) <= WEEK ? relative(seconds) : null;
      moment.textContent = shown || exact;
      moment.title = exact;
    }
  }

  update();
  window.setInterval(update, 60 * 1000);
})();
