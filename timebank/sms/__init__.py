"""Two-way SMS (SPEC 9): answers to call-outs and event feedback by text reply."""
