"""ToMi theory-of-mind stories (Le, Boureau, Nickel 2019): `reader` reads the bAbI-layout
`.txt` and its `.trace` into typed events and questions (grammar/tomi.lark), renames the
story's names consistently and makes fresh made-up ones for the renamed variant."""
