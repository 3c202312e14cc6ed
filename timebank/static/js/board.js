// The board's "load more": fetch the next page's cards and put them in place of the link.
// Without this script the link simply opens the next page.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-load-more]");
    if (!link) { return; }
    event.preventDefault();
    var holder = link.closest("[data-test=board-more]");
    link.classList.add("disabled");
    var url = link.href + (link.href.indexOf("?") < 0 ? "?" : "&") + "partial=1";
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) {
        var page = document.createRange().createContextualFragment(html);
        holder.replaceWith(page);
      })
      .catch(function () { window.location.href = link.href; });
  });
})();
