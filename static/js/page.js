// Post/redirect/get for pages answered straight from a POST (a form shown again with its errors):
// show the address of the page the form belongs to, so a reload opens it instead of re-submitting.
(function () {
  "use strict";
  var url = document.body && document.body.getAttribute("data-page-url");
  if (url && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", url + window.location.hash);
  }
})();
