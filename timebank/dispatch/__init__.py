"""有呼必应: the command and dispatch platform (SPEC 6) — events through the five-step loop."""
