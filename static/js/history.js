/* Administrators revert a change from a cluster's timeline; the server records a new change.
 * A refusal is said in the page's language (the timeline carries the sentence), not in the
 * API's English.
 */
const token = document.querySelector('meta[name="csrf-token"]').content;
const timeline = document.getElementById("timeline");

function refused(button) {
  const note = document.createElement("span");
  note.className = "error";
  note.setAttribute("role", "alert");
  note.textContent = " " + timeline.dataset.revertFailed;
  button.after(note);
  button.disabled = false;
}

for (const button of document.querySelectorAll("button.revert")) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const response = await fetch(button.dataset.url, { method: "POST", headers: { "X-CSRFToken": token } });
      if (response.ok) window.location.reload();
      else refused(button);
    } catch (err) {
      console.error(err);
      refused(button);
    }
  });
}
