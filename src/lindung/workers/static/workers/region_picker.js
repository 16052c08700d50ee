// Regency → district → village: narrows the village select by asking /pekerja/wilayah/?parent=CODE.
// Without JavaScript the village select alone (all villages of the user's region) still works.
(function () {
  "use strict";
  var picker = document.querySelector(".region-picker");
  var village = document.getElementById("id_village");
  if (!picker || !village || village.tagName !== "SELECT") return;
  var regency = document.getElementById("pick-regency");
  var district = document.getElementById("pick-district");
  picker.hidden = false;

  function fill(select, parent, keep) {
    if (!parent) { select.length = 1; return Promise.resolve(); }
    return fetch(picker.dataset.url + "?parent=" + encodeURIComponent(parent), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        select.length = 1;  // keep the empty first option
        data.regions.forEach(function (region) {
          select.add(new Option(region.name, region.code, false, region.code === keep));
        });
      });
  }
  regency.addEventListener("change", function () {
    fill(district, regency.value, "").then(function () { fill(village, "", ""); });
  });
  district.addEventListener("change", function () { fill(village, district.value, village.value); });
  // Start narrowed to the chosen (or only) district, keeping the chosen village.
  if (district.value) fill(village, district.value, village.value);
})();
