// The admin export page's "Select all" box (templates/admin/import_export/export.html), bound here
// because the Content Security Policy blocks inline handlers. onSelectToggleChange comes from
// django-import-export's export_selectable_fields.js.
document.addEventListener("DOMContentLoaded", () => {
  for (const toggle of document.querySelectorAll("input.select-toggle")) {
    toggle.addEventListener("change", (event) => window.onSelectToggleChange(event));
  }
});
