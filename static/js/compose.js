// Compose page behaviour: counters and limits, section tags, dependent fields, rsflowhub cost,
// the lyrics assistant's fill and Undo, Ctrl+Enter, and the draft kept in localStorage.
// Everything works without it; this only makes it nicer.
(function () {
  "use strict";

  // The draft is the signed-in user's own (base.html renders the key with their id), so on a
  // shared browser nobody else's draft can show up; logout.js removes them all at logout.
  const DRAFT_KEY = document.body.getAttribute("data-draft-key");
  const DRAFT_PREFIX = document.body.getAttribute("data-draft-prefix");
  // Element id -> how its value is saved; the cover prompt belongs to its own form.
  const DRAFT_FIELDS = {
    id_prompt: "value",
    id_title: "value",
    id_lyrics: "value",
    id_lyrics_theme: "value",
    id_lyrics_structure: "value",
    id_model: "value",
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

  // The message under a field; only the ones this script wrote are taken away again.
  function showError(fieldId, message) {
    const box = $('[data-error-for="' + fieldId + '"]');
    const field = document.getElementById(fieldId);
    if (!box) return;
    if (message) {
      box.textContent = message;
      box.setAttribute("data-js", "");
      box.hidden = false;
    } else if (box.hasAttribute("data-js")) {
      box.removeAttribute("data-js");
      box.hidden = true;
    }
    if (field) field.setAttribute("aria-invalid", box.hidden ? "false" : "true");
  }

  // "n / 10,000" under the prompt and the lyrics (UTF-16 units, as the server counts), and the
  // server's own words as soon as a text is over its limit: nothing is ever cut off.
  function updateCounters() {
    let over = null;
    $all("[data-counter-for]").forEach(function (counter) {
      const id = counter.getAttribute("data-counter-for");
      const field = document.getElementById(id);
      if (!field) return;
      const max = parseInt(counter.getAttribute("data-max"), 10);
      const length = field.value.length;
      counter.textContent = number.format(length) + " / " + number.format(max);
      counter.classList.toggle("over", length > max);
      if (length > max) {
        showError(id, "Keep this under " + number.format(max) + " characters (it has " +
          number.format(length) + "; emoji count as 2).");
        over = over || field;
      } else {
        const box = $('[data-error-for="' + id + '"]');
        if (box && box.textContent.indexOf("Keep this under") === 0) showError(id, "");
      }
    });
    return over;
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

  // Create song with an empty prompt, or a text over its limit: say so by the field instead
  // of sending (the server refuses them with the same words).
  function checkBeforeSending(event) {
    const form = event.target;
    if (!form || form.id !== "song-form") return;
    const submitter = event.submitter;
    if (submitter && submitter.hasAttribute("formaction")) return; // an assistant button
    const prompt = $("#id_prompt");
    let problem = updateCounters();
    if (prompt && prompt.value.trim() === "") {
      const box = $("#prompt-error");
      showError(prompt.id, box ? box.getAttribute("data-required") : "");
      problem = prompt;
    }
    if (!problem) return;
    event.preventDefault();
    event.stopPropagation(); // before htmx's boosted submit sees it
    problem.focus();
  }

  // Ctrl+Enter (Cmd+Enter) in any field of the song form creates the song. A click, so htmx
  // knows which button sent the form; Enter in the assistant's fields writes lyrics instead.
  function onKeydown(event) {
    if (event.key !== "Enter" || event.isComposing || event.altKey) return;
    const form = $("#song-form");
    const target = event.target;
    if (!form || !(target instanceof Element)) return;
    if (!form.contains(target) && target.getAttribute("form") !== "song-form") return;
    if (event.ctrlKey || event.metaKey) {
      const button = $("#create-song");
      if (!button) return;
      event.preventDefault();
      button.click();
    } else if (target.closest("#lyrics-assistant input")) {
      const write = $("#write-lyrics");
      event.preventDefault();
      if (write && !write.disabled) write.click();
    }
  }

  function setChecked(field, checked) {
    if (!field || field.checked === checked) return;
    field.checked = checked;
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function setValue(field, value) {
    if (!field) return;
    field.value = value;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // What each filled draft replaced, so its Undo can put it back.
  const replaced = {};

  // A finished draft fills the Lyrics field (and an empty Title) once; Instrumental is
  // unticked visibly, since lyrics make a vocal song.
  function fillFromDraft(box) {
    const id = box.getAttribute("data-lyrics-draft");
    if (box.hasAttribute("data-filled") || id in replaced) return;
    box.setAttribute("data-filled", "");
    const lyrics = $("#id_lyrics");
    const title = $("#id_title");
    const instrumental = $("#id_instrumental");
    if (!lyrics) return;
    const before = {
      lyrics: lyrics.value,
      title: title ? title.value : "",
      instrumental: Boolean(instrumental && instrumental.checked),
    };
    replaced[id] = before;
    setChecked(instrumental, false);
    const note = $("[data-instrumental-unticked]", box);
    if (note) note.hidden = !before.instrumental;
    setValue(lyrics, box.getAttribute("data-lyrics") || "");
    const newTitle = box.getAttribute("data-title") || "";
    if (title && newTitle && title.value.trim() === "") setValue(title, newTitle);
  }

  function undoDraft(button, event) {
    const box = button.closest("[data-lyrics-draft]");
    const before = box ? replaced[box.getAttribute("data-lyrics-draft")] : null;
    if (!before) return; // filled by the server (no JavaScript then): its form does it
    event.preventDefault();
    setValue($("#id_lyrics"), before.lyrics);
    setValue($("#id_title"), before.title);
    setChecked($("#id_instrumental"), before.instrumental);
    delete replaced[box.getAttribute("data-lyrics-draft")];
    const done = $("[data-lyrics-done]", box);
    if (done) done.textContent = "Your previous lyrics are back.";
    $all("[data-lyrics-undo], [data-lyrics-undo-note], [data-instrumental-unticked]", box)
      .forEach(function (element) {
        element.hidden = true;
      });
    const lyrics = $("#id_lyrics");
    if (lyrics && !lyrics.disabled) lyrics.focus();
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
    if (target.id === "id_prompt" && target.value.trim() !== "") {
      const box = $("#prompt-error");
      if (box && box.textContent === box.getAttribute("data-required")) showError(target.id, "");
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
    document.addEventListener("submit", checkBeforeSending, true);
    document.addEventListener("keydown", onKeydown);
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
      const undo = event.target.closest ? event.target.closest("[data-lyrics-undo]") : null;
      if (undo) {
        undoDraft(undo, event);
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
    // A finished lyrics draft, polled in (or a page holding one, which never asks to fill).
    const drafts = root.matches && root.matches("[data-fill]") ? [root] : $all("[data-fill]", root);
    drafts.forEach(fillFromDraft);
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
