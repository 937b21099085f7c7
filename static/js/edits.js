/*
 * A take's edit forms on the song page (templates/library/partials/edit_form.html):
 *   Extend           while its panel is open, a click on the take's waveform sets Extend from
 *                    (and plays from there, so you hear the point); a marker shows it
 *   Replace section  while its panel is open, dragging on the waveform chooses the section;
 *                    the region can be moved and resized; typed times move it too
 *   Remix            the Lyrics field's counter and section-tag buttons
 *   Effects          only the chosen Effect's inputs; Trim's start and end dragged like a section
 * One panel of a take is open at a time, so the waveform always means one thing. The waveform
 * itself is takes.js's (window.studioTakes.surfer); regions come from wavesurfer's plugin.
 */
(function () {
  "use strict";
  if (window.studioEdits) return;

  const plugins = new WeakMap(); // [data-waveform] -> {regions, stopDrag}
  const number = new Intl.NumberFormat();

  function takeOf(element) {
    return element.closest("[data-take]");
  }

  function openPanel(take, operation) {
    const panel = take && take.querySelector('details[data-edit-panel="' + operation + '"][open]');
    return panel ? panel.querySelector("form[data-edit]") : null;
  }

  function input(form, name) {
    return form ? form.querySelector('[name="' + name + '"]') : null;
  }

  function setValue(field, seconds) {
    if (!field) return;
    field.value = (Math.round(seconds * 10) / 10).toFixed(1);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function regionsOf(take) {
    const wave = take && take.querySelector("[data-waveform]");
    const takes = window.studioTakes;
    const surfer = wave && takes && takes.surfer ? takes.surfer(wave) : null;
    if (!surfer || !window.WaveSurfer || !window.WaveSurfer.Regions) return null;
    let found = plugins.get(wave);
    if (!found) {
      found = { regions: surfer.registerPlugin(window.WaveSurfer.Regions.create()), stopDrag: null };
      found.regions.on("region-created", (region) => chosen(take, region, true));
      found.regions.on("region-updated", (region) => chosen(take, region, false));
      surfer.on("interaction", (seconds) => clicked(take, seconds));
      plugins.set(wave, found);
    }
    return found;
  }

  function color(name, fallback) {
    return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
  }

  // The inputs a dragged section fills: Replace section's, or Trim's (Effects).
  const SECTION = { replace: ["mask_start_s", "mask_end_s"], effect: ["start_s", "end_s"] };

  function sectionForm(take) {
    const form = openPanel(take, "replace") || openPanel(take, "effect");
    if (form && form.dataset.edit === "effect" && effectOf(form) !== "Trim") return null;
    return form;
  }

  function effectOf(form) {
    const select = input(form, "effect");
    return select ? select.value : "";
  }

  // A dragged (or moved, resized) region fills the section's start and end.
  function chosen(take, region, created) {
    const form = sectionForm(take);
    const plugin = regionsOf(take);
    if (!form || !plugin || region.start === region.end) return;
    if (created) {
      plugin.regions.getRegions().forEach((other) => other !== region && other.remove());
    }
    const names = SECTION[form.dataset.edit];
    setValue(input(form, names[0]), region.start);
    setValue(input(form, names[1]), region.end);
  }

  // Effects: only the chosen effect's inputs are shown (the server reads only those).
  function showEffectFields(form) {
    if (!form || !form.dataset.effectFields) return;
    let fields = {};
    try {
      fields = JSON.parse(form.dataset.effectFields);
    } catch (error) {
      return;
    }
    const all = new Set(Object.values(fields).flat());
    const mine = new Set(fields[effectOf(form)] || []);
    form.querySelectorAll("[data-field]").forEach((wrapper) => {
      if (all.has(wrapper.dataset.field)) wrapper.hidden = !mine.has(wrapper.dataset.field);
    });
  }

  // Extend: a click sets Extend from, and a marker shows it.
  function clicked(take, seconds) {
    const form = openPanel(take, "extend");
    const plugin = regionsOf(take);
    if (!form || !plugin) return;
    setValue(input(form, "extend_from_s"), seconds);
    showMarker(take, seconds);
  }

  function showMarker(take, seconds) {
    const plugin = regionsOf(take);
    if (!plugin) return;
    plugin.regions.clearRegions();
    if (seconds > 0) {
      plugin.regions.addRegion({ start: seconds, color: color("--accent", "#5b3df5"), drag: false });
    }
  }

  // Typed times move the section (or the marker) on the waveform.
  function typed(form) {
    const take = takeOf(form);
    const plugin = regionsOf(take);
    if (!plugin) return;
    if (form.dataset.edit === "extend") {
      showMarker(take, Number(input(form, "extend_from_s").value) || 0);
      return;
    }
    const names = SECTION[form.dataset.edit];
    if (!names) return;
    const start = Number(input(form, names[0]).value);
    const end = Number(input(form, names[1]).value);
    const current = plugin.regions.getRegions()[0];
    if (!(end > start) || start < 0) return;
    if (current && current.end !== current.start) current.setOptions({ start: start, end: end });
    else showSection(take, start, end);
  }

  function showSection(take, start, end) {
    const plugin = regionsOf(take);
    plugin.regions.clearRegions();
    plugin.regions.addRegion({
      start: start,
      end: end,
      color: color("--region", "rgba(91, 61, 245, 0.18)"),
      drag: true,
      resize: true,
    });
  }

  // What the waveform does follows the open panel.
  function panelToggled(panel) {
    const take = takeOf(panel);
    const plugin = regionsOf(take);
    if (panel.open) {
      take.querySelectorAll("details[data-edit-panel][open]").forEach((other) => {
        if (other !== panel) other.open = false;
      });
    }
    if (!plugin) return;
    if (plugin.stopDrag) {
      plugin.stopDrag();
      plugin.stopDrag = null;
    }
    plugin.regions.clearRegions();
    const operation = panel.open ? panel.dataset.editPanel : null;
    const form = panel.querySelector("form[data-edit]");
    if (form) showEffectFields(form);
    if (operation === "replace" || (operation === "effect" && effectOf(form) === "Trim")) {
      plugin.stopDrag = plugin.regions.enableDragSelection({
        color: color("--region", "rgba(91, 61, 245, 0.18)"),
      });
      typed(form);
    } else if (operation === "extend") {
      typed(form);
    }
  }

  // Remix: the Lyrics counter and tags.
  function count(field) {
    const counter = document.querySelector('[data-edit-counter-for="' + field.id + '"]');
    if (!counter) return;
    const max = Number(counter.dataset.max);
    counter.textContent = number.format(field.value.length) + " / " + number.format(max);
    counter.classList.toggle("over", field.value.length > max);
  }

  function insertTag(button) {
    const field = document.getElementById(button.dataset.target);
    if (!field) return;
    const start = field.selectionStart;
    const before = field.value.slice(0, start);
    const after = field.value.slice(field.selectionEnd);
    const text = (before === "" || before.endsWith("\n") ? "" : "\n") + button.dataset.editTag +
      (after.startsWith("\n") ? "" : "\n");
    field.focus();
    field.setRangeText(text, start, field.selectionEnd, "end");
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("toggle", (event) => {
    if (event.target.matches && event.target.matches("details[data-edit-panel]")) {
      panelToggled(event.target);
    }
  }, true);
  document.addEventListener("input", (event) => {
    const field = event.target;
    const form = field.closest && field.closest("form[data-edit]");
    if (!form) return;
    if (field.matches('[name="extend_from_s"], [name="mask_start_s"], [name="mask_end_s"], [name="start_s"], [name="end_s"]')) {
      if (event.isTrusted) typed(form);
    }
    if (field.id && document.querySelector('[data-edit-counter-for="' + field.id + '"]')) count(field);
  });
  document.addEventListener("change", (event) => {
    const select = event.target;
    if (!select.matches || !select.matches('form[data-edit="effect"] [name="effect"]')) return;
    const panel = select.closest("details[data-edit-panel]");
    if (panel) panelToggled(panel); // Trim drags on the waveform; the other effects do not
  });
  // A form that comes in (loaded into a panel as it opens, or re-rendered with its errors or
  // fresh after success) gets what its open panel does to the waveform and its effect's inputs.
  document.addEventListener("htmx:load", (event) => {
    const root = event.detail && event.detail.elt;
    if (!root || !root.querySelectorAll) return;
    const forms = Array.from(root.querySelectorAll("form[data-edit]"));
    if (root.matches && root.matches("form[data-edit]")) forms.push(root);
    forms.forEach((form) => {
      const panel = form.closest("details[data-edit-panel]");
      if (panel && panel.open) panelToggled(panel);
      else showEffectFields(form);
    });
  });
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-edit-tag]");
    if (button) {
      event.preventDefault();
      insertTag(button);
    }
  });

  window.studioEdits = { showSection: showSection };
})();
