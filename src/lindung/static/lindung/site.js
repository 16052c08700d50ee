// Behaviour every page shares, bound from data attributes: the Content-Security-Policy allows no inline script.
// data-autosubmit: a select that submits its form when changed (the language menu; a button stands in without JS).
// data-print: a button that opens the browser's print dialog.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.submit();
  }
});
document.addEventListener("click", function (event) {
  var button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (button) {
    window.print();
  }
});
