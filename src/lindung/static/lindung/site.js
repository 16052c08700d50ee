// Behaviour every page shares, bound from data attributes: the Content-Security-Policy allows no inline script.
// data-autosubmit: a select that submits its form when changed (the language menu; a button stands in without JS).
// data-print: a button that opens the browser's print dialog.
// data-menu: the header's menu (a <details>), closed by Escape or a click elsewhere.
// data-download="NAME.txt" data-download-from="ID": a button (hidden until this script shows it) that saves the text
// of the element ID's items as a text file, made in the browser: the recovery codes, which the server does not keep.
// Whatever scrolls sideways (a wide table on a phone) can be reached with the keyboard and scrolled with the arrows.
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
document.querySelectorAll("[data-download]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    var source = document.getElementById(button.getAttribute("data-download-from"));
    if (!source) {
      return;
    }
    var lines = Array.prototype.map.call(source.querySelectorAll("li"), function (item) {
      return item.textContent.trim();
    });
    var title = button.getAttribute("data-download-title");
    var text = (title ? title + "\n\n" : "") + lines.join("\n") + "\n";
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    link.download = button.getAttribute("data-download");
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  });
});
// The phone's main menu (a <details data-menu>) closes on Escape and on a click outside it, as a menu does.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") {
    return;
  }
  document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
    menu.open = false;
    menu.querySelector("summary").focus();
  });
});
document.addEventListener("click", function (event) {
  document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
    if (!(event.target instanceof Node) || !menu.contains(event.target)) {
      menu.open = false;
    }
  });
});

// A region that scrolls sideways is focusable while it scrolls (axe-core: scrollable-region-focusable): otherwise
// a keyboard user cannot see its hidden columns. Checked again when the window changes size.
function focusScrollables() {
  document.querySelectorAll("main *").forEach(function (element) {
    var scrolls = element.scrollWidth > element.clientWidth + 1 &&
      /^(auto|scroll)$/.test(getComputedStyle(element).overflowX);
    if (scrolls && !element.hasAttribute("tabindex")) {
      element.setAttribute("tabindex", "0");
      element.setAttribute("data-scroll-focus", "");
    } else if (!scrolls && element.hasAttribute("data-scroll-focus")) {
      element.removeAttribute("tabindex");
      element.removeAttribute("data-scroll-focus");
    }
  });
}
var scrollablesPending = false;
window.addEventListener("resize", function () {
  if (!scrollablesPending) {
    scrollablesPending = true;
    requestAnimationFrame(function () { scrollablesPending = false; focusScrollables(); });
  }
});
focusScrollables();
