// Post/redirect/get for pages answered straight from a POST (a form shown again with its errors):
// show the address of the page the form belongs to, so a reload opens it instead of re-submitting.
(function () {
  "use strict";
  var url = document.body && document.body.getAttribute("data-page-url");
  if (url && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", url + window.location.hash);
  }
})();

// Phones: the menu button opens and closes the navigation links.
(function () {
  "use strict";
  var toggle = document.getElementById("nav-toggle");
  var links = document.getElementById("nav-links");
  if (!toggle || !links) {
    return;
  }
  toggle.addEventListener("click", function () {
    var open = links.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();

// Times written by scripts follow the pages' rule (authentication/viewer.py): the profile's time zone
// and the locale's clock, read from <body data-time-zone data-locale>, labelled with the zone.
(function () {
  "use strict";
  var TWELVE_HOUR = ["en-US", "en-CA", "en-AU", "en-PH", "en-IN"];
  window.cpTime = function (iso, style) {
    var date = new Date(iso);
    if (!iso || Number.isNaN(date.getTime())) return "";
    var body = document.body;
    var locale = (body && body.getAttribute("data-locale")) || "en";
    var zone = (body && body.getAttribute("data-time-zone")) || "UTC";
    var clock = TWELVE_HOUR.indexOf(locale) >= 0 ? "h12" : "h23";
    var options = { timeZone: zone, hourCycle: clock, hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
    if (style === "time") {
      delete options.timeZoneName;
    } else if (style !== "time_label") {
      options.day = "numeric";
      options.month = "short";
      if (style !== "short") {
        options.year = "numeric";
        options.weekday = "short";
      }
    }
    try {
      return new Intl.DateTimeFormat(locale, options).format(date);
    } catch (error) {
      options.timeZone = "UTC";
      return new Intl.DateTimeFormat("en", options).format(date);
    }
  };
})();
