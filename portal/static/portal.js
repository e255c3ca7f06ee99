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

/* A second click while a form is being sent does nothing (the rules also refuse a
   duplicate board post, for clients without this script). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("data-sending") === "1") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sending", "1");
    window.setTimeout(function () { form.removeAttribute("data-sending"); }, 10000);
  });
}());
