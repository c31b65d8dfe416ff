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
