// The edcal calendar pages: today, the landing page's jump to this month, and the channel
// and kind filters. Without JavaScript every page still shows every entry.
(function () {
  "use strict";

  var root = document.querySelector(".edcal");
  if (!root) {
    return;
  }
  var zone = root.getAttribute("data-edcal-tz") || undefined;

  // "Today" comes from the reader's clock, in the calendar's time zone, so a site built
  // last night still opens on today.
  function today() {
    try {
      // en-CA writes dates as YYYY-MM-DD.
      return new Intl.DateTimeFormat("en-CA", {
        timeZone: zone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
      }).format(new Date());
    } catch (error) {
      return new Date().toISOString().slice(0, 10);
    }
  }

  var day = today();

  if (root.hasAttribute("data-edcal-landing") && location.hash !== "#months") {
    var months = root.querySelectorAll("a[data-month]");
    if (months.length) {
      // This month, else the last month before it, else the first one.
      var target = months[0];
      for (var i = 0; i < months.length; i++) {
        if (months[i].getAttribute("data-month") <= day.slice(0, 7)) {
          target = months[i];
        }
      }
      location.replace(target.href);
      return;
    }
  }

  root.querySelectorAll('[data-date="' + day + '"]').forEach(function (element) {
    element.setAttribute("aria-current", "date");
  });

  var now = Date.now();
  root.querySelectorAll(".edcal-entry[data-start]").forEach(function (entry) {
    if (Date.parse(entry.getAttribute("data-start")) < now) {
      entry.classList.add("is-past");
    }
  });

  var filters = root.querySelector("[data-edcal-filters]");
  if (!filters) {
    return;
  }
  var inputs = Array.prototype.slice.call(filters.querySelectorAll("input[type=checkbox]"));
  var entries = Array.prototype.slice.call(root.querySelectorAll(".edcal-entry"));
  var marks = Array.prototype.slice.call(root.querySelectorAll("[data-channel]"));
  var status = document.createElement("p");
  status.className = "edcal-sr";
  status.setAttribute("aria-live", "polite");
  filters.appendChild(status);

  var saved = {};
  try {
    saved = JSON.parse(localStorage.getItem("edcal-filters") || "{}");
  } catch (error) {
    saved = {};
  }

  function key(input) {
    return input.name + ":" + input.value;
  }

  function apply() {
    var off = {};
    var state = {};
    inputs.forEach(function (input) {
      state[key(input)] = input.checked;
      if (!input.checked) {
        off[key(input)] = true;
      }
    });
    try {
      localStorage.setItem("edcal-filters", JSON.stringify(state));
    } catch (error) {
      // Private browsing may refuse storage; the filters still work on this page.
    }
    var hidden = 0;
    entries.forEach(function (entry) {
      var hide = Boolean(off["kind:" + entry.getAttribute("data-kind")]);
      var channels = (entry.getAttribute("data-channels") || "").split(" ").filter(Boolean);
      // An entry hides when every channel it goes to is filtered out.
      if (!hide && channels.length) {
        hide = channels.every(function (name) {
          return off["channel:" + name];
        });
      }
      entry.hidden = hide;
      // A day of the neighbouring month shows its entries only in a week view.
      var outside = entry.closest(".is-outside");
      if (hide && (!outside || outside.parentElement.matches(":target"))) {
        hidden += 1;
      }
    });
    marks.forEach(function (mark) {
      mark.classList.toggle("is-off", Boolean(off["channel:" + mark.getAttribute("data-channel")]));
    });
    status.textContent = hidden ? hidden + " items hidden by the filters" : "All items shown";
  }

  inputs.forEach(function (input) {
    input.hidden = false;
    if (saved[key(input)] === false) {
      input.checked = false;
    }
    input.addEventListener("change", apply);
  });
  apply();
})();
