// Behaviour that used to sit in inline handlers, which the Content-Security-Policy forbids
// (script-src 'self': no inline scripts, no on…= attributes, no eval). Markup asks by data attribute.
document.addEventListener("change", function (event) {
  var select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) select.form.submit();
});
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
  var field = event.target.closest("[data-select-on-click]");
  if (field) field.select();
});
document.addEventListener("submit", function (event) {
  var form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
document.addEventListener("DOMContentLoaded", function () {
  // Without htmx (not installed, or blocked) the pages fall back to plain posts; the CSS hides those buttons with it.
  if (window.htmx) document.body.classList.add("with-htmx");
});
