/*
 * Keyboard shortcuts for the player, on every page: Space play/pause, J/K previous/next,
 * ←/→ seek 5 seconds, N next take (takes.js listens for "studio:nexttake"), ? lists them in
 * a dialog. None of them fire while the user types, or takes a key from the control that has
 * focus (Space presses a focused button; arrows move a slider or a select).
 */
(function () {
  "use strict";

  const SEEK_STEP = 5;
  const dialog = document.getElementById("shortcuts-dialog");
  // Controls that use Space themselves (a focused link does not: Space there plays/pauses).
  const PRESSABLE = 'button, summary, input, select, textarea, [role="button"], [role="checkbox"], ' +
    '[role="switch"], [role="radio"], [role="tab"], [role="menuitem"], [role="option"]';
  // Controls that use the arrow keys themselves.
  const ARROWED = 'input, select, textarea, [role="slider"], [role="listbox"], [role="radiogroup"], ' +
    '[role="tablist"], [role="menu"], [role="grid"], [role="tree"], [role="spinbutton"]';

  // Fields that take typed letters; a checkbox or a range does not, so N and J/K still work there.
  const TYPED = 'input:not([type=checkbox]):not([type=radio]):not([type=range]):not([type=button])' +
    ':not([type=submit]):not([type=reset]), textarea, select, [contenteditable]:not([contenteditable="false"])';

  function isTyping(target) {
    if (!(target instanceof Element)) return false;
    return Boolean(target.closest(TYPED));
  }

  function openDialog() {
    if (!dialog || dialog.open) return;
    dialog.showModal();
  }

  document.querySelectorAll("[data-shortcuts-open]").forEach((button) => {
    button.addEventListener("click", openDialog);
  });

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (isTyping(target)) return;
    if (dialog && dialog.open) return; // the dialog's own keys: Escape closes it
    const player = window.StudioPlayer;
    const key = event.key;

    if (key === "?") {
      event.preventDefault();
      openDialog();
      return;
    }
    if (event.shiftKey && key !== "?") return;
    if (!player) return;

    if (key === " " || key === "Spacebar") {
      if (target instanceof Element && target.closest(PRESSABLE)) return;
      event.preventDefault();
      player.toggle();
    } else if (key === "j" || key === "J") {
      event.preventDefault();
      player.previous();
    } else if (key === "k" || key === "K") {
      event.preventDefault();
      player.next();
    } else if (key === "ArrowLeft" || key === "ArrowRight") {
      if (target instanceof Element && target.closest(ARROWED)) return;
      if (!player.current()) return;
      event.preventDefault();
      const now = player.audio.currentTime || 0;
      player.seek(now + (key === "ArrowLeft" ? -SEEK_STEP : SEEK_STEP));
    } else if (key === "n" || key === "N") {
      event.preventDefault();
      document.dispatchEvent(new CustomEvent("studio:nexttake", { cancelable: true }));
    }
  });
})();
