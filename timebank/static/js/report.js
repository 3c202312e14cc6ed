// The report page: "use my position" fills the hidden lat/lon from the phone's GPS.
(function () {
  "use strict";
  var button = document.querySelector("[data-locate]");
  if (!button || !navigator.geolocation) { return; }
  button.classList.remove("d-none");
  var status = document.querySelector("[data-locate-status]");
  var form = button.form;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.waiting;
    navigator.geolocation.getCurrentPosition(function (p) {
      form.elements.lat.value = p.coords.latitude.toFixed(6);
      form.elements.lon.value = p.coords.longitude.toFixed(6);
      status.textContent = button.dataset.found + " " + form.elements.lat.value + ", " + form.elements.lon.value;
    }, function () {
      status.textContent = button.dataset.failed;
    }, { enableHighAccuracy: true, timeout: 15000 });
  });
})();
// The map of communities: a tap sets the position (the nearest grid is found on sending).
(function () {
  "use strict";
  var map = document.querySelector("[data-unit-map]");
  if (!map) { return; }
  var pick = map.querySelector("[data-pick]");
  var form = map.closest("form");
  var status = document.querySelector("[data-locate-status]");
  map.addEventListener("click", function (event) {
    var point = map.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var at = point.matrixTransform(map.getScreenCTM().inverse());
    pick.setAttribute("cx", at.x);
    pick.setAttribute("cy", at.y);
    pick.classList.remove("d-none");
    form.elements.lat.value = (-at.y).toFixed(6);
    form.elements.lon.value = at.x.toFixed(6);
    form.elements.grid_id.value = "";
    if (status) { status.textContent = map.dataset.picked + " " + form.elements.lat.value + ", " + form.elements.lon.value; }
  });
})();
