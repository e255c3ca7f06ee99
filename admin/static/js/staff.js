/* Back-office behaviour, bound from this file: the Content-Security-Policy allows no
   inline handlers and no javascript: links. */
(function () {
  "use strict";

  // Links that only open a menu or run a script ("#") must not navigate.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link) { return; }
    var href = link.getAttribute("href");
    if (href === "#" || href.indexOf("javascript:") === 0) { event.preventDefault(); }
    // Bulk actions of a list ("With selected" → Archive, Suspend…): Flask-Admin's
    // actions.js asks for confirmation and posts its hidden form.
    var action = link.getAttribute("data-model-action");
    if (action && window.modelActions) { window.modelActions.execute(action); }
  }, true);

  // The filter form's "Apply" button appears once a filter is added or changed
  // (Flask-Admin's own jQuery show() cannot override Bootstrap's hidden class).
  var showApply = function () {
    document.querySelectorAll("#filter_form .filter-apply").forEach(function (button) {
      button.classList.add("shown");
    });
  };
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("a.filter")) { showApply(); }
  });
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("#filter_form")) { showApply(); }
  });

  // Note templates per category, loaded from a data attribute.
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
