// Contract view: link highlights and cards, switch text/page images, and turn a text selection into the
// evidence of a missed obligation. Offsets come from data-s (each element holds one text node).
(function () {
  "use strict";
  const doc = document.getElementById("doc-text");

  function focusMilestone(mid, scrollText) {
    document.querySelectorAll(".focus").forEach((el) => el.classList.remove("focus"));
    document.querySelectorAll('[data-m~="' + mid + '"]').forEach((el) => {
      if (el.matches("mark.ev, .box, .card")) el.classList.add("focus");
    });
    const card = document.getElementById("m-" + mid);
    if (scrollText) {
      const mark = Array.from(document.querySelectorAll('mark.ev[data-m~="' + mid + '"], .box[data-m="' + mid + '"]'))
        .find((el) => el.offsetParent !== null);
      if (mark) mark.scrollIntoView({ block: "center", behavior: "smooth" });
    } else if (card) {
      card.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  }

  document.querySelectorAll(".show-ev").forEach((b) =>
    b.addEventListener("click", () => focusMilestone(b.dataset.m, true)));
  document.querySelectorAll("mark.ev, .page-img .box").forEach((m) =>
    m.addEventListener("click", () => focusMilestone(m.dataset.m.split(" ")[0], false)));

  document.querySelectorAll("[data-view]").forEach((b) => b.addEventListener("click", () => {
    document.querySelectorAll("[data-view]").forEach((x) => x.classList.toggle("on", x === b));
    document.querySelectorAll("[data-pane]").forEach((p) => { p.hidden = p.dataset.pane !== b.dataset.view; });
  }));

  const params = new URLSearchParams(location.search);
  if (params.get("m")) focusMilestone(params.get("m"), true);

  // -- add a missed obligation from a selection ------------------------------------------------------------
  const panel = document.getElementById("add-panel");
  if (!doc || !panel) return;

  function offsetOf(node, offset) {
    if (node.nodeType !== Node.TEXT_NODE) {
      const child = node.childNodes[offset];
      if (child && child.dataset && child.dataset.s !== undefined) return parseInt(child.dataset.s, 10);
      if (child && child.parentElement && child.parentElement.dataset.s !== undefined) {
        return parseInt(child.parentElement.dataset.s, 10);
      }
      return null;
    }
    let el = node.parentElement;
    while (el && el !== doc && el.dataset.s === undefined) el = el.parentElement;
    if (!el || el === doc) return null;
    return parseInt(el.dataset.s, 10) + offset;
  }

  doc.addEventListener("mouseup", () => {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !doc.contains(sel.anchorNode) || !doc.contains(sel.focusNode)) return;
    const range = sel.getRangeAt(0);
    let start = offsetOf(range.startContainer, range.startOffset);
    let end = offsetOf(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return;
    const text = sel.toString();
    // trim whitespace at the edges so the stored evidence starts and ends on words
    const lead = text.length - text.replace(/^\s+/, "").length;
    const trail = text.length - text.replace(/\s+$/, "").length;
    start += lead; end -= trail;
    if (end <= start) return;
    const form = panel.querySelector("form");
    form.span_start.value = start;
    form.span_end.value = end;
    form.selected_text.value = text.trim();
    panel.querySelector(".quote").textContent = text.trim();
    panel.classList.add("open");
  });
  panel.querySelector("[data-close]").addEventListener("click", () => panel.classList.remove("open"));
})();
