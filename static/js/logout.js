// Logging out forgets every compose draft kept in this browser, so the next person to sign in
// here never sees the last one's unsent prompt and lyrics. (The logout answer also carries
// Clear-Site-Data, which browsers honour only over HTTPS and on localhost.)
(function () {
  "use strict";

  // Kept by compose.js before drafts had one key per user.
  const LEGACY_KEYS = ["studio.compose.draft.v1"];

  function forgetDrafts(prefix) {
    try {
      const storage = window.localStorage;
      const doomed = [];
      for (let i = 0; i < storage.length; i += 1) {
        const key = storage.key(i);
        if (key && (key.indexOf(prefix) === 0 || LEGACY_KEYS.indexOf(key) !== -1)) {
          doomed.push(key);
        }
      }
      doomed.forEach(function (key) {
        storage.removeItem(key);
      });
    } catch (error) {
      // Storage disabled: nothing was kept.
    }
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    const prefix = document.body.getAttribute("data-draft-prefix");
    if (form && form.hasAttribute("data-logout") && prefix) forgetDrafts(prefix);
  });
})();
