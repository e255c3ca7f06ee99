/* Progressive help on the lead page; every form works without it. */
(function () {
  "use strict";
  var select = document.getElementById("activity-category");
  var detail = document.getElementById("activity-detail");
  if (!select || !detail) { return; }
  var templates = JSON.parse(select.getAttribute("data-templates") || "{}");
  var isTemplate = function (text) {
    var key;
    if (!text.trim()) { return true; }
    for (key in templates) { if (templates[key] === text) { return true; } }
    return false;
  };
  select.addEventListener("change", function () {
    if (isTemplate(detail.value) && templates[select.value]) {
      detail.value = templates[select.value];
    }
  });
  var links = document.querySelector(".templates");
  if (links) { links.hidden = true; }
}());
