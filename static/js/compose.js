// Compose page behaviour: counters, section tags, dependent fields, rsflowhub cost, and the
// draft kept in localStorage. Everything works without it; this only makes it nicer.
(function () {
  "use strict";

  // The draft is the signed-in user's own (base.html renders the key with their id), so on a
  // shared browser nobody else's draft can show up; logout.js removes them all at logout.
  const DRAFT_KEY = document.body.getAttribute("data-draft-key");
  const DRAFT_PREFIX = document.body.getAttribute("data-draft-prefix");
  // Element id -> how its value is saved; the cover prompt belongs to its own form.
  const DRAFT_FIELDS = {
    id_prompt: "value",
    id_lyrics: "value",
    id_instrumental: "checked",
    id_ghostwriter: "value",
    id_account: "value",
    cover_prompt: "value",
  };
  const number = new Intl.NumberFormat("en-US");

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }

  function $all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  // "n / 10,000" under the prompt and the lyrics.
  function updateCounters() {
    $all("[data-counter-for]").forEach(function (counter) {
      const field = document.getElementById(counter.getAttribute("data-counter-for"));
      if (!field) return;
      const max = parseInt(counter.getAttribute("data-max"), 10);
      const length = field.value.length;
      counter.textContent = number.format(length) + " / " + number.format(max);
      counter.classList.toggle("over", length > max);
    });
  }

  // Instrumental disables the lyrics (and says why); the writer only matters without lyrics.
  function updateDependents() {
    const instrumental = $("#id_instrumental");
    const lyrics = $("#id_lyrics");
    if (!instrumental || !lyrics) return;
    const off = instrumental.checked;
    lyrics.disabled = off;
    $all("[data-insert-tag]").forEach(function (button) {
      button.disabled = off;
    });
    const note = $("#instrumental-note");
    if (note) note.hidden = !off;
    const writer = $("#field-ghostwriter");
    if (writer) writer.hidden = off || lyrics.value.trim() !== "";
  }

  function updateAccountWarning() {
    const select = $("#id_account");
    const warning = $("#account-warning");
    if (!select || !warning) return;
    const option = select.options[select.selectedIndex];
    const error = option ? option.getAttribute("data-error") : null;
    warning.hidden = !error;
    const text = $("[data-account-error]", warning);
    if (text && error) text.textContent = error;
  }

  let costs = null;
  function loadCosts() {
    if (costs !== null) return costs;
    const data = document.getElementById("rsflowhub-costs");
    if (!data) return {};
    costs = JSON.parse(data.textContent);
    return costs;
  }

  // rsflowhub options show only when it is the chosen image model; its cost follows the choice.
  function updateCoverOptions() {
    const form = $("#cover-generate-form");
    if (!form) return;
    const options = $("[data-provider-options]", form);
    const chosen = $("input[name=provider]:checked", form);
    if (options) options.hidden = !chosen || chosen.value !== options.getAttribute("data-provider-options");
    const size = $("select[name=size]", form);
    const count = $("select[name=n]", form);
    const cost = $("[data-cost]", form);
    if (size && count && cost) {
      const table = loadCosts()[size.value] || {};
      if (table[count.value] !== undefined) cost.textContent = number.format(table[count.value]);
    }
  }

  function insertTag(tag) {
    const lyrics = $("#id_lyrics");
    if (!lyrics || lyrics.disabled) return;
    const start = lyrics.selectionStart;
    const end = lyrics.selectionEnd;
    const before = lyrics.value.slice(0, start);
    const after = lyrics.value.slice(end);
    const text = (before === "" || before.slice(-1) === "\n" ? "" : "\n") + tag +
      (after.charAt(0) === "\n" ? "" : "\n");
    lyrics.focus();
    lyrics.setRangeText(text, start, end, "end");
    lyrics.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function readDraft() {
    if (!DRAFT_KEY) return null;
    try {
      return JSON.parse(window.localStorage.getItem(DRAFT_KEY) || "null");
    } catch (error) {
      return null;
    }
  }

  // Drafts of other users who did not log out here (their session ran out) go too.
  function forgetOtherDrafts() {
    if (!DRAFT_KEY || !DRAFT_PREFIX) return;
    try {
      const others = [];
      for (let i = 0; i < window.localStorage.length; i += 1) {
        const key = window.localStorage.key(i);
        if (key && key.indexOf(DRAFT_PREFIX) === 0 && key !== DRAFT_KEY) others.push(key);
      }
      others.forEach(function (key) {
        window.localStorage.removeItem(key);
      });
    } catch (error) {
      // Storage disabled: nothing was kept.
    }
  }

  let saveTimer = null;
  let loggingOut = false;
  function writeDraft() {
    window.clearTimeout(saveTimer);
    saveTimer = null;
    if (!DRAFT_KEY || loggingOut || !$("#song-form")) return;
    const draft = {};
    Object.keys(DRAFT_FIELDS).forEach(function (id) {
      const field = document.getElementById(id);
      if (field) draft[id] = field[DRAFT_FIELDS[id]];
    });
    try {
      window.localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
    } catch (error) {
      // Storage full or disabled: the draft simply is not kept.
    }
  }

  function saveDraft() {
    window.clearTimeout(saveTimer);
    if (!DRAFT_KEY || loggingOut) return;
    saveTimer = window.setTimeout(writeDraft, 250);
  }

  function clearDraft() {
    if (!DRAFT_KEY) return;
    try {
      window.localStorage.removeItem(DRAFT_KEY);
    } catch (error) {
      // Nothing to clear.
    }
  }

  // Only a fresh, empty compose page takes the saved draft; re-rendered forms keep what the
  // server sent back (the user's own input, with its errors).
  function restoreDraft(form) {
    if (form.getAttribute("data-draft") !== "restore") return;
    const draft = readDraft();
    if (!draft) return;
    let restored = false;
    Object.keys(DRAFT_FIELDS).forEach(function (id) {
      const field = document.getElementById(id);
      if (!field || !(id in draft)) return;
      const property = DRAFT_FIELDS[id];
      if (property === "checked") {
        if (field.checked !== Boolean(draft[id])) restored = true;
        field.checked = Boolean(draft[id]);
      } else if (field.tagName === "SELECT") {
        const known = $all("option", field).some(function (option) {
          return option.value === draft[id];
        });
        if (known && field.value !== draft[id]) {
          field.value = draft[id];
          restored = true;
        }
      } else if (draft[id] && !field.value) {
        field.value = draft[id];
        restored = true;
      }
    });
    const note = $("#draft-note");
    if (restored && note) note.hidden = false;
  }

  function refresh() {
    updateCounters();
    updateDependents();
    updateAccountWarning();
    updateCoverOptions();
  }

  function onInput(event) {
    const target = event.target;
    if (!target || !target.id || !$("#song-form")) return;
    if (target.id === "id_account") updateAccountWarning();
    if (target.name === "provider" || target.name === "size" || target.name === "n") {
      updateCoverOptions();
    }
    if (target.id === "id_prompt" || target.id === "id_lyrics") updateCounters();
    if (target.id === "id_lyrics" || target.id === "id_instrumental") updateDependents();
    if (target.id in DRAFT_FIELDS) saveDraft();
  }

  // Once per page load: listeners on the document serve every compose form swapped in later.
  function start() {
    forgetOtherDrafts();
    // A save still waiting when the user logs out would write the draft back after logout.js
    // removed it.
    document.addEventListener("submit", function (event) {
      if (event.target && event.target.hasAttribute("data-logout")) {
        loggingOut = true;
        window.clearTimeout(saveTimer);
      }
    }, true);
    document.addEventListener("input", onInput);
    document.addEventListener("change", onInput);
    document.addEventListener("click", function (event) {
      if (!$("#song-form")) return;
      const button = event.target.closest ? event.target.closest("[data-insert-tag]") : null;
      if (button) {
        event.preventDefault();
        insertTag(button.getAttribute("data-insert-tag"));
        return;
      }
      if (event.target.closest && event.target.closest("[data-discard-draft]")) {
        clearDraft();
        window.location.assign(window.location.pathname);
      }
    });
    // Moving to another page takes the form away: keep what was typed last first.
    document.addEventListener("htmx:beforeSwap", function () {
      if (saveTimer !== null) writeDraft();
    });
    // Swapped-in fragments (a re-rendered cover form, new results) get the same treatment.
    document.body.addEventListener("htmx:afterSettle", function () {
      if ($("#song-form")) refresh();
    });
  }

  // For every page or fragment htmx puts in (the first page too): moving to the compose page
  // swaps its form in without a page load.
  function init(root) {
    if (!root || !root.querySelector) return;
    if (root.querySelector("[data-clear-draft]")) clearDraft();
    const form = root.id === "song-form" ? root : root.querySelector("#song-form");
    if (!form) return;
    restoreDraft(form);
    refresh();
  }

  start();
  document.addEventListener("htmx:load", function (event) {
    init(event.detail && event.detail.elt);
  });
})();
