"""Party organisations, the party-spirit check (党性体检) and the learning record."""
