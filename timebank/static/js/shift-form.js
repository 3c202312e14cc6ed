// Shift form: offer only the checkpoints of the chosen community.
(function () {
  "use strict";
  var community = document.getElementById("community_id");
  var checkpoint = document.getElementById("checkpoint_id");
  if (!community || !checkpoint) { return; }
  function sync() {
    var chosen = community.value;
    Array.prototype.forEach.call(checkpoint.querySelectorAll("optgroup"), function (group) {
      var show = false;
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
        var mine = option.dataset.community === chosen;
        option.hidden = !mine;
        option.disabled = !mine;
        show = show || mine;
      });
      group.hidden = !show;
    });
    var selected = checkpoint.options[checkpoint.selectedIndex];
    if (selected && selected.disabled) { checkpoint.value = ""; }
  }
  community.addEventListener("change", sync);
  sync();
})();
