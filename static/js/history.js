/* Administrators revert a change from a cluster's timeline; the server records a new change. */
(function () {
  "use strict";
  const token = document.querySelector('meta[name="csrf-token"]').content;
  for (const button of document.querySelectorAll("button.revert")) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      const response = await fetch(button.dataset.url, { method: "POST", headers: { "X-CSRFToken": token } });
      if (response.ok) {
        window.location.reload();
      } else {
        const problem = await response.json().catch(() => ({}));
        button.after(document.createTextNode(" " + (problem.detail || response.status)));
        button.disabled = false;
      }
    });
  }
})();
