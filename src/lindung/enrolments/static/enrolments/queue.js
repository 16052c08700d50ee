// The verification queue: the header's box ticks or clears every row of the page.
document.addEventListener("DOMContentLoaded", () => {
  for (const all of document.querySelectorAll("[data-check-all]")) {
    all.addEventListener("change", () => {
      for (const box of all.closest("table").querySelectorAll("tbody input[type=checkbox][name=ids]")) {
        box.checked = all.checked;
      }
    });
  }
});
