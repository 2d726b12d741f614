// Tocsin web interface: live updates of the warnings board from /events.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !window.EventSource) {
    return;
  }
  var source = new EventSource("/events");
  var pending = false;
  source.addEventListener("warning", function () {
    if (pending) {
      return;
    }
    pending = true;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("board");
        if (fresh) {
          board.replaceChildren.apply(board, Array.from(fresh.childNodes));
        }
      })
      .finally(function () { pending = false; });
  });
})();
