// The message composer: show only the fields the chosen recipients need
// (an evening, or the months). Without JavaScript every field shows.
(function () {
  "use strict";
  var select = document.getElementById("id_segment");
  if (!select) return;
  var rows = document.querySelectorAll("[data-for-segments]");
  function update() {
    rows.forEach(function (row) {
      var wanted = row.getAttribute("data-for-segments").split(" ");
      row.hidden = wanted.indexOf(select.value) === -1;
    });
  }
  select.addEventListener("change", update);
  update();
})();
