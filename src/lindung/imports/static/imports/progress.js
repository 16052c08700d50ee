// While an upload is queued or running, reload its page every two seconds to show the rows checked so far.
// Without JavaScript the page's Refresh link does the same.
if (document.querySelector("[data-import-pending]")) {
  setTimeout(() => window.location.reload(), 2000);
}
