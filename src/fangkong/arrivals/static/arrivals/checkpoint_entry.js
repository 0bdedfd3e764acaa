// The checkpoint entry screen: add a person without a round trip, Enter moves to the next field,
// a fever or a red code selects "to medical staff", destinations are looked up as you type.
// The page works without this file (the add button then posts the form and the server adds the row).
(function () {
  "use strict";

  function entry() { return document.getElementById("entry"); }

  function addRow() {
    var form = entry().querySelector("form.entry");
    var total = form.querySelector("input[name='p-TOTAL_FORMS']");
    var max = parseInt(form.querySelector("input[name='p-MAX_NUM_FORMS']").value, 10) || 80;
    var n = parseInt(total.value, 10);
    if (n >= max) { return; }
    var html = document.getElementById("person-template").innerHTML
      .replace(/__prefix__/g, String(n)).replace(/__n__/g, String(n + 1));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    document.getElementById("people").appendChild(row);
    total.value = String(n + 1);
    if (window.htmx) { window.htmx.process(row); }
    row.querySelector("input[name$='-name']").focus();
  }

  // Fields that Enter walks through: text-like inputs and selects that are visible (radios keep their defaults).
  function walkable(form) {
    return Array.prototype.filter.call(form.querySelectorAll("input, select"), function (el) {
      if (el.type === "hidden" || el.type === "radio" || el.type === "checkbox" || el.disabled) { return false; }
      if (el.closest("details:not([open])")) { return false; }  // folded away: still laid out in Chromium
      return el.getClientRects().length > 0;
    });
  }

  function suggest(row) {
    var box = entry();
    if (!row || !box) { return; }
    var fever = parseFloat(box.getAttribute("data-fever"));
    var temp = row.querySelector("input[name$='-temperature']");
    var t = temp ? parseFloat(temp.value.replace(/[，,]/, ".")) : NaN;
    var red = row.querySelector("input[name$='-colour'][value='red']:checked");
    var medical = row.querySelector("input[name$='-outcome'][value='medical']");
    var through = row.querySelector("input[name$='-outcome'][value='let_through']");
    if ((!isNaN(t) && t >= fever) || red) {
      if (medical && !medical.checked) { medical.checked = true; row.setAttribute("data-auto", "1"); }
      row.classList.add("alert");
    } else {
      row.classList.remove("alert");
      if (row.getAttribute("data-auto") && through) { through.checked = true; row.removeAttribute("data-auto"); }
    }
  }

  var timer = null;
  function lookUpPlaces(input) {
    var box = entry();
    var url = box && box.getAttribute("data-places");
    if (!url || !input.value.trim()) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(url + "?q=" + encodeURIComponent(input.value.trim()), { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { if (html) { document.getElementById("places").innerHTML = html; } })
        .catch(function () {});
    }, 250);
  }

  function focusStart() {
    var box = entry();
    if (!box) { return; }
    var target = box.querySelector(".invalid input, .invalid select") ||
      box.querySelector("input[name='plate']:not([type=hidden])") || box.querySelector("input[name='trip_number']");
    var folded = target && target.closest("details:not([open])");
    if (folded) { folded.open = true; }
    if (target) {
      target.focus();
      if (target.setSelectionRange && target.type === "text") { target.setSelectionRange(target.value.length, target.value.length); }
    }
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("#entry button.add-row");
    if (button) { e.preventDefault(); addRow(); }
  });

  document.addEventListener("keydown", function (e) {
    var el = e.target;
    if (e.key !== "Enter" || e.isComposing || !el.closest || !el.closest("#entry form.entry")) { return; }
    if (el.tagName === "BUTTON" || el.tagName === "SUMMARY") { return; }
    var form = el.closest("form");
    e.preventDefault();
    if (e.shiftKey) { addRow(); return; }
    if (e.ctrlKey || e.metaKey) { form.requestSubmit(form.querySelector("button.save")); return; }
    var fields = walkable(form);
    var i = fields.indexOf(el);
    if (i >= 0 && i < fields.length - 1) { fields[i + 1].focus(); }
    else { form.requestSubmit(form.querySelector("button.save")); }
  });

  document.addEventListener("input", function (e) {
    var el = e.target;
    if (!el.closest || !el.closest("#entry")) { return; }
    if (/-temperature$/.test(el.name)) { suggest(el.closest("[data-row]")); }
    if (el.getAttribute("list") === "places") { lookUpPlaces(el); }
  });

  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.closest && el.closest("#entry") && /-colour$/.test(el.name)) { suggest(el.closest("[data-row]")); }
  });

  document.addEventListener("htmx:afterSettle", function () { focusStart(); });

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", focusStart); } else { focusStart(); }
}());
