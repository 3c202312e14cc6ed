"""Emergency mobilisation: call-outs that invite the nearest suitable members wave by wave,
fill at exactly the head-count needed, and form teams with leaders."""
