/* Back-office helpers: note templates per category, loaded from a data attribute. */
(function () {
  "use strict";
  document.querySelectorAll("[data-note-templates]").forEach(function (holder) {
    var templates = JSON.parse(holder.getAttribute("data-note-templates"));
    var category = document.querySelector(holder.getAttribute("data-note-category"));
    var text = document.querySelector(holder.getAttribute("data-note-text"));
    if (!category || !text) { return; }
    var isTemplate = function (value) {
      var v = value.trim();
      return v === "" || Object.keys(templates).some(function (k) { return templates[k].trim() === v; });
    };
    category.addEventListener("change", function () {
      if (isTemplate(text.value)) { text.value = templates[category.value] || ""; }
    });
  });
})();
