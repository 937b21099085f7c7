// Compose page behaviour: counters, section tags, dependent fields, rsflowhub cost, and the
// draft kept in localStorage. Everything works without it; this only makes it nicer.
(function () {
  "use strict";

  var DRAFT_KEY = "studio.compose.draft.v1";
  // Element id -> how its value is saved; the cover prompt belongs to its own form.
  var DRAFT_FIELDS = {
    id_prompt: "value",
    id_lyrics: "value",
    id_instrumental: "checked",
    id_ghostwriter: "value",
    id_account: "value",
    cover_prompt: "value",
  };
  var number = new Intl.NumberFormat("en-US");

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }

  function $all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  // "n / 10,000" under the prompt and the lyrics.
  function updateCounters() {
    $all("[data-counter-for]").forEach(function (counter) {
      var field = document.getElementById(counter.getAttribute("data-counter-for"));
      if (!field) return;
      var max = parseInt(counter.getAttribute("data-max"), 10);
      var length = field.value.length;
      counter.textContent = number.format(length) + " / " + number.format(max);
      counter.classList.toggle("over", length > max);
    });
  }

  // Instrumental disables the lyrics (and says why); the writer only matters without lyrics.
  function updateDependents() {
    var instrumental = $("#id_instrumental");
    var lyrics = $("#id_lyrics");
    if (!instrumental || !lyrics) return;
    var off = instrumental.checked;
    lyrics.disabled = off;
    $all("[data-insert-tag]").forEach(function (button) {
      button.disabled = off;
    });
    var note = $("#instrumental-note");
    if (note) note.hidden = !off;
    var writer = $("#field-ghostwriter");
    if (writer) writer.hidden = off || lyrics.value.trim() !== "";
  }

  function updateAccountWarning() {
    var select = $("#id_account");
    var warning = $("#account-warning");
    if (!select || !warning) return;
    var option = select.options[select.selectedIndex];
    var error = option ? option.getAttribute("data-error") : null;
    warning.hidden = !error;
    var text = $("[data-account-error]", warning);
    if (text && error) text.textContent = error;
  }

  var costs = null;
  function loadCosts() {
    if (costs !== null) return costs;
    var data = document.getElementById("rsflowhub-costs");
    costs = data ? JSON.parse(data.textContent) : {};
    return costs;
  }

  // rsflowhub options show only when it is the chosen image model; its cost follows the choice.
  function updateCoverOptions() {
    var form = $("#cover-generate-form");
    if (!form) return;
    var options = $("[data-provider-options]", form);
    var chosen = $("input[name=provider]:checked", form);
    if (options) options.hidden = !chosen || chosen.value !== options.getAttribute("data-provider-options");
    var size = $("select[name=size]", form);
    var count = $("select[name=n]", form);
    var cost = $("[data-cost]", form);
    if (size && count && cost) {
      var table = loadCosts()[size.value] || {};
      if (table[count.value] !== undefined) cost.textContent = number.format(table[count.value]);
    }
  }

  function insertTag(tag) {
    var lyrics = $("#id_lyrics");
    if (!lyrics || lyrics.disabled) return;
    var start = lyrics.selectionStart;
    var end = lyrics.selectionEnd;
    var before = lyrics.value.slice(0, start);
    var after = lyrics.value.slice(end);
    var text = (before === "" || before.slice(-1) === "\n" ? "" : "\n") + tag +
      (after.charAt(0) === "\n" ? "" : "\n");
    lyrics.focus();
    lyrics.setRangeText(text, start, end, "end");
    lyrics.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function readDraft() {
    try {
      return JSON.parse(window.localStorage.getItem(DRAFT_KEY) || "null");
    } catch (error) {
      return null;
    }
  }

  var saveTimer = null;
  function saveDraft() {
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(function () {
      var draft = {};
      Object.keys(DRAFT_FIELDS).forEach(function (id) {
        var field = document.getElementById(id);
        if (field) draft[id] = field[DRAFT_FIELDS[id]];
      });
      try {
        window.localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
      } catch (error) {
        // Storage full or disabled: the draft simply is not kept.
      }
    }, 250);
  }

  function clearDraft() {
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
    var draft = readDraft();
    if (!draft) return;
    var restored = false;
    Object.keys(DRAFT_FIELDS).forEach(function (id) {
      var field = document.getElementById(id);
      if (!field || !(id in draft)) return;
      var property = DRAFT_FIELDS[id];
      if (property === "checked") {
        if (field.checked !== Boolean(draft[id])) restored = true;
        field.checked = Boolean(draft[id]);
      } else if (field.tagName === "SELECT") {
        var known = $all("option", field).some(function (option) {
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
    var note = $("#draft-note");
    if (restored && note) note.hidden = false;
  }

  function refresh() {
    updateCounters();
    updateDependents();
    updateAccountWarning();
    updateCoverOptions();
  }

  function onInput(event) {
    var target = event.target;
    if (!target || !target.id) return;
    if (target.id === "id_account") updateAccountWarning();
    if (target.name === "provider" || target.name === "size" || target.name === "n") {
      updateCoverOptions();
    }
    if (target.id === "id_prompt" || target.id === "id_lyrics") updateCounters();
    if (target.id === "id_lyrics" || target.id === "id_instrumental") updateDependents();
    if (target.id in DRAFT_FIELDS) saveDraft();
  }

  function init() {
    if ($("[data-clear-draft]")) clearDraft();
    var form = $("#song-form");
    if (!form) return;
    restoreDraft(form);
    refresh();
    document.addEventListener("input", onInput);
    document.addEventListener("change", onInput);
    document.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-insert-tag]") : null;
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
    // Swapped-in fragments (a re-rendered cover form, new results) get the same treatment.
    document.body.addEventListener("htmx:afterSettle", refresh);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
