"""QR check-in at the checkpoint: rotating signed codes, scans that count once, attendance."""
