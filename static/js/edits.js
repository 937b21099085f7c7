/*
 * A take's edit forms on the song page (templates/library/partials/edit_form.html):
 *   Extend           while its panel is open, a click on the take's waveform sets Extend from
 *                    (and plays from there, so you hear the point); a marker shows it
 *   Replace section  while its panel is open, dragging on the waveform chooses the section;
 *                    the region can be moved and resized; typed times move it too
 *   Remix            the Lyrics field's counter and section-tag buttons
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

  // Replace section: a dragged (or moved, resized) region fills Section start and end.
  function chosen(take, region, created) {
    const form = openPanel(take, "replace");
    const plugin = regionsOf(take);
    if (!form || !plugin || region.start === region.end) return;
    if (created) {
      plugin.regions.getRegions().forEach((other) => other !== region && other.remove());
    }
    setValue(input(form, "mask_start_s"), region.start);
    setValue(input(form, "mask_end_s"), region.end);
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
    const start = Number(input(form, "mask_start_s").value);
    const end = Number(input(form, "mask_end_s").value);
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
    if (operation === "replace") {
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
    if (field.matches('[name="extend_from_s"], [name="mask_start_s"], [name="mask_end_s"]')) {
      if (event.isTrusted) typed(form);
    }
    if (field.id && document.querySelector('[data-edit-counter-for="' + field.id + '"]')) count(field);
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
