/*
 * Copy buttons: <button data-copy="ID"> copies the value (or text) of the element #ID to the
 * clipboard and says so in its own label for a moment. Used for invitation and share links.
 */
(function () {
  "use strict";
  const COPIED_FOR_MS = 2000;

  function fallbackCopy(source) {
    // Without the async clipboard (plain http on a LAN address): select the field's text.
    source.focus();
    if (source.select) source.select();
    return document.execCommand && document.execCommand("copy");
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    const text = "value" in source ? source.value : source.textContent;
    let copied = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        copied = true;
      } else {
        copied = fallbackCopy(source);
      }
    } catch (error) {
      copied = fallbackCopy(source);
    }
    const label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = copied ? "Copied" : "Press Ctrl+C to copy";
    window.setTimeout(() => {
      button.textContent = label;
    }, COPIED_FOR_MS);
  });
})();
