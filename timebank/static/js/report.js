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
