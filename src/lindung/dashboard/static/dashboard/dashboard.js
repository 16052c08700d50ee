// Printing shows every chart's figures table: open the <details> before the page is printed.
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details.chart-data").forEach(function (details) { details.open = true; });
});
