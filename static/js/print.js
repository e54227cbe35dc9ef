/* The printable page of a cluster: its Print button (no inline handlers, for the CSP). */
const button = document.getElementById("print-button");
if (button) button.addEventListener("click", () => window.print());
